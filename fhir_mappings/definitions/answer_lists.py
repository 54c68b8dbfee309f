"""Answer lists shared by the intake and the session note. Each becomes one FHIR ValueSet.

Every code here is a concept of the local CodeSystem; codes are unique across all lists,
except that a list may reuse another list's concept with the same meaning (yes, no).
"""

from __future__ import annotations

from fhir_mappings.definitions.model import AnswerList, Option

YES = Option("yes", "Yes")
NO = Option("no", "No")
NOT_SURE = Option("not-sure", "Not sure")

YES_NO = AnswerList("yes-no", "Yes or no", (YES, NO))
YES_NO_UNSURE = AnswerList("yes-no-unsure", "Yes, no or not sure", (NO, YES, NOT_SURE))

AI_TOOLS = AnswerList(
    "ai-tools",
    "AI chat tools",
    (
        Option("tool-chatgpt", "ChatGPT"),
        Option("tool-claude", "Claude"),
        Option("tool-gemini", "Gemini"),
        Option("tool-copilot", "Copilot"),
        Option("tool-meta-ai", "Meta AI (WhatsApp/Instagram)"),
        Option("tool-snapchat-my-ai", "Snapchat My AI"),
        Option("tool-character-ai", "Character.AI"),
        Option("tool-replika", "Replika"),
        Option("tool-other-companion", "Other companion app"),
        Option("tool-wellbeing-app", "Woebot, Wysa or another wellbeing app"),
        Option("tool-in-app", "AI inside a game or other app"),
        Option("tool-other", "Other"),
        Option("tool-none", "None", exclusive=True),
    ),
)
TOOL_NONE = "tool-none"
TOOL_OTHER = "tool-other"
#: The session note asks which tools were used, so "None" is not offered there.
AI_TOOLS_USED = AI_TOOLS.without(TOOL_NONE, id="ai-tools-used", title="AI chat tools used")

DAYS_PER_WEEK = AnswerList(
    "days-per-week",
    "Days of use in a typical week",
    (
        Option("dpw-less-than-weekly", "Less than weekly"),
        Option("dpw-1-2", "1–2 days"),
        Option("dpw-3-4", "3–4 days"),
        Option("dpw-5-6", "5–6 days"),
        Option("dpw-every-day", "Every day"),
    ),
)

TIME_PER_DAY = AnswerList(
    "time-per-day",
    "Time on a day of use",
    (
        Option("tpd-under-15m", "Less than 15 minutes"),
        Option("tpd-15-60m", "15–60 minutes"),
        Option("tpd-1-2h", "1–2 hours"),
        Option("tpd-2-4h", "2–4 hours"),
        Option("tpd-over-4h", "More than 4 hours"),
        Option("tpd-not-sure", "Not sure"),
    ),
)

WHEN = AnswerList(
    "when-used",
    "When AI chat is used",
    (
        Option("when-morning", "Morning"),
        Option("when-daytime", "Daytime"),
        Option("when-evening", "Evening"),
        Option("when-after-midnight", "After midnight"),
        Option("when-upset", "Whenever I feel upset"),
    ),
)

FREQUENCY = AnswerList(
    "purpose-frequency",
    "How often, for a purpose",
    (
        Option("freq-never", "Never"),
        Option("freq-sometimes", "Sometimes"),
        Option("freq-often", "Often"),
    ),
)

#: Purposes: the rows of intake item 5 and the options of the note's "main purposes".
PURPOSES = AnswerList(
    "purposes",
    "Purposes of AI chat use",
    (
        Option("purpose-looking-up", "Looking things up"),
        Option("purpose-writing", "School or work writing"),
        Option("purpose-shopping", "Shopping"),
        Option("purpose-translation", "Translation"),
        Option("purpose-journaling", "Journaling"),
        Option("purpose-organizing", "Organizing thoughts before therapy"),
        Option("purpose-homework", "Therapy homework or practising skills"),
        Option("purpose-rehearsing", "Rehearsing a hard conversation"),
        Option("purpose-relationship-advice", "Relationship advice"),
        Option("purpose-symptoms", "Checking symptoms or self-diagnosis"),
        Option("purpose-emotional-support", "Emotional support when upset"),
        Option("purpose-company", "Company or someone to talk to"),
        Option("purpose-romantic", "Romantic or role-play relationship"),
        Option("purpose-crisis", "Help during a crisis or thoughts of self-harm"),
    ),
)

SHARED = AnswerList(
    "shared-with-ai",
    "What was shared with AI",
    (
        Option("shared-nothing-personal", "Nothing personal", exclusive=True),
        Option("shared-feelings", "My feelings or mental health"),
        Option("shared-others", "Details about other people"),
        Option("shared-health", "Health or medication details"),
        Option("shared-untold", "Things I haven't told anyone"),
        Option("shared-identifying", "Identifying details (name, address, school or work)"),
        Option("shared-media", "Photos or voice"),
        Option("shared-not-sure", "Not sure"),
    ),
)

COMFORT = AnswerList(
    "comfort",
    "Ease of sharing compared with people",
    (
        Option("comfort-much-harder", "Much harder"),
        Option("comfort-harder", "Harder"),
        Option("comfort-same", "About the same"),
        Option("comfort-easier", "Easier"),
        Option("comfort-much-easier", "Much easier"),
    ),
)

PRIVACY_AWARENESS = AnswerList(
    "privacy-awareness",
    "Knowing what the company does with chats",
    (
        Option("privacy-yes", "Yes"),
        Option("privacy-partly", "Partly"),
        Option("privacy-no", "No"),
        Option("privacy-never-thought", "Never thought about it"),
    ),
)

#: Past-30-day reliance scale of intake items 10-14.
RELIANCE = AnswerList(
    "reliance-frequency",
    "How often, past 30 days",
    (
        Option("reliance-0", "Never", score=0),
        Option("reliance-1", "Rarely", score=1),
        Option("reliance-2", "Sometimes", score=2),
        Option("reliance-3", "Often", score=3),
        Option("reliance-4", "Very often", score=4),
    ),
)

FRAMING = AnswerList(
    "relational-framing",
    "How the AI feels",
    (
        Option("framing-tool", "A tool"),
        Option("framing-assistant", "A helpful assistant"),
        Option("framing-friend", "Something like a friend"),
        Option("framing-companion", "A close companion or partner"),
        Option("framing-other", "Other"),
    ),
)

BRING_TO_SESSION = AnswerList(
    "bring-to-session",
    "Bringing AI conversations to sessions",
    (
        Option("bring-yes", "Yes"),
        Option("bring-maybe", "Maybe, let's talk"),
        Option("bring-no", "No, I'd keep them private"),
    ),
)

CONSENT_RECORD = AnswerList(
    "consent-record",
    "Consent to the health record",
    (
        Option("consent-agree", "I agree"),
        Option("consent-discuss", "I'd like to discuss first"),
    ),
)
CONSENT_AGREE = "consent-agree"
CONSENT_DISCUSS = "consent-discuss"

# Session note -------------------------------------------------------------------------

ANY_USE = AnswerList(
    "any-use",
    "Any AI use since the last session",
    (
        Option("use-yes", "Yes"),
        Option("use-no", "No"),
        Option("use-not-discussed", "Not discussed"),
    ),
)
USE_YES = "use-yes"
USE_NO = "use-no"
USE_NOT_DISCUSSED = "use-not-discussed"

DISTRESS = AnswerList(
    "distress-unavailable",
    "Distress when AI is unavailable",
    (
        Option("distress-none", "None"),
        Option("distress-mild", "Mild"),
        Option("distress-marked", "Marked"),
    ),
)

CRISIS_USE = AnswerList(
    "crisis-use",
    "Use during distress or crisis",
    (
        Option("crisis-no", "No"),
        Option("crisis-distress", "Yes, during distress"),
        Option("crisis-self-harm", "Yes, with self-harm or suicidal thoughts"),
    ),
)

THEMES = AnswerList(
    "themes",
    "What the client brought to the AI",
    (
        Option("theme-relationships", "Relationships"),
        Option("theme-mood", "Mood"),
        Option("theme-worry", "Worry"),
        Option("theme-trauma", "Trauma"),
        Option("theme-self-image", "Self-image"),
        Option("theme-substances", "Substances"),
        Option("theme-work-school", "Work or school"),
        Option("theme-sexuality", "Sexuality"),
        Option("theme-other", "Other"),
    ),
)

REPLY_USE = AnswerList(
    "reply-use",
    "How the client used the replies",
    (
        Option("replies-as-is", "Took them as-is"),
        Option("replies-critical", "Weighed them critically"),
        Option("replies-reassurance", "Sought repeated reassurance"),
        Option("replies-dismissed", "Dismissed them"),
    ),
)

ADVICE_FIT = AnswerList(
    "advice-fit",
    "Fit of the AI's advice with treatment",
    (
        Option("fit-supportive", "Supportive"),
        Option("fit-neutral", "Neutral"),
        Option("fit-conflict-treatment", "Conflicting with treatment"),
        Option("fit-conflict-safety", "Conflicting with the safety plan"),
    ),
)

OUTCOMES = AnswerList(
    "helpful-outcomes",
    "Helpful outcomes",
    (
        Option("outcome-skill", "Practised a skill"),
        Option("outcome-apology", "Drafted an apology"),
        Option("outcome-organized", "Organized thoughts"),
        Option("outcome-other", "Other"),
    ),
)

EASIER = AnswerList(
    "easier-than-therapist",
    "AI felt easier than the therapist",
    (
        Option("easier-less", "Less"),
        Option("easier-same", "Same"),
        Option("easier-more", "More"),
    ),
)

HUMAN_CONTACT = AnswerList(
    "human-contact",
    "Change in human contact attributed to AI",
    (
        Option("contact-more", "More"),
        Option("contact-same", "No change"),
        Option("contact-less", "Less"),
    ),
)

EXCERPT = AnswerList(
    "excerpt-review",
    "AI excerpt reviewed in session",
    (
        Option("excerpt-no", "No"),
        Option("excerpt-summarized", "Summarized"),
        Option("excerpt-stored", "Stored with consent"),
    ),
)

PLAN = AnswerList(
    "plan",
    "Plan",
    (
        Option("plan-none", "None", exclusive=True),
        Option("plan-revisit", "Revisit next session"),
        Option("plan-psychoeducation", "Psychoeducation"),
        Option("plan-agreement", "Agreement on how AI will be used"),
        Option("plan-consult-supervisor", "Consult supervisor"),
        Option("plan-risk-assessment", "Risk assessment per local protocol"),
    ),
)

"""The per-session "between-session AI use" note (clinical content, section 2).

The quick path (``quick=True``) holds the items that change most from session to session
and the plan; the page folds every other item under "more". "No AI use since the last
session" is one click on the page, a note answering only "Any AI use: No".

Fields that mean the same as an intake item share its linkId and answer list (tools,
days-per-week, time-per-day, framing), so charts and the indicator read one series.
"""

from __future__ import annotations

from dataclasses import replace

from fhir_mappings.definitions import answer_lists as lists
from fhir_mappings.definitions.model import Condition, Definition, Item

USED_AI = (Condition("any-use", "=", lists.USE_YES),)


def _if_used(item: Item) -> Item:
    return replace(item, enable_when=USED_AI)


USE = Item(
    "section-use",
    "Use since the last session",
    "group",
    extract=False,
    declinable=False,
    children=(
        Item(
            "any-use",
            "Any AI use since the last session?",
            "choice",
            label="Any AI use",
            answers=lists.ANY_USE,
            source="client",
            quick=True,
        ),
        _if_used(
            Item(
                "tools",
                "Tools used",
                "choice",
                label="AI chat tools used",
                answers=lists.AI_TOOLS_USED,
                repeats=True,
                source="client",
                prefill=True,
            )
        ),
        _if_used(
            Item(
                "days-per-week",
                "Days per week",
                "choice",
                label="Days of use per week",
                answers=lists.DAYS_PER_WEEK,
                source="client",
                quick=True,
                prefill=True,
            )
        ),
        _if_used(
            Item(
                "time-per-day",
                "Typical time per day",
                "choice",
                label="Time per day of use",
                answers=lists.TIME_PER_DAY,
                source="client",
                quick=True,
                prefill=True,
            )
        ),
        _if_used(
            Item(
                "main-purposes",
                "Main purposes this interval",
                "choice",
                label="Main purposes",
                answers=lists.PURPOSES,
                repeats=True,
                source="client",
            )
        ),
        _if_used(
            Item(
                "reliance-rating",
                "How much did you rely on AI to cope this week?",
                "integer",
                label="Reliance on AI to cope (0-10)",
                min_value=0,
                max_value=10,
                source="client",
                quick=True,
                help="0 not at all, 10 completely.",
            )
        ),
        _if_used(
            Item(
                "distress-unavailable",
                "Distress when it was unavailable",
                "choice",
                label="Distress when unavailable",
                answers=lists.DISTRESS,
                source="client",
                quick=True,
            )
        ),
        _if_used(
            Item(
                "crisis-use",
                "Used during distress or crisis?",
                "choice",
                label="Used during distress or crisis",
                answers=lists.CRISIS_USE,
                source="client",
                quick=True,
                help='Any "yes" raises a review-now flag.',
            )
        ),
    ),
)

MEANING = _if_used(
    Item(
        "section-meaning",
        "What the AI meant this interval",
        "group",
        extract=False,
        declinable=False,
        children=(
            Item(
                "themes",
                "What the client brought to the AI",
                "choice",
                label="Themes brought to AI",
                answers=lists.THEMES,
                repeats=True,
                source="clinician",
                quick=True,
            ),
            Item(
                "themes-other",
                "Other theme",
                "string",
                label="Other theme",
                source="clinician",
                quick=True,
                extract=False,
                max_length=200,
                enable_when=(Condition("themes", "=", "theme-other"),),
            ),
            Item(
                "reply-use",
                "How the client used the replies",
                "choice",
                label="Use of replies",
                answers=lists.REPLY_USE,
                repeats=True,
                source="clinician",
            ),
            Item(
                "advice-fit",
                "Fit of the advice with treatment and the safety plan",
                "choice",
                label="Fit of advice with treatment",
                answers=lists.ADVICE_FIT,
                source="clinician",
                quick=True,
                help="A conflict raises a review-now flag.",
            ),
            Item(
                "advice-fit-detail",
                "What conflicted?",
                "text",
                label="Advice conflict detail",
                source="clinician",
                quick=True,
                extract=False,
                max_length=2000,
                enable_behavior="any",
                enable_when=(
                    Condition("advice-fit", "=", "fit-conflict-treatment"),
                    Condition("advice-fit", "=", "fit-conflict-safety"),
                ),
            ),
            Item(
                "helpful-outcomes",
                "Helpful outcomes",
                "choice",
                label="Helpful outcomes",
                answers=lists.OUTCOMES,
                repeats=True,
                source="clinician",
            ),
            Item(
                "easier-than-therapist",
                "Did AI feel easier than talking to the therapist?",
                "choice",
                label="AI easier than the therapist",
                answers=lists.EASIER,
                source="both",
            ),
            Item(
                "alliance-comment",
                "Comment on the therapeutic alliance",
                "text",
                label="Alliance comment",
                source="clinician",
                extract=False,
                max_length=2000,
            ),
            Item(
                "framing",
                "Relational framing of the AI",
                "choice",
                label="Relational framing",
                answers=lists.FRAMING,
                source="clinician",
                prefill=True,
            ),
            Item(
                "model-change-grief",
                "Grief about a model change?",
                "choice",
                label="Grief about a model change",
                answers=lists.YES_NO,
                source="clinician",
            ),
            Item(
                "human-contact",
                "Change in human contact attributed to AI",
                "choice",
                label="Change in human contact",
                answers=lists.HUMAN_CONTACT,
                source="clinician",
            ),
            Item(
                "validation-loop",
                "Validation loop observed?",
                "choice",
                label="Validation loop observed",
                answers=lists.YES_NO,
                source="clinician",
            ),
        ),
    )
)

CARE = Item(
    "section-care",
    "Privacy and plan",
    "group",
    extract=False,
    declinable=False,
    children=(
        Item(
            "privacy-concern",
            "Privacy concern raised?",
            "choice",
            label="Privacy concern raised",
            answers=lists.YES_NO,
            source="client",
        ),
        Item(
            "psychoeducation",
            "Privacy psychoeducation given?",
            "choice",
            label="Psychoeducation given",
            answers=lists.YES_NO,
            source="clinician",
        ),
        Item(
            "excerpt-review",
            "AI excerpt reviewed in session",
            "choice",
            label="AI excerpt reviewed",
            answers=lists.EXCERPT,
            source="clinician",
        ),
        Item(
            "excerpt-expiry",
            "Delete the stored excerpt on",
            "date",
            label="Excerpt expiry date",
            source="clinician",
            extract=False,
            required=True,
            declinable=False,
            enable_when=(Condition("excerpt-review", "=", "excerpt-stored"),),
        ),
        Item(
            "plan",
            "Plan",
            "choice",
            label="Plan",
            answers=lists.PLAN,
            repeats=True,
            source="clinician",
            quick=True,
        ),
    ),
)

SESSION_NOTE = Definition(
    id="ai-use-session-note",
    name="AIUseSessionNote",
    title="Between-session AI use note",
    version="1.0.0",
    date="2026-11-24",
    preface="Between-session AI use: what the client brought to it, how they read its "
    "replies, and whether it has started to replace people.",
    items=(USE, MEANING, CARE),
    panel_code="session-note-panel",
    panel_display="Between-session AI use note panel",
)

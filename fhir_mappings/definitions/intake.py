"""The first-session intake: 20 items in sections A-F (clinical content, section 1).

Version 1.1.0 asks section F (consent) first and the rest only once the client agrees;
version 1.0.0 asked it last. Both are built from the same items (linkIds and numbering are
the items' identity, not their place), and both stay published: stored responses keep
naming, and being read with, the version they answered.
"""

from __future__ import annotations

from dataclasses import replace

from fhir_mappings.definitions import answer_lists as lists
from fhir_mappings.definitions.intake_consent import CONSENT_ITEMS, CONSENTED, SECTION_F
from fhir_mappings.definitions.model import Condition, Definition, Item

__all__ = ["CONSENT_ITEMS", "INTAKE", "INTAKE_1_0_0", "INTAKE_VERSIONS"]

#: Items 2-18 are skipped when item 1 is "None". FHIR's != holds when no answer equals the
#: value, so they stay asked when item 1 is unanswered or declined.
USES_AI = (Condition("tools", "!=", lists.TOOL_NONE),)


def _uses_ai(item: Item) -> Item:
    """The item, asked only when the client uses AI chat tools (item 1 is not "None")."""
    return replace(item, enable_when=USES_AI)


def _reliance(prefix: str, link_id: str, label: str, text: str) -> Item:
    return Item(
        link_id, text, "choice", label=label, prefix=prefix, answers=lists.RELIANCE, source="client"
    )


SECTION_A = Item(
    "section-a",
    "Tools and pattern",
    "group",
    prefix="A",
    extract=False,
    declinable=False,
    children=(
        Item(
            "tools",
            "Which AI chat tools have you used in the past month?",
            "choice",
            label="AI chat tools used",
            prefix="1",
            answers=lists.AI_TOOLS,
            repeats=True,
            source="client",
            help='Choose all that apply. "None" skips to the consent section.',
        ),
        Item(
            "tools-other",
            "Which other tool?",
            "string",
            label="Other tool",
            source="client",
            extract=False,
            max_length=200,
            enable_when=(Condition("tools", "=", lists.TOOL_OTHER),),
        ),
        _uses_ai(
            Item(
                "days-per-week",
                "On how many days in a typical week do you use them?",
                "choice",
                label="Days of use per week",
                prefix="2",
                answers=lists.DAYS_PER_WEEK,
                source="client",
            )
        ),
        _uses_ai(
            Item(
                "time-per-day",
                "On a day you use them, how much time in total?",
                "choice",
                label="Time per day of use",
                prefix="3",
                answers=lists.TIME_PER_DAY,
                source="client",
            )
        ),
        _uses_ai(
            Item(
                "when",
                "When do you usually use them?",
                "choice",
                label="When used",
                prefix="4",
                answers=lists.WHEN,
                repeats=True,
                source="client",
                help="Choose all that apply.",
            )
        ),
    ),
)

SECTION_B = _uses_ai(
    Item(
        "section-b",
        "Purposes",
        "group",
        prefix="B",
        extract=False,
        declinable=False,
        children=(
            Item(
                "purposes",
                "How often do you use AI chat for each of these?",
                "group",
                label="Purposes",
                prefix="5",
                grid=True,
                source="client",
                children=tuple(
                    Item(
                        option.code,
                        option.display,
                        "choice",
                        label=option.display,
                        answers=lists.FREQUENCY,
                        source="client",
                        declinable=False,
                    )
                    for option in lists.PURPOSES.options
                ),
            ),
        ),
    )
)

SECTION_C = _uses_ai(
    Item(
        "section-c",
        "Disclosure and comfort",
        "group",
        prefix="C",
        extract=False,
        declinable=False,
        children=(
            Item(
                "shared",
                "What have you shared with an AI tool?",
                "choice",
                label="Shared with AI",
                prefix="6",
                answers=lists.SHARED,
                repeats=True,
                source="client",
                help="Choose all that apply.",
            ),
            Item(
                "comfort-vs-people",
                "Compared with people you know, sharing personal things with AI feels…",
                "choice",
                label="Sharing with AI vs people",
                prefix="7",
                answers=lists.COMFORT,
                source="client",
            ),
            Item(
                "comfort-vs-therapist",
                "Compared with talking to a therapist, sharing with AI feels…",
                "choice",
                label="Sharing with AI vs therapist",
                prefix="8",
                answers=lists.COMFORT,
                source="client",
            ),
            Item(
                "privacy-awareness",
                "Do you know whether the company stores, reviews or trains on what you type?",
                "choice",
                label="Knows what the company does with chats",
                prefix="9",
                answers=lists.PRIVACY_AWARENESS,
                source="client",
            ),
            Item(
                "privacy-tips",
                "I'd like privacy tips",
                "boolean",
                label="Wants privacy tips",
                source="client",
                declinable=False,
            ),
        ),
    )
)

SECTION_D = _uses_ai(
    Item(
        "section-d",
        "Reliance, past 30 days",
        "group",
        prefix="D",
        extract=False,
        declinable=False,
        children=(
            _reliance(
                "10",
                "withdrawal",
                "Uneasy when unable to use it",
                "How often did you feel uneasy, irritable or alone when you couldn't use it "
                "(outage, no signal, the app changed)?",
            ),
            _reliance(
                "11",
                "loss-of-control",
                "Hard to stop chatting",
                "How often did you keep chatting much longer than you meant to, or find it hard "
                "to stop?",
            ),
            _reliance(
                "12",
                "displacement",
                "AI instead of people",
                "How often did you turn to AI instead of reaching out to a friend, family member "
                "or your therapist?",
            ),
            _reliance(
                "13",
                "conflict",
                "AI cut into sleep, work or people",
                "How often did AI chat cut into your sleep, work, school or time with others?",
            ),
            _reliance(
                "14",
                "reassurance",
                "Back to AI for reassurance",
                "How often did you go back to the AI mainly for reassurance or to hear you were "
                "right?",
            ),
            Item(
                "framing",
                "The AI you talk with most feels most like…",
                "choice",
                label="Relational framing",
                prefix="15",
                answers=lists.FRAMING,
                source="client",
            ),
        ),
    )
)

SECTION_E = _uses_ai(
    Item(
        "section-e",
        "AI and therapy",
        "group",
        prefix="E",
        extract=False,
        declinable=False,
        children=(
            Item(
                "advice-conflict",
                "Has AI advice ever clashed with your therapy, your medication or your "
                "safety plan?",
                "choice",
                label="AI advice clashed with care",
                prefix="16",
                answers=lists.YES_NO_UNSURE,
                source="client",
            ),
            Item(
                "advice-conflict-detail",
                "What happened? (optional)",
                "text",
                label="Advice clash, in the client's words",
                source="client",
                extract=False,
                max_length=2000,
                enable_when=(Condition("advice-conflict", "=", "yes"),),
            ),
            Item(
                "helped",
                "Has AI ever helped with something that mattered to you (for example, planning an "
                "apology)?",
                "choice",
                label="AI helped with something that mattered",
                prefix="17",
                answers=lists.YES_NO,
                source="client",
            ),
            Item(
                "helped-detail",
                "What was it? (optional)",
                "text",
                label="How AI helped",
                source="client",
                extract=False,
                max_length=2000,
                enable_when=(Condition("helped", "=", "yes"),),
            ),
            Item(
                "bring-to-session",
                "Would you like to bring AI conversations, or parts of them, into our sessions?",
                "choice",
                label="Bring AI conversations to sessions",
                prefix="18",
                answers=lists.BRING_TO_SESSION,
                source="client",
            ),
        ),
    )
)

_TITLE = "AI chat use: first-session intake"
_PREFACE = (
    "Many people use AI chat tools. There are no right answers. This helps us "
    "understand your week, like asking about sleep or social media."
)


def _after_consent(section: Item) -> Item:
    """The section, asked only once the client has agreed to the record."""
    return replace(section, enable_when=(CONSENTED, *section.enable_when))


def _with_help(section: Item, link_id: str, help: str) -> Item:
    """The section with one item's help reworded (its question and answers unchanged)."""
    children = tuple(
        replace(child, help=help) if child.link_id == link_id else child
        for child in section.children
    )
    return replace(section, children=children)


#: The first published version: consent was the last section. Kept for stored responses.
INTAKE_1_0_0 = Definition(
    id="ai-use-intake",
    name="AIUseIntake",
    title=_TITLE,
    version="1.0.0",
    date="2026-11-24",
    preface=_PREFACE,
    items=(SECTION_A, SECTION_B, SECTION_C, SECTION_D, SECTION_E, SECTION_F),
    panel_code="intake-panel",
    panel_display="AI chat use intake panel",
)

INTAKE = Definition(
    id="ai-use-intake",
    name="AIUseIntake",
    title=_TITLE,
    version="1.1.0",
    date="2026-12-01",
    preface=_PREFACE,
    items=(
        _with_help(
            SECTION_F,
            "consent-record",
            '"Discuss first": nothing but this answer is stored until it is resolved, and no '
            "other question is asked.",
        ),
        _after_consent(
            _with_help(
                SECTION_A, "tools", 'Choose all that apply. "None" skips the remaining sections.'
            )
        ),
        *(_after_consent(s) for s in (SECTION_B, SECTION_C, SECTION_D, SECTION_E)),
    ),
    panel_code="intake-panel",
    panel_display="AI chat use intake panel",
    gate=CONSENTED,
)

#: Every published version, oldest first.
INTAKE_VERSIONS = (INTAKE_1_0_0, INTAKE)

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
from fhir_mappings.definitions.intake_reliance import SECTION_D, SECTION_E, uses_ai
from fhir_mappings.definitions.model import Condition, Definition, Item

__all__ = ["CONSENT_ITEMS", "INTAKE", "INTAKE_1_0_0", "INTAKE_VERSIONS"]

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
            es="¿Qué herramientas de chat con IA ha usado en el último mes?",
            help_es=(
                "Elija todas las que correspondan. «Ninguna» pasa a la sección de consentimiento."
            ),
            label_es="Herramientas de chat con IA usadas",
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
            es="¿Qué otra herramienta?",
            label_es="Otra herramienta",
        ),
        uses_ai(
            Item(
                "days-per-week",
                "On how many days in a typical week do you use them?",
                "choice",
                label="Days of use per week",
                prefix="2",
                answers=lists.DAYS_PER_WEEK,
                source="client",
                es="¿Cuántos días usa estas herramientas en una semana normal?",
                label_es="Días de uso por semana",
            )
        ),
        uses_ai(
            Item(
                "time-per-day",
                "On a day you use them, how much time in total?",
                "choice",
                label="Time per day of use",
                prefix="3",
                answers=lists.TIME_PER_DAY,
                source="client",
                es="Un día en que las usa, ¿cuánto tiempo en total?",
                label_es="Tiempo por día de uso",
            )
        ),
        uses_ai(
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
                es="¿Cuándo las suele usar?",
                help_es="Elija todas las que correspondan.",
                label_es="Cuándo la usa",
            )
        ),
    ),
    es="Herramientas y forma de uso",
)

SECTION_B = uses_ai(
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
                        es=option.es,
                        label_es=option.es,
                        answers=lists.FREQUENCY,
                        source="client",
                        declinable=False,
                    )
                    for option in lists.PURPOSES.options
                ),
                es="¿Con qué frecuencia usa el chat con IA para cada una de estas cosas?",
                label_es="Usos",
            ),
        ),
        es="Para qué las usa",
    )
)

SECTION_C = uses_ai(
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
                es="¿Qué ha compartido con una herramienta de IA?",
                help_es="Elija todas las que correspondan.",
                label_es="Lo compartido con la IA",
            ),
            Item(
                "comfort-vs-people",
                "Compared with people you know, sharing personal things with AI feels…",
                "choice",
                label="Sharing with AI vs people",
                prefix="7",
                answers=lists.COMFORT,
                source="client",
                es=(
                    "Comparado con las personas que conoce, compartir cosas personales con la IA "
                    "le resulta…"
                ),
                label_es="Compartir con la IA frente a personas",
            ),
            Item(
                "comfort-vs-therapist",
                "Compared with talking to a therapist, sharing with AI feels…",
                "choice",
                label="Sharing with AI vs therapist",
                prefix="8",
                answers=lists.COMFORT,
                source="client",
                es="Comparado con hablar con un terapeuta, compartir con la IA le resulta…",
                label_es="Compartir con la IA frente al terapeuta",
            ),
            Item(
                "privacy-awareness",
                "Do you know whether the company stores, reviews or trains on what you type?",
                "choice",
                label="Knows what the company does with chats",
                prefix="9",
                answers=lists.PRIVACY_AWARENESS,
                source="client",
                es="¿Sabe si la empresa guarda, revisa o usa para entrenar lo que usted escribe?",
                label_es="Sabe qué hace la empresa con los chats",
            ),
            Item(
                "privacy-tips",
                "I'd like privacy tips",
                "boolean",
                label="Wants privacy tips",
                source="client",
                declinable=False,
                es="Me gustaría recibir consejos de privacidad",
                label_es="Quiere consejos de privacidad",
            ),
        ),
        es="Lo que comparte y cómo se siente",
    )
)

_TITLE = "AI chat use: first-session intake"
_TITLE_ES = "Uso de chat con IA: entrevista de la primera sesión"
_PREFACE_ES = (
    "Muchas personas usan herramientas de chat con IA. No hay respuestas correctas ni "
    "incorrectas. Esto nos ayuda a entender su semana, como cuando preguntamos por el sueño o "
    "las redes sociales."
)
_PREFACE = (
    "Many people use AI chat tools. There are no right answers. This helps us "
    "understand your week, like asking about sleep or social media."
)


def _after_consent(section: Item) -> Item:
    """The section, asked only once the client has agreed to the record."""
    return replace(section, enable_when=(CONSENTED, *section.enable_when))


def _with_help(section: Item, link_id: str, help: str, help_es: str) -> Item:
    """The section with one item's help reworded (its question and answers unchanged)."""
    children = tuple(
        replace(child, help=help, help_es=help_es) if child.link_id == link_id else child
        for child in section.children
    )
    return replace(section, children=children)


#: The first published version: consent was the last section. Kept for stored responses.
INTAKE_1_0_0 = Definition(
    id="ai-use-intake",
    name="AIUseIntake",
    title=_TITLE,
    title_es=_TITLE_ES,
    version="1.0.0",
    date="2026-11-24",
    preface=_PREFACE,
    preface_es=_PREFACE_ES,
    items=(SECTION_A, SECTION_B, SECTION_C, SECTION_D, SECTION_E, SECTION_F),
    panel_code="intake-panel",
    panel_display="AI chat use intake panel",
    panel_display_es="Panel de la entrevista sobre el uso de chat con IA",
)

INTAKE = Definition(
    id="ai-use-intake",
    name="AIUseIntake",
    title=_TITLE,
    title_es=_TITLE_ES,
    version="1.1.0",
    date="2026-12-01",
    preface=_PREFACE,
    preface_es=_PREFACE_ES,
    items=(
        _with_help(
            SECTION_F,
            "consent-record",
            '"Discuss first": nothing but this answer is stored until it is resolved, and no '
            "other question is asked.",
            "«Hablarlo primero»: no se guarda nada más que esta respuesta hasta que se resuelva, "
            "y no se hace ninguna otra pregunta.",
        ),
        _after_consent(
            _with_help(
                SECTION_A,
                "tools",
                'Choose all that apply. "None" skips the remaining sections.',
                "Elija todas las que correspondan. «Ninguna» salta las demás secciones.",
            )
        ),
        *(_after_consent(s) for s in (SECTION_B, SECTION_C, SECTION_D, SECTION_E)),
    ),
    panel_code="intake-panel",
    panel_display="AI chat use intake panel",
    panel_display_es="Panel de la entrevista sobre el uso de chat con IA",
    gate=CONSENTED,
)

#: Every published version, oldest first.
INTAKE_VERSIONS = (INTAKE_1_0_0, INTAKE)

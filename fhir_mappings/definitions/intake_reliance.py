"""The intake's sections D (reliance, past 30 days) and E (AI and therapy), and the skip
rule every section after A shares: asked only of clients who use AI chat tools."""

from __future__ import annotations

from dataclasses import replace

from fhir_mappings.definitions import answer_lists as lists
from fhir_mappings.definitions.model import Condition, Item

#: Items 2-18 are skipped when item 1 is "None". FHIR's != holds when no answer equals the
#: value, so they stay asked when item 1 is unanswered or declined.
USES_AI = (Condition("tools", "!=", lists.TOOL_NONE),)


def uses_ai(item: Item) -> Item:
    """The item, asked only when the client uses AI chat tools (item 1 is not "None")."""
    return replace(item, enable_when=USES_AI)


def _reliance(prefix: str, link_id: str, label: str, text: str, es: str, label_es: str) -> Item:
    return Item(
        link_id,
        text,
        "choice",
        label=label,
        prefix=prefix,
        answers=lists.RELIANCE,
        source="client",
        es=es,
        label_es=label_es,
    )


SECTION_D = uses_ai(
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
                "¿Con qué frecuencia se sintió inquieto/a, irritable o solo/a cuando no podía "
                "usarla (caída del servicio, sin señal, cambios en la aplicación)?",
                "Inquietud cuando no puede usarla",
            ),
            _reliance(
                "11",
                "loss-of-control",
                "Hard to stop chatting",
                "How often did you keep chatting much longer than you meant to, or find it hard "
                "to stop?",
                "¿Con qué frecuencia siguió chateando mucho más de lo que quería, o le costó "
                "parar?",
                "Le cuesta dejar de chatear",
            ),
            _reliance(
                "12",
                "displacement",
                "AI instead of people",
                "How often did you turn to AI instead of reaching out to a friend, family member "
                "or your therapist?",
                "¿Con qué frecuencia recurrió a la IA en lugar de buscar a un amigo, a un "
                "familiar o a su terapeuta?",
                "La IA en lugar de personas",
            ),
            _reliance(
                "13",
                "conflict",
                "AI cut into sleep, work or people",
                "How often did AI chat cut into your sleep, work, school or time with others?",
                "¿Con qué frecuencia el chat con IA le quitó horas de sueño, de trabajo, de "
                "estudio o de tiempo con otras personas?",
                "La IA le quitó sueño, trabajo o personas",
            ),
            _reliance(
                "14",
                "reassurance",
                "Back to AI for reassurance",
                "How often did you go back to the AI mainly for reassurance or to hear you were "
                "right?",
                "¿Con qué frecuencia volvió a la IA sobre todo para sentirse tranquilo/a o para "
                "oír que tenía razón?",
                "Vuelve a la IA para tranquilizarse",
            ),
            Item(
                "framing",
                "The AI you talk with most feels most like…",
                "choice",
                label="Relational framing",
                prefix="15",
                answers=lists.FRAMING,
                source="client",
                es="La IA con la que más habla se parece más a…",
                label_es="Cómo se relaciona con la IA",
            ),
        ),
        es="Dependencia, últimos 30 días",
    )
)

SECTION_E = uses_ai(
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
                es=(
                    "¿Algún consejo de la IA ha chocado con su terapia, sus medicamentos o su "
                    "plan de seguridad?"
                ),
                label_es="Consejos de la IA en choque con la atención",
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
                es="¿Qué pasó? (opcional)",
                label_es="Choque de consejos, en palabras de la persona",
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
                es=(
                    "¿La IA le ha ayudado alguna vez con algo importante para usted (por ejemplo,"
                    " preparar una disculpa)?"
                ),
                label_es="La IA ayudó con algo importante",
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
                es="¿Qué fue? (opcional)",
                label_es="Cómo ayudó la IA",
            ),
            Item(
                "bring-to-session",
                "Would you like to bring AI conversations, or parts of them, into our sessions?",
                "choice",
                label="Bring AI conversations to sessions",
                prefix="18",
                answers=lists.BRING_TO_SESSION,
                source="client",
                es=(
                    "¿Le gustaría traer conversaciones con la IA, o partes de ellas, a nuestras "
                    "sesiones?"
                ),
                label_es="Traer conversaciones con IA a las sesiones",
            ),
        ),
        es="La IA y la terapia",
    )
)

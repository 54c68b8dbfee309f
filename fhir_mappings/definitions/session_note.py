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
from fhir_mappings.definitions.session_note_care import CARE

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
            es="¿Usó la IA desde la última sesión?",
            ask=(
                "Have you used an AI chat app (like ChatGPT) since our last session?",
                "¿Ha usado alguna aplicación de chat con IA (como ChatGPT) desde nuestra "
                "última sesión?",
            ),
            label_es="Algún uso de IA",
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
                es="Herramientas usadas",
                ask=("Which ones did you use?", "¿Cuáles usó?"),
                label_es="Herramientas de chat con IA usadas",
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
                es="Días por semana",
                ask=(
                    "On how many days a week did you use them?",
                    "¿Cuántos días por semana las usó?",
                ),
                label_es="Días de uso por semana",
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
                es="Tiempo habitual por día",
                ask=(
                    "On those days, about how much time in total?",
                    "Esos días, ¿cuánto tiempo en total, más o menos?",
                ),
                label_es="Tiempo por día de uso",
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
                es="Usos principales en este período",
                ask=("What did you mostly use them for?", "¿Para qué las usó más?"),
                label_es="Usos principales",
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
                es="¿Cuánto se apoyó en la IA para sobrellevar esta semana?",
                help_es="0 nada, 10 por completo.",
                ask=(
                    "How much did you lean on AI chat to get through the week? 0 means not at"
                    " all, 10 means completely.",
                    "¿Cuánto se apoyó en el chat con IA para pasar la semana? 0 es nada, 10 "
                    "es por completo.",
                ),
                label_es="Apoyo en la IA para sobrellevar (0-10)",
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
                es="Malestar cuando no estaba disponible",
                ask=(
                    "When you could not use it, how upset did you feel?",
                    "Cuando no pudo usarla, ¿qué tan mal se sintió?",
                ),
                label_es="Malestar cuando no está disponible",
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
                es="¿La usó en un momento de angustia o de crisis?",
                help_es="Cualquier «sí» genera una alerta de revisión inmediata.",
                ask=(
                    "Did you use it when you felt very upset, or when you had thoughts of "
                    "hurting yourself?",
                    "¿La usó cuando se sentía muy mal, o cuando tuvo pensamientos de hacerse daño?",
                ),
                label_es="Uso en angustia o crisis",
            )
        ),
    ),
    es="Uso desde la última sesión",
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
                es="Lo que la persona llevó a la IA",
                label_es="Temas llevados a la IA",
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
                es="Otro tema",
                label_es="Otro tema",
            ),
            Item(
                "reply-use",
                "How the client used the replies",
                "choice",
                label="Use of replies",
                answers=lists.REPLY_USE,
                repeats=True,
                source="clinician",
                es="Cómo usó la persona las respuestas",
                label_es="Uso de las respuestas",
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
                es="Concordancia de los consejos con el tratamiento y el plan de seguridad",
                help_es="Un conflicto genera una alerta de revisión inmediata.",
                label_es="Concordancia de los consejos con el tratamiento",
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
                es="¿Qué estaba en conflicto?",
                label_es="Detalle del conflicto de consejos",
            ),
            Item(
                "helpful-outcomes",
                "Helpful outcomes",
                "choice",
                label="Helpful outcomes",
                answers=lists.OUTCOMES,
                repeats=True,
                source="clinician",
                es="Resultados útiles",
                label_es="Resultados útiles",
            ),
            Item(
                "easier-than-therapist",
                "Did AI feel easier than talking to the therapist?",
                "choice",
                label="AI easier than the therapist",
                answers=lists.EASIER,
                source="both",
                es="¿Le resultó más fácil la IA que hablar con su terapeuta?",
                label_es="La IA, más fácil que el terapeuta",
            ),
            Item(
                "alliance-comment",
                "Comment on the therapeutic alliance",
                "text",
                label="Alliance comment",
                source="clinician",
                extract=False,
                max_length=2000,
                es="Comentario sobre la alianza terapéutica",
                label_es="Comentario sobre la alianza",
            ),
            Item(
                "framing",
                "Relational framing of the AI",
                "choice",
                label="Relational framing",
                answers=lists.FRAMING,
                source="clinician",
                prefill=True,
                es="Cómo se relaciona la persona con la IA",
                label_es="Cómo se relaciona con la IA",
            ),
            Item(
                "model-change-grief",
                "Grief about a model change?",
                "choice",
                label="Grief about a model change",
                answers=lists.YES_NO,
                source="clinician",
                es="¿Duelo por un cambio de modelo?",
                label_es="Duelo por un cambio de modelo",
            ),
            Item(
                "human-contact",
                "Change in human contact attributed to AI",
                "choice",
                label="Change in human contact",
                answers=lists.HUMAN_CONTACT,
                source="clinician",
                es="Cambio en el contacto con otras personas atribuido a la IA",
                label_es="Cambio en el contacto con personas",
            ),
            Item(
                "validation-loop",
                "Validation loop observed?",
                "choice",
                label="Validation loop observed",
                answers=lists.YES_NO,
                source="clinician",
                es="¿Se observó un ciclo de búsqueda de validación?",
                label_es="Ciclo de validación observado",
            ),
        ),
        es="Qué significó la IA en este período",
    )
)

SESSION_NOTE = Definition(
    id="ai-use-session-note",
    name="AIUseSessionNote",
    title="Between-session AI use note",
    version="1.0.0",
    date="2026-11-24",
    preface="Between-session AI use: what the client brought to it, how they read its "
    "replies, and whether it has started to replace people.",
    title_es="Nota sobre el uso de IA entre sesiones",
    preface_es="Uso de IA entre sesiones: qué le llevó la persona, cómo leyó sus respuestas y "
    "si ha empezado a reemplazar a otras personas.",
    items=(USE, MEANING, CARE),
    panel_code="session-note-panel",
    panel_display="Between-session AI use note panel",
    panel_display_es="Panel de la nota sobre el uso de IA entre sesiones",
)

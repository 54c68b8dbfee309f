"""Answer lists shared by the intake and the session note. Each becomes one FHIR ValueSet.

Every code here is a concept of the local CodeSystem; codes are unique across all lists,
except that a list may reuse another list's concept with the same meaning (yes, no).
"""

from __future__ import annotations

from fhir_mappings.definitions.model import AnswerList, Option
from fhir_mappings.definitions.note_answer_lists import (  # noqa: F401 - re-exported
    ADVICE_FIT,
    ANY_USE,
    CRISIS_USE,
    DISTRESS,
    EASIER,
    EXCERPT,
    HUMAN_CONTACT,
    OUTCOMES,
    PLAN,
    REPLY_USE,
    THEMES,
    USE_NO,
    USE_NOT_DISCUSSED,
    USE_YES,
)

YES = Option("yes", "Yes", es="Sí")
NO = Option("no", "No", es="No")
NOT_SURE = Option("not-sure", "Not sure", es="No estoy seguro/a")

YES_NO = AnswerList("yes-no", "Yes or no", (YES, NO))
YES_NO_UNSURE = AnswerList("yes-no-unsure", "Yes, no or not sure", (NO, YES, NOT_SURE))

AI_TOOLS = AnswerList(
    "ai-tools",
    "AI chat tools",
    (
        Option("tool-chatgpt", "ChatGPT", es="ChatGPT"),
        Option("tool-claude", "Claude", es="Claude"),
        Option("tool-gemini", "Gemini", es="Gemini"),
        Option("tool-copilot", "Copilot", es="Copilot"),
        Option("tool-meta-ai", "Meta AI (WhatsApp/Instagram)", es="Meta AI (WhatsApp/Instagram)"),
        Option("tool-snapchat-my-ai", "Snapchat My AI", es="Snapchat My AI"),
        Option("tool-character-ai", "Character.AI", es="Character.AI"),
        Option("tool-replika", "Replika", es="Replika"),
        Option("tool-other-companion", "Other companion app", es="Otra aplicación de compañía"),
        Option(
            "tool-wellbeing-app",
            "Woebot, Wysa or another wellbeing app",
            es="Woebot, Wysa u otra aplicación de bienestar",
        ),
        Option(
            "tool-in-app",
            "AI inside a game or other app",
            es="IA dentro de un juego u otra aplicación",
        ),
        Option("tool-other", "Other", es="Otra"),
        Option("tool-none", "None", es="Ninguna", exclusive=True),
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
        Option("dpw-less-than-weekly", "Less than weekly", es="Menos de una vez por semana"),
        Option("dpw-1-2", "1–2 days", es="1–2 días"),
        Option("dpw-3-4", "3–4 days", es="3–4 días"),
        Option("dpw-5-6", "5–6 days", es="5–6 días"),
        Option("dpw-every-day", "Every day", es="Todos los días"),
    ),
)

TIME_PER_DAY = AnswerList(
    "time-per-day",
    "Time on a day of use",
    (
        Option("tpd-under-15m", "Less than 15 minutes", es="Menos de 15 minutos"),
        Option("tpd-15-60m", "15–60 minutes", es="15–60 minutos"),
        Option("tpd-1-2h", "1–2 hours", es="1–2 horas"),
        Option("tpd-2-4h", "2–4 hours", es="2–4 horas"),
        Option("tpd-over-4h", "More than 4 hours", es="Más de 4 horas"),
        Option("tpd-not-sure", "Not sure", es="No estoy seguro/a"),
    ),
)

WHEN = AnswerList(
    "when-used",
    "When AI chat is used",
    (
        Option("when-morning", "Morning", es="Por la mañana"),
        Option("when-daytime", "Daytime", es="Durante el día"),
        Option("when-evening", "Evening", es="Por la tarde o la noche"),
        Option("when-after-midnight", "After midnight", es="Después de medianoche"),
        Option("when-upset", "Whenever I feel upset", es="Cuando me siento mal"),
    ),
)

FREQUENCY = AnswerList(
    "purpose-frequency",
    "How often, for a purpose",
    (
        Option("freq-never", "Never", es="Nunca"),
        Option("freq-sometimes", "Sometimes", es="A veces"),
        Option("freq-often", "Often", es="A menudo"),
    ),
)

#: Purposes: the rows of intake item 5 and the options of the note's "main purposes".
PURPOSES = AnswerList(
    "purposes",
    "Purposes of AI chat use",
    (
        Option("purpose-looking-up", "Looking things up", es="Buscar información"),
        Option(
            "purpose-writing", "School or work writing", es="Escribir para la escuela o el trabajo"
        ),
        Option("purpose-shopping", "Shopping", es="Hacer compras"),
        Option("purpose-translation", "Translation", es="Traducir"),
        Option("purpose-journaling", "Journaling", es="Escribir un diario"),
        Option(
            "purpose-organizing",
            "Organizing thoughts before therapy",
            es="Ordenar mis ideas antes de la terapia",
        ),
        Option(
            "purpose-homework",
            "Therapy homework or practising skills",
            es="Tareas de terapia o practicar habilidades",
        ),
        Option(
            "purpose-rehearsing",
            "Rehearsing a hard conversation",
            es="Ensayar una conversación difícil",
        ),
        Option(
            "purpose-relationship-advice", "Relationship advice", es="Consejos sobre relaciones"
        ),
        Option(
            "purpose-symptoms",
            "Checking symptoms or self-diagnosis",
            es="Revisar síntomas o autodiagnosticarme",
        ),
        Option(
            "purpose-emotional-support",
            "Emotional support when upset",
            es="Apoyo emocional cuando me siento mal",
        ),
        Option(
            "purpose-company",
            "Company or someone to talk to",
            es="Compañía o alguien con quien hablar",
        ),
        Option(
            "purpose-romantic",
            "Romantic or role-play relationship",
            es="Relación romántica o juego de roles",
        ),
        Option(
            "purpose-crisis",
            "Help during a crisis or thoughts of self-harm",
            es="Ayuda en una crisis o con pensamientos de hacerme daño",
        ),
    ),
)

SHARED = AnswerList(
    "shared-with-ai",
    "What was shared with AI",
    (
        Option("shared-nothing-personal", "Nothing personal", es="Nada personal", exclusive=True),
        Option(
            "shared-feelings",
            "My feelings or mental health",
            es="Mis sentimientos o mi salud mental",
        ),
        Option("shared-others", "Details about other people", es="Detalles sobre otras personas"),
        Option(
            "shared-health",
            "Health or medication details",
            es="Detalles de salud o de medicamentos",
        ),
        Option(
            "shared-untold", "Things I haven't told anyone", es="Cosas que no le he contado a nadie"
        ),
        Option(
            "shared-identifying",
            "Identifying details (name, address, school or work)",
            es="Datos que me identifican (nombre, dirección, escuela o trabajo)",
        ),
        Option("shared-media", "Photos or voice", es="Fotos o mi voz"),
        Option("shared-not-sure", "Not sure", es="No estoy seguro/a"),
    ),
)

COMFORT = AnswerList(
    "comfort",
    "Ease of sharing compared with people",
    (
        Option("comfort-much-harder", "Much harder", es="Mucho más difícil"),
        Option("comfort-harder", "Harder", es="Más difícil"),
        Option("comfort-same", "About the same", es="Más o menos igual"),
        Option("comfort-easier", "Easier", es="Más fácil"),
        Option("comfort-much-easier", "Much easier", es="Mucho más fácil"),
    ),
)

PRIVACY_AWARENESS = AnswerList(
    "privacy-awareness",
    "Knowing what the company does with chats",
    (
        Option("privacy-yes", "Yes", es="Sí"),
        Option("privacy-partly", "Partly", es="En parte"),
        Option("privacy-no", "No", es="No"),
        Option("privacy-never-thought", "Never thought about it", es="Nunca lo había pensado"),
    ),
)

#: Past-30-day reliance scale of intake items 10-14.
RELIANCE = AnswerList(
    "reliance-frequency",
    "How often, past 30 days",
    (
        Option("reliance-0", "Never", es="Nunca", score=0),
        Option("reliance-1", "Rarely", es="Rara vez", score=1),
        Option("reliance-2", "Sometimes", es="A veces", score=2),
        Option("reliance-3", "Often", es="A menudo", score=3),
        Option("reliance-4", "Very often", es="Muy a menudo", score=4),
    ),
)

FRAMING = AnswerList(
    "relational-framing",
    "How the AI feels",
    (
        Option("framing-tool", "A tool", es="Una herramienta"),
        Option("framing-assistant", "A helpful assistant", es="Un asistente útil"),
        Option("framing-friend", "Something like a friend", es="Algo parecido a un amigo"),
        Option(
            "framing-companion",
            "A close companion or partner",
            es="Un compañero cercano o una pareja",
        ),
        Option("framing-other", "Other", es="Otra cosa"),
    ),
)

BRING_TO_SESSION = AnswerList(
    "bring-to-session",
    "Bringing AI conversations to sessions",
    (
        Option("bring-yes", "Yes", es="Sí"),
        Option("bring-maybe", "Maybe, let's talk", es="Tal vez, hablemos"),
        Option("bring-no", "No, I'd keep them private", es="No, prefiero mantenerlas en privado"),
    ),
)

CONSENT_RECORD = AnswerList(
    "consent-record",
    "Consent to the health record",
    (
        Option("consent-agree", "I agree", es="Estoy de acuerdo"),
        Option("consent-discuss", "I'd like to discuss first", es="Prefiero hablarlo primero"),
    ),
)
CONSENT_AGREE = "consent-agree"
CONSENT_DISCUSS = "consent-discuss"

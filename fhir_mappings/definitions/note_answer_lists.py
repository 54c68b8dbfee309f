"""The session note's own answer lists (the intake's are in ``answer_lists``, which
re-exports these, so that every form reads its lists from one place)."""

from __future__ import annotations

from fhir_mappings.definitions.model import AnswerList, Option

ANY_USE = AnswerList(
    "any-use",
    "Any AI use since the last session",
    (
        Option("use-yes", "Yes", es="Sí"),
        Option("use-no", "No", es="No"),
        Option("use-not-discussed", "Not discussed", es="No se habló", for_client=False),
    ),
)
USE_YES = "use-yes"
USE_NO = "use-no"
USE_NOT_DISCUSSED = "use-not-discussed"

DISTRESS = AnswerList(
    "distress-unavailable",
    "Distress when AI is unavailable",
    (
        Option("distress-none", "None", es="Ninguno", ask=("Not at all", "Nada")),
        Option("distress-mild", "Mild", es="Leve", ask=("A little", "Un poco")),
        Option("distress-marked", "Marked", es="Marcado", ask=("A lot", "Mucho")),
    ),
)

CRISIS_USE = AnswerList(
    "crisis-use",
    "Use during distress or crisis",
    (
        Option("crisis-no", "No", es="No"),
        Option(
            "crisis-distress",
            "Yes, during distress",
            es="Sí, en un momento de angustia",
            ask=("Yes, when I felt very upset", "Sí, cuando me sentía muy mal"),
        ),
        Option(
            "crisis-self-harm",
            "Yes, with self-harm or suicidal thoughts",
            es="Sí, con pensamientos de hacerse daño o de suicidio",
            ask=(
                "Yes, when I had thoughts of hurting myself or ending my life",
                "Sí, cuando tuve pensamientos de hacerme daño o de quitarme la vida",
            ),
        ),
    ),
)

THEMES = AnswerList(
    "themes",
    "What the client brought to the AI",
    (
        Option("theme-relationships", "Relationships", es="Relaciones"),
        Option("theme-mood", "Mood", es="Estado de ánimo"),
        Option("theme-worry", "Worry", es="Preocupaciones"),
        Option("theme-trauma", "Trauma", es="Trauma"),
        Option("theme-self-image", "Self-image", es="Imagen de sí mismo/a"),
        Option("theme-substances", "Substances", es="Sustancias"),
        Option("theme-work-school", "Work or school", es="Trabajo o escuela"),
        Option("theme-sexuality", "Sexuality", es="Sexualidad"),
        Option("theme-other", "Other", es="Otro"),
    ),
)

REPLY_USE = AnswerList(
    "reply-use",
    "How the client used the replies",
    (
        Option("replies-as-is", "Took them as-is", es="Las tomó tal cual"),
        Option("replies-critical", "Weighed them critically", es="Las pensó con criterio"),
        Option(
            "replies-reassurance",
            "Sought repeated reassurance",
            es="Buscó que le tranquilizaran una y otra vez",
        ),
        Option("replies-dismissed", "Dismissed them", es="Las descartó"),
    ),
)

ADVICE_FIT = AnswerList(
    "advice-fit",
    "Fit of the AI's advice with treatment",
    (
        Option("fit-supportive", "Supportive", es="Favorable"),
        Option("fit-neutral", "Neutral", es="Neutral"),
        Option(
            "fit-conflict-treatment",
            "Conflicting with treatment",
            es="En conflicto con el tratamiento",
        ),
        Option(
            "fit-conflict-safety",
            "Conflicting with the safety plan",
            es="En conflicto con el plan de seguridad",
        ),
    ),
)

OUTCOMES = AnswerList(
    "helpful-outcomes",
    "Helpful outcomes",
    (
        Option("outcome-skill", "Practised a skill", es="Practicó una habilidad"),
        Option("outcome-apology", "Drafted an apology", es="Redactó una disculpa"),
        Option("outcome-organized", "Organized thoughts", es="Ordenó sus ideas"),
        Option("outcome-other", "Other", es="Otro"),
    ),
)

EASIER = AnswerList(
    "easier-than-therapist",
    "AI felt easier than the therapist",
    (
        Option("easier-less", "Less", es="Menos"),
        Option("easier-same", "Same", es="Igual"),
        Option("easier-more", "More", es="Más"),
    ),
)

HUMAN_CONTACT = AnswerList(
    "human-contact",
    "Change in human contact attributed to AI",
    (
        Option("contact-more", "More", es="Más"),
        Option("contact-same", "No change", es="Sin cambios"),
        Option("contact-less", "Less", es="Menos"),
    ),
)

EXCERPT = AnswerList(
    "excerpt-review",
    "AI excerpt reviewed in session",
    (
        Option("excerpt-no", "No", es="No"),
        Option("excerpt-summarized", "Summarized", es="Resumido"),
        Option("excerpt-stored", "Stored with consent", es="Guardado con consentimiento"),
    ),
)

PLAN = AnswerList(
    "plan",
    "Plan",
    (
        Option("plan-none", "None", es="Ninguno", exclusive=True),
        Option("plan-revisit", "Revisit next session", es="Retomarlo en la próxima sesión"),
        Option("plan-psychoeducation", "Psychoeducation", es="Psicoeducación"),
        Option(
            "plan-agreement",
            "Agreement on how AI will be used",
            es="Acuerdo sobre cómo se usará la IA",
        ),
        Option("plan-consult-supervisor", "Consult supervisor", es="Consultar con la supervisión"),
        Option(
            "plan-risk-assessment",
            "Risk assessment per local protocol",
            es="Evaluación de riesgo según el protocolo local",
        ),
    ),
)

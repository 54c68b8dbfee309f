"""The session note's last section, privacy and plan (clinical content, section 2)."""

from __future__ import annotations

from fhir_mappings.definitions import answer_lists as lists
from fhir_mappings.definitions.model import Condition, Item

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
            es="¿Se planteó alguna preocupación sobre la privacidad?",
            ask=(
                "Is anything about your privacy with these apps worrying you?",
                "¿Le preocupa algo de su privacidad con estas aplicaciones?",
            ),
            label_es="Preocupación por la privacidad",
        ),
        Item(
            "psychoeducation",
            "Privacy psychoeducation given?",
            "choice",
            label="Psychoeducation given",
            answers=lists.YES_NO,
            source="clinician",
            es="¿Se dio psicoeducación sobre privacidad?",
            label_es="Psicoeducación dada",
        ),
        Item(
            "excerpt-review",
            "AI excerpt reviewed in session",
            "choice",
            label="AI excerpt reviewed",
            answers=lists.EXCERPT,
            source="clinician",
            es="Fragmento de conversación con IA revisado en la sesión",
            label_es="Fragmento de IA revisado",
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
            es="Borrar el fragmento guardado el",
            label_es="Fecha de borrado del fragmento",
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
            es="Plan",
            label_es="Plan",
        ),
    ),
    es="Privacidad y plan",
)

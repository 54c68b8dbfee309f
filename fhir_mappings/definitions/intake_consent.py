"""The intake's consent section (F, items 19-20): since version 1.1.0 it is asked first,
and the rest of the intake only once the client agrees."""

from __future__ import annotations

from fhir_mappings.definitions import answer_lists as lists
from fhir_mappings.definitions.model import Condition, Item

SECTION_F = Item(
    "section-f",
    "Consent",
    "group",
    prefix="F",
    extract=False,
    declinable=False,
    children=(
        Item(
            "consent-record",
            "I understand my answers go into my health record and can be seen by my therapist "
            "and their clinical supervisor.",
            "choice",
            label="Consent to the health record",
            prefix="19",
            answers=lists.CONSENT_RECORD,
            required=True,
            source="client",
            extract=False,
            declinable=False,
            help='"Discuss first": nothing but this answer is stored until it is resolved.',
            es=(
                "Entiendo que mis respuestas se guardan en mi historia clínica y que pueden "
                "verlas mi terapeuta y su supervisor clínico."
            ),
            help_es=(
                "«Hablarlo primero»: no se guarda nada más que esta respuesta hasta que se "
                "resuelva."
            ),
            label_es="Consentimiento para la historia clínica",
        ),
        Item(
            "consent-terms",
            "I can skip any question. AI conversation excerpts are stored only if I agree, and I "
            "can ask for them to be removed.",
            "boolean",
            label="Acknowledges the terms",
            prefix="20",
            source="client",
            extract=False,
            declinable=False,
            required=True,
            enable_when=(Condition("consent-record", "=", lists.CONSENT_AGREE),),
            es=(
                "Puedo saltarme cualquier pregunta. Los fragmentos de conversaciones con IA solo "
                "se guardan si estoy de acuerdo, y puedo pedir que se borren."
            ),
            label_es="Acepta las condiciones",
        ),
        Item(
            "research-opt-in",
            "Optional: my de-identified answers may be used to improve this service.",
            "boolean",
            label="Research use opt-in",
            source="client",
            extract=False,
            declinable=False,
            initial=False,
            enable_when=(Condition("consent-record", "=", lists.CONSENT_AGREE),),
            es=(
                "Opcional: mis respuestas, sin datos que me identifiquen, pueden usarse para "
                "mejorar este servicio."
            ),
            label_es="Acepta el uso para investigación",
        ),
    ),
    es="Consentimiento",
)

#: Consent first: every other section is asked only once the client agrees (item 19).
CONSENTED = Condition("consent-record", "=", lists.CONSENT_AGREE)


#: Items whose answers go into the Consent resource rather than Observations.
CONSENT_ITEMS = ("consent-record", "consent-terms", "research-opt-in")

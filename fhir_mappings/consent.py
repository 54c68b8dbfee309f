"""The client's consent (intake items 19 and 20) as a FHIR Consent.

"I agree" -> status active: the answers may enter the health record, seen by the clinician
and their supervisors; research use is a nested provision, denied unless the client opted in.
"I'd like to discuss first" -> status proposed, and nothing else is stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fhir_mappings.codes import (
    ACT_REASON,
    CONSENT_SCOPE,
    LOINC,
    PARTICIPATION_TYPE,
    coding,
)
from fhir_mappings.definitions.intake import INTAKE
from fhir_mappings.questionnaire import questionnaire_url


@dataclass(frozen=True)
class ConsentFacts:
    consent_id: str
    status: str  # active | proposed | rejected
    patient: str  # "Patient/1"
    recorded: str  # FHIR dateTime
    clinician: str  # "Practitioner/3"
    supervisors: tuple[str, ...] = ()
    research_opt_in: bool = False
    #: The intake response holding the consent answers (only once the client agreed).
    source_response: str | None = None


def consent_resource(facts: ConsentFacts) -> dict[str, Any]:
    actors = [
        {
            "role": {
                "coding": [coding(PARTICIPATION_TYPE, "PRCP", "primary information recipient")]
            },
            "reference": {"reference": facts.clinician},
        }
    ]
    actors += [
        {
            "role": {"coding": [coding(PARTICIPATION_TYPE, "IRCP", "information recipient")]},
            "reference": {"reference": supervisor},
        }
        for supervisor in facts.supervisors
    ]
    resource: dict[str, Any] = {
        "resourceType": "Consent",
        "id": facts.consent_id,
        "status": facts.status,
        "scope": {"coding": [coding(CONSENT_SCOPE, "patient-privacy", "Privacy Consent")]},
        "category": [{"coding": [coding(LOINC, "59284-0", "Patient Consent")]}],
        "patient": {"reference": facts.patient},
        "dateTime": facts.recorded,
        "performer": [{"reference": facts.patient}],
        # The policy the client agreed to is the wording of intake items 19 and 20.
        "policy": [{"uri": f"{questionnaire_url(INTAKE)}#consent-record"}],
        "provision": {
            "type": "permit",
            "period": {"start": facts.recorded},
            "actor": actors,
            "purpose": [coding(ACT_REASON, "TREAT", "treatment")],
            "provision": [
                {
                    "type": "permit" if facts.research_opt_in else "deny",
                    "purpose": [coding(ACT_REASON, "HRESCH", "healthcare research")],
                }
            ],
        },
    }
    if facts.source_response:
        resource["sourceReference"] = {"reference": facts.source_response}
    return resource

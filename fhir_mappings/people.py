"""Patient, Practitioner and Encounter: just enough for references to resolve.

Patient carries only the host EHR's identifier (no name, no birth date): the host holds the
demographics. Practitioner carries the user's login and display name.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fhir_mappings.codes import ENCOUNTER_CLASS, PARTICIPATION_TYPE, coding, local
from fhir_mappings.concepts import ENCOUNTER_TYPES
from fhir_mappings.datetimes import fhir_datetime

PRACTITIONER_IDENTIFIER_SYSTEM = "urn:intake-ai:username"
#: Where a host EHR's own encounter id is kept (Encounter.identifier.system).
HOST_ENCOUNTER_SYSTEM = "urn:intake-ai:host-encounter-id"


def patient_resource(
    client_id: int,
    ehr_patient_id: str,
    identifier_system: str,
    clinicians: tuple[int, ...] = (),
) -> dict[str, Any]:
    """``clinicians``: the clinicians of record, as ``generalPractitioner``."""
    resource: dict[str, Any] = {
        "resourceType": "Patient",
        "id": str(client_id),
        "identifier": [{"system": identifier_system, "value": ehr_patient_id}],
        "active": True,
    }
    if clinicians:
        resource["generalPractitioner"] = [
            {"reference": f"Practitioner/{clinician}"} for clinician in clinicians
        ]
    return resource


def practitioner_resource(
    user_id: int, username: str, display_name: str, active: bool = True
) -> dict[str, Any]:
    return {
        "resourceType": "Practitioner",
        "id": str(user_id),
        "identifier": [{"system": PRACTITIONER_IDENTIFIER_SYSTEM, "value": username}],
        "active": active,
        "name": [{"text": display_name}],
    }


def encounter_resource(
    encounter_id: int,
    client_id: int,
    clinician_id: int,
    start: datetime,
    kind: str,
    ehr_encounter_id: str | None = None,
) -> dict[str, Any]:
    concept = ENCOUNTER_TYPES[kind]
    resource: dict[str, Any] = {
        "resourceType": "Encounter",
        "id": str(encounter_id),
        "status": "finished",
        "class": coding(ENCOUNTER_CLASS, "AMB", "ambulatory"),
        "type": [local(concept.code, concept.display)],
        "subject": {"reference": f"Patient/{client_id}"},
        "participant": [
            {
                "type": [{"coding": [coding(PARTICIPATION_TYPE, "PPRF", "primary performer")]}],
                "individual": {"reference": f"Practitioner/{clinician_id}"},
            }
        ],
        "period": {"start": fhir_datetime(start)},
    }
    if ehr_encounter_id:
        resource["identifier"] = [{"system": HOST_ENCOUNTER_SYSTEM, "value": ehr_encounter_id}]
    return resource

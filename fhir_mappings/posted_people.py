"""What an EHR posts about its people and visits: a Patient or an Encounter read into plain
facts, each problem named by its element path (pure: the callers look the ids up).

The module keeps only what it needs of them (the host holds the demographics): a Patient's
identifier, a display name for the clinician and the clinicians of record
(``generalPractitioner``); an Encounter's subject, start, clinician and kind.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from fhir_mappings.codes import LOCAL_SYSTEM
from fhir_mappings.concepts import ENCOUNTER_TYPES
from fhir_mappings.outcomes import OutcomeIssue
from fhir_mappings.people import HOST_ENCOUNTER_SYSTEM
from fhir_mappings.search_index import parse_fhir_datetime


def _issue(path: str, message: str) -> OutcomeIssue:
    return OutcomeIssue("invalid", f"{path}: {message}", expression=path)


def local_reference(value: Any, kind: str) -> int | None:
    """The row id of ``{"reference": "Kind/12"}``, or None if it is anything else."""
    ref = value.get("reference") if isinstance(value, dict) else None
    if not isinstance(ref, str) or not ref.startswith(kind + "/"):
        return None
    local = ref[len(kind) + 1 :]
    return int(local) if local.isdigit() and len(local) < 19 else None


@dataclass
class PatientFacts:
    identifier: str = ""
    display_name: str = ""
    clinicians: list[int] = field(default_factory=list)
    issues: list[OutcomeIssue] = field(default_factory=list)


def _display_name(resource: dict[str, Any]) -> str:
    for name in resource.get("name") or []:
        if name.get("text"):
            return str(name["text"]).strip()
        parts = [*(name.get("given") or []), name.get("family") or ""]
        joined = " ".join(str(p) for p in parts if p).strip()
        if joined:
            return joined
    return ""


def read_patient(resource: dict[str, Any], identifier_system: str) -> PatientFacts:
    """The identifier in ``identifier_system``, a name and the clinicians of record."""
    facts = PatientFacts()
    values = [
        i.get("value")
        for i in resource.get("identifier") or []
        if i.get("system") == identifier_system and i.get("value")
    ]
    if len(values) != 1:
        facts.issues.append(
            _issue("Patient.identifier", f"give exactly one identifier of {identifier_system}")
        )
    elif len(values[0]) > 64:
        facts.issues.append(_issue("Patient.identifier", "the value is longer than 64 characters"))
    else:
        facts.identifier = values[0]
    facts.display_name = (_display_name(resource) or f"Patient {facts.identifier}")[:200]
    practitioners = resource.get("generalPractitioner") or []
    if not practitioners:
        facts.issues.append(
            _issue("Patient.generalPractitioner", "name the clinician of record (Practitioner/id)")
        )
    for index, reference in enumerate(practitioners):
        local = local_reference(reference, "Practitioner")
        if local is None:
            path = f"Patient.generalPractitioner[{index}]"
            facts.issues.append(_issue(path, "expected a reference to Practitioner/<id>"))
        elif local not in facts.clinicians:
            facts.clinicians.append(local)
    return facts


@dataclass
class EncounterFacts:
    client_id: int = 0
    clinician_id: int = 0
    start: datetime | None = None
    kind: str = ""
    ehr_encounter_id: str | None = None
    issues: list[OutcomeIssue] = field(default_factory=list)


def _kind(resource: dict[str, Any]) -> str | None:
    codes = {concept.code: kind for kind, concept in ENCOUNTER_TYPES.items()}
    for concept in resource.get("type") or []:
        for coding in concept.get("coding") or []:
            if coding.get("system") == LOCAL_SYSTEM and coding.get("code") in codes:
                return codes[coding["code"]]
    return None


def read_encounter(resource: dict[str, Any]) -> EncounterFacts:
    """Subject, start, the clinician (the one participant) and the kind of session."""
    facts = EncounterFacts()
    subject = local_reference(resource.get("subject"), "Patient")
    if subject is None:
        facts.issues.append(_issue("Encounter.subject", "expected a reference to Patient/<id>"))
    else:
        facts.client_id = subject
    start = (resource.get("period") or {}).get("start")
    if not start:
        facts.issues.append(_issue("Encounter.period.start", "give when the session starts"))
    else:
        try:
            facts.start = parse_fhir_datetime(start)
        except ValueError as error:
            facts.issues.append(_issue("Encounter.period.start", str(error)))
    people = [
        local_reference(p.get("individual"), "Practitioner")
        for p in resource.get("participant") or []
    ]
    if len(people) != 1 or people[0] is None:
        facts.issues.append(
            _issue("Encounter.participant", "name one participant: the clinician (Practitioner/id)")
        )
    else:
        facts.clinician_id = people[0]
    kind = _kind(resource)
    if kind is None:
        known = ", ".join(c.code for c in ENCOUNTER_TYPES.values())
        facts.issues.append(_issue("Encounter.type", f"one coding of {LOCAL_SYSTEM}: {known}"))
    else:
        facts.kind = kind
    for identifier in resource.get("identifier") or []:
        if identifier.get("system") == HOST_ENCOUNTER_SYSTEM and identifier.get("value"):
            facts.ehr_encounter_id = str(identifier["value"])[:64]
    return facts

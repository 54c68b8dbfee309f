"""EHR-driven writes of the people and visits a response needs: Patient create and
conditional update by identifier (its ``generalPractitioner`` sets the clinicians of
record), Encounter create and update.

Writing a client's Patient or Encounter does not make the client visible: the access rules
stay those of every read (an integrator sees clients who agreed to the record only). A
write about a client the caller may not read is answered with its status and Location and
an OperationOutcome saying so, never with the resource: the answer to a fresh create and to
a write about a hidden existing client look alike, and nothing of the record is served.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from flask import current_app, request
from sqlalchemy import select

from fhir_mappings.outcomes import OutcomeIssue, operation_outcome
from fhir_mappings.posted_people import read_encounter, read_patient
from intake_ai import access, audit, directory
from intake_ai.auth.actors import Actor, current_actor
from intake_ai.errors import NotFound
from intake_ai.fhir_api.bodies import check_structure, parse_body, prefer_return
from intake_ai.fhir_api.errors import FhirError
from intake_ai.fhir_api.service import Answer, require_scope, version_headers, visible
from intake_ai.models import Client, Encounter, EncounterKind, Role, StoredResource, User
from intake_ai.store import resources as resource_store
from intake_ai.store.database import session

#: The OperationOutcome of a write whose record this caller may not read.
NOT_SERVED = (
    "Stored. This client's records are not served to this token until the client agrees "
    "to the record with their clinician (the intake's consent question); reads answer 404 "
    "until then."
)


def _require_writer(actor: Actor, resource_type: str) -> None:
    require_scope(actor, resource_type, "write")
    if actor.role not in (Role.INTEGRATOR, Role.CLINICIAN):
        raise FhirError(
            403, f"Only integrator and clinician tokens write {resource_type}.", code="forbidden"
        )


def _answer(actor: Actor, row: StoredResource, status: int) -> Answer:
    if visible(actor, row):
        return prefer_return(row, status)
    body = operation_outcome([OutcomeIssue("informational", NOT_SERVED, severity="information")])
    return Answer(json.dumps(body).encode(), version_headers(row), status)


def _refuse(issues: list[OutcomeIssue]) -> None:
    if issues:
        raise FhirError(400, issues)


def _clinicians(actor: Actor, ids: Sequence[int], path: str) -> list[User]:
    users = []
    for index, user_id in enumerate(ids):
        user = session().get(User, user_id)
        if user is None or user.role is not Role.CLINICIAN or not user.active:
            where = f"{path}[{index}]"
            raise FhirError(
                400,
                [OutcomeIssue("invalid", f"{where}: not an active clinician", expression=where)],
            )
        users.append(user)
    if actor.role is Role.CLINICIAN and actor.user.id not in ids:
        raise FhirError(
            403,
            "A clinician's token names that clinician among the clinicians of record.",
            code="forbidden",
        )
    return users


def _patient_body() -> tuple[dict[str, Any], Any]:
    resource = parse_body("Patient")
    resource.pop("id", None)  # the server names what it creates
    check_structure(resource)
    facts = read_patient(resource, current_app.config["INTAKE_AI_PATIENT_IDENTIFIER_SYSTEM"])
    _refuse(facts.issues)
    return resource, facts


def _client_by_identifier(value: str) -> Client | None:
    return session().scalars(select(Client).where(Client.ehr_patient_id == value)).first()


def _criteria_identifier(args: Sequence[tuple[str, str]], header: str) -> str:
    """The identifier value a conditional write names (``identifier=system|value``)."""
    system = current_app.config["INTAKE_AI_PATIENT_IDENTIFIER_SYSTEM"]
    pairs = [(k, v) for k, v in args if k != "_format"]
    if len(pairs) != 1 or pairs[0][0] != "identifier" or not pairs[0][1]:
        raise FhirError(400, f"{header}: give one criterion, identifier={system}|<value>.")
    raw = pairs[0][1]
    if "|" in raw:
        given_system, value = raw.split("|", 1)
        if given_system != system:
            raise FhirError(400, f"{header}: patients are identified in {system} only.")
        return value
    return raw


def _create(actor: Actor, facts: Any, clinicians: list[User]) -> Answer:
    client = directory.create_client(facts.identifier, facts.display_name, clinicians[0])
    row = directory.set_clinicians_of_record(client, clinicians)
    audit.record("create", row.reference, client_id=client.id, detail="by the EHR")
    return _answer(actor, row, 201)


def _update(actor: Actor, client: Client, facts: Any, clinicians: list[User]) -> Answer:
    if actor.role is Role.CLINICIAN and not access.is_clinician_of_record(actor, client.id):
        # Naming oneself on someone else's client would hand over their care and records.
        raise FhirError(
            403,
            "A clinician's token changes the clinicians of record of its own clients only.",
            code="forbidden",
        )
    client.display_name = facts.display_name
    row = directory.set_clinicians_of_record(client, clinicians)
    audit.record("update", row.reference, client_id=client.id, detail="clinicians of record")
    return _answer(actor, row, 200)


def create_patient() -> Answer:
    """POST Patient (``If-None-Exist: identifier=...`` hands back the one already there)."""
    actor = current_actor()
    _require_writer(actor, "Patient")
    _resource, facts = _patient_body()
    clinicians = _clinicians(actor, facts.clinicians, "Patient.generalPractitioner")
    existing = _client_by_identifier(facts.identifier)
    criteria = request.headers.get("If-None-Exist")
    if criteria:
        from urllib.parse import parse_qsl

        wanted = _criteria_identifier(parse_qsl(criteria), "If-None-Exist")
        if wanted != facts.identifier:
            raise FhirError(400, "If-None-Exist: name the identifier the Patient carries.")
        if existing is not None:
            row = resource_store.require_current("Patient", str(existing.id))
            audit.record("read", row.reference, client_id=existing.id, detail="If-None-Exist")
            return _answer(actor, row, 200)
    if existing is not None:
        raise FhirError(
            409,
            "Patient.identifier: this patient is already registered; send it as "
            "PUT Patient?identifier=system|value (or POST with If-None-Exist).",
            code="duplicate",
        )
    return _create(actor, facts, clinicians)


def upsert_patient(args: Sequence[tuple[str, str]]) -> Answer:
    """PUT Patient?identifier=system|value: create if none, update if one. (Several never
    match: one identifier names one client, a unique column.)"""
    actor = current_actor()
    _require_writer(actor, "Patient")
    wanted = _criteria_identifier(args, "PUT Patient?")
    _resource, facts = _patient_body()
    if facts.identifier != wanted:
        raise FhirError(
            400,
            [
                OutcomeIssue(
                    "invalid",
                    "Patient.identifier: must be the identifier the URL names",
                    expression="Patient.identifier",
                )
            ],
        )
    clinicians = _clinicians(actor, facts.clinicians, "Patient.generalPractitioner")
    existing = _client_by_identifier(wanted)
    if existing is None:
        return _create(actor, facts, clinicians)
    return _update(actor, existing, facts, clinicians)


def update_patient(resource_id: str) -> Answer:
    """PUT Patient/{id}: the same update as by identifier, for a Patient the caller may read.

    One the caller may not read is not known here (404, as for a read): the conditional
    update by identifier is the EHR's way to write about a client it cannot see.
    """
    actor = current_actor()
    _require_writer(actor, "Patient")
    row = resource_store.current("Patient", resource_id)
    if row is None or row.deleted or not visible(actor, row):
        raise NotFound(f"Patient/{resource_id} is not known (create with POST)")
    client = session().get(Client, row.client_id)
    assert client is not None
    _resource, facts = _patient_body()
    if facts.identifier != client.ehr_patient_id:
        where = "Patient.identifier"
        raise FhirError(
            400, [OutcomeIssue("invalid", f"{where}: must stay this patient's", expression=where)]
        )
    clinicians = _clinicians(actor, facts.clinicians, "Patient.generalPractitioner")
    return _update(actor, client, facts, clinicians)


# Encounters ---------------------------------------------------------------------------


def _encounter_facts(client_hint: int | None = None) -> Any:
    resource = parse_body("Encounter")
    check_structure(resource)
    facts = read_encounter(resource)
    _refuse(facts.issues)
    client = session().get(Client, facts.client_id)
    if client is None:
        raise FhirError(
            400,
            [
                OutcomeIssue(
                    "invalid",
                    "Encounter.subject: not a patient registered here (create it first)",
                    expression="Encounter.subject",
                )
            ],
        )
    in_care = any(u.id == facts.clinician_id for u in directory.clinicians_of_record(client.id))
    if not in_care:
        raise FhirError(
            400,
            [
                OutcomeIssue(
                    "invalid",
                    "Encounter.participant: must be a clinician of record of the subject "
                    "(set through Patient.generalPractitioner)",
                    expression="Encounter.participant",
                )
            ],
        )
    return resource, facts, client


def _require_own(actor: Actor, clinician_id: int) -> None:
    if actor.role is Role.CLINICIAN and actor.user.id != clinician_id:
        raise FhirError(
            403, "A clinician's token records that clinician's sessions only.", code="forbidden"
        )


def create_encounter() -> Answer:
    actor = current_actor()
    _require_writer(actor, "Encounter")
    _resource, facts, client = _encounter_facts()
    _require_own(actor, facts.clinician_id)
    clinician = session().get(User, facts.clinician_id)
    assert clinician is not None
    encounter = directory.create_encounter(
        client, clinician, facts.start, EncounterKind(facts.kind), facts.ehr_encounter_id
    )
    row = resource_store.require_current("Encounter", str(encounter.id))
    audit.record("create", row.reference, client_id=client.id, detail="by the EHR")
    return _answer(actor, row, 201)


def _has_records(encounter_id: int) -> bool:
    return (
        session()
        .scalars(
            select(StoredResource.pk).where(
                StoredResource.resource_type == "QuestionnaireResponse",
                StoredResource.encounter_id == encounter_id,
                StoredResource.is_current,
                StoredResource.deleted.is_(False),
            )
        )
        .first()
        is not None
    )


def update_encounter(encounter_id: str) -> Answer:
    """PUT Encounter/<id>: start, clinician, kind and the EHR's id, until answers are
    recorded for the session (its records are dated and scored by it)."""
    actor = current_actor()
    _require_writer(actor, "Encounter")
    encounter = session().get(Encounter, int(encounter_id)) if encounter_id.isdigit() else None
    if encounter is None:
        raise NotFound(f"Encounter/{encounter_id} is not known (create with POST)")
    resource, facts, client = _encounter_facts()
    if resource.get("id") != encounter_id:
        raise FhirError(
            400,
            [
                OutcomeIssue(
                    "invalid",
                    "Encounter.id: must match the id in the URL",
                    expression="Encounter.id",
                )
            ],
        )
    if client.id != encounter.client_id:
        raise FhirError(
            400,
            [
                OutcomeIssue(
                    "invalid",
                    "Encounter.subject: a session cannot move to another patient",
                    expression="Encounter.subject",
                )
            ],
        )
    _require_own(actor, encounter.clinician_id)
    _require_own(actor, facts.clinician_id)
    changes_records = (
        facts.start != encounter.start
        or facts.clinician_id != encounter.clinician_id
        or facts.kind != encounter.kind.value
    )
    if changes_records and _has_records(encounter.id):
        raise FhirError(
            409,
            "Encounter.period.start: answers are recorded for this session; its start, "
            "clinician and kind no longer change.",
            code="conflict",
        )
    encounter.start = facts.start
    encounter.clinician_id = facts.clinician_id
    encounter.kind = EncounterKind(facts.kind)
    encounter.ehr_encounter_id = facts.ehr_encounter_id
    session().flush()
    row = directory.save_encounter(encounter)
    audit.record("update", row.reference, client_id=client.id, detail="by the EHR")
    return _answer(actor, row, 200)

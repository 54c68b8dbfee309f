"""The clinician's control over stored records: mark entered in error, purge for good.

Entered in error keeps the record (and its history) but hides it from charts and from
searches by default. Purge removes the record and every version of it, leaving only the
audit entry that it happened; it is for the admin or the clinician of record.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select

from fhir_mappings.codes import EXT_CHANGE_REASON, EXT_ENTERED_IN_ERROR_REASON
from fhir_mappings.definitions import definition_of
from fhir_mappings.definitions.risk import INDICATOR_REVIEW
from fhir_mappings.usage_export import SUMMARY as EXPORT_SUMMARY
from intake_ai import access, audit
from intake_ai.auth.actors import Actor
from intake_ai.errors import AccessDenied, InvalidInput, NotFound
from intake_ai.forms.records import extracted_rows
from intake_ai.models import CheckInExport, CheckInProposal, StoredResource
from intake_ai.records.provenance import with_provenance
from intake_ai.risk import service as risk
from intake_ai.store import resources as resource_store
from intake_ai.store.database import session

#: Why a record is purged: a fixed list, so the audit trail carries no clinical text.
PURGE_REASONS = {
    "client-request": "The client asked for it to be removed",
    "wrong-client": "Recorded for the wrong client",
    "duplicate": "Duplicate record",
    "retention": "Past its retention period",
}


def _members(row: StoredResource) -> list[StoredResource]:
    """The weeks an export's summary groups: they stand or fall with it."""
    found = []
    for member in resource_store.load(row).get("hasMember", []):
        kind, _slash, member_id = member["reference"].partition("/")
        current = resource_store.current(kind, member_id)
        if current is not None and not current.deleted:
            found.append(current)
    return found


def _dependents(row: StoredResource) -> list[StoredResource]:
    """What stands or falls with a response (its Observations, indicator and reviews) or
    with the summary of a client's export (its weeks)."""
    if row.resource_type == "Observation" and row.code == EXPORT_SUMMARY.code:
        return _members(row)
    if row.resource_type != "QuestionnaireResponse":
        return []
    db = session()
    definition = definition_of(resource_store.load(row))
    derived = extracted_rows(row.reference, definition) if definition is not None else []

    indicator = resource_store.current("Observation", risk.indicator_id(row.resource_id))
    if indicator is not None and not indicator.deleted:
        derived.append(indicator)
        reviews = db.scalars(
            select(StoredResource).where(
                StoredResource.resource_type == "Observation",
                StoredResource.client_id == row.client_id,
                StoredResource.code == INDICATOR_REVIEW.code,
                StoredResource.is_current,
                StoredResource.deleted.is_(False),
            )
        )
        for review in reviews:
            focus = resource_store.load(review).get("focus", [{}])[0].get("reference")
            if focus == indicator.reference:
                derived.append(review)
    return derived


def _mark(row: StoredResource, reason: str, actor: Actor) -> StoredResource:
    resource: dict[str, Any] = {k: v for k, v in resource_store.load(row).items() if k != "meta"}
    resource["status"] = "entered-in-error"
    # An earlier edit's reason describes that edit, not this version: only the new reason stays.
    resource["extension"] = [
        e
        for e in resource.get("extension", [])
        if e.get("url") not in (EXT_ENTERED_IN_ERROR_REASON, EXT_CHANGE_REASON)
    ]
    resource["extension"].append({"url": EXT_ENTERED_IN_ERROR_REASON, "valueString": reason})
    return resource_store.save(resource, author_id=actor.user.id, expected_version=row.version_id)


@with_provenance("entered-in-error")
def mark_entered_in_error(
    actor: Actor, resource_type: str, resource_id: str, reason: str
) -> StoredResource:
    row = resource_store.require_current(resource_type, resource_id)
    if row.client_id is None:
        raise NotFound("No such record.")
    access.require_clinician_of_record(actor, row.client_id)
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput({"reason": ["Say why the record is in error."]})
    if len(reason) > 500:
        raise InvalidInput({"reason": ["Keep this under 500 characters."]})
    if row.status == "entered-in-error":
        raise InvalidInput({"form": ["This record is already marked entered in error."]})
    saved = _mark(row, reason, actor)
    for dependent in _dependents(row):
        if dependent.status != "entered-in-error":
            _mark(dependent, reason, actor)
    audit.record("entered-in-error", saved.reference, client_id=row.client_id)
    risk.rescore(row.client_id, actor.user.id)
    return saved


@with_provenance("purge")
def purge(actor: Actor, resource_type: str, resource_id: str, reason_code: str) -> int:
    """Remove a record and its dependents for good; returns how many records went."""
    row = resource_store.require_current(resource_type, resource_id)
    if not access.can_purge(actor, row.client_id):
        raise AccessDenied("Only an admin or the clinician of record may remove a record.")
    if reason_code not in PURGE_REASONS:
        raise InvalidInput({"reason": ["Choose why the record is removed."]})
    if resource_type not in ("QuestionnaireResponse", "Observation", "Flag", "Consent"):
        raise InvalidInput({"form": ["Only clinical records can be removed."]})
    client_id, encounter_id = row.client_id, row.encounter_id
    # Plain (type, id) pairs: purging expires the ORM rows as it deletes them.
    targets = [(t.resource_type, t.resource_id) for t in (row, *_dependents(row))]
    for kind, target_id in targets:
        resource_store.purge(kind, target_id, author_id=actor.user.id)
        audit.record("purge", f"{kind}/{target_id}", client_id=client_id, detail=reason_code)
    if resource_type == "QuestionnaireResponse" and encounter_id is not None:
        # What the client sent for that session goes with the note it was proposed for:
        # their answers, and the export figures still waiting for review.
        session().execute(
            delete(CheckInProposal).where(CheckInProposal.encounter_id == encounter_id)
        )
        session().execute(delete(CheckInExport).where(CheckInExport.encounter_id == encounter_id))

    if client_id is not None:
        risk.rescore(client_id, actor.user.id)
    return len(targets)

"""Raising, listing and acknowledging red flags, in the caller's unit of work."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select

from fhir_mappings.datetimes import fhir_datetime
from fhir_mappings.definitions.risk import (
    URGENCY_ORDER,
    flag_kind,
)
from fhir_mappings.extraction import derived_id
from fhir_mappings.flags import FlagFacts, acknowledged, flag_resource
from intake_ai import access, audit
from intake_ai.auth.actors import Actor
from intake_ai.errors import InvalidInput
from intake_ai.models import (
    CareAssignment,
    Client,
    Encounter,
    StoredResource,
    Supervision,
    User,
)
from intake_ai.risk.flags import FlagTrigger, flags_from
from intake_ai.risk.history import ClientRecord
from intake_ai.risk.rules import NOTE_FORM, AnswerSource
from intake_ai.store import resources as resource_store
from intake_ai.store.database import session, utcnow


def open_flags(client_id: int) -> list[dict[str, Any]]:
    """Active (unacknowledged) flags, "review now" first, then oldest first."""
    rows = (
        session()
        .scalars(
            select(StoredResource)
            .where(
                StoredResource.resource_type == "Flag",
                StoredResource.client_id == client_id,
                StoredResource.is_current,
                StoredResource.status == "active",
            )
            .order_by(StoredResource.effective)
        )
        .all()
    )
    flags = [resource_store.load(row) for row in rows]
    return sorted(flags, key=lambda f: URGENCY_ORDER[_urgency(f)])


def acknowledged_flags(client_id: int) -> list[dict[str, Any]]:
    """Flags acknowledged (inactive, current version), most recently raised first."""
    rows = session().scalars(
        select(StoredResource)
        .where(
            StoredResource.resource_type == "Flag",
            StoredResource.client_id == client_id,
            StoredResource.is_current,
            StoredResource.deleted.is_(False),
            StoredResource.status == "inactive",
        )
        .order_by(StoredResource.effective.desc(), StoredResource.pk.desc())
    )
    return [resource_store.load(row) for row in rows]


def _urgency(flag: dict[str, Any]) -> str:
    code = flag["code"]["coding"][0]["code"]
    return flag_kind(code).urgency


def _raise(
    trigger: FlagTrigger,
    client: Client,
    encounter: Encounter | None,
    actor: Actor,
    flag_id: str,
    previous: StoredResource | None | bool = True,
) -> StoredResource:
    facts = FlagFacts(
        flag_id=flag_id,
        kind=trigger.kind,
        subject=client.patient_ref,
        encounter=encounter.encounter_ref if encounter else None,
        # The concern dates from the session where it came up (not when it was typed up).
        start=fhir_datetime(min(encounter.start, utcnow()) if encounter else utcnow()),
        author=actor.user.practitioner_ref,
        source=trigger.source.ref if trigger.source.ref else None,
        reason=trigger.reason,
    )
    row = resource_store.save(flag_resource(facts), author_id=actor.user.id, previous=previous)
    audit.record("create", row.reference, client_id=client.id, detail=trigger.kind.code)
    return row


def raise_flags(
    actor: Actor,
    client: Client,
    encounter: Encounter,
    response: StoredResource,
    records: Sequence[ClientRecord],
) -> list[StoredResource]:
    """Flags the record just stored raises; one open flag per kind and client is enough."""
    position = next((i for i, r in enumerate(records) if r.row.pk == response.pk), None)
    if position is None:
        return []
    history = [r.source for r in records[: position + 1]]
    source = history[-1]
    already_open = {f["code"]["coding"][0]["code"] for f in open_flags(client.id)}
    raised = []
    for trigger in flags_from(source, history, client.is_minor):
        flag_id = derived_id(response.resource_id, trigger.kind.code)
        if trigger.kind.code in already_open or resource_store.current("Flag", flag_id):
            continue
        # Looked up just now and not there: saved as its first version.
        raised.append(_raise(trigger, client, encounter, actor, flag_id, None))
        already_open.add(trigger.kind.code)
    return raised


def raise_flag_by_hand(actor: Actor, client_id: int, kind_code: str, reason: str) -> StoredResource:
    access.require_clinician_of_record(actor, client_id)
    try:
        kind = flag_kind(kind_code)
    except KeyError:
        raise InvalidInput({"kind": ["Choose one of the listed flags."]}) from None
    reason = reason.strip()
    if not reason:
        raise InvalidInput({"reason": ["Say what you observed."]})
    if len(reason) > 500:
        raise InvalidInput({"reason": ["Keep this under 500 characters."]})
    client = session().get(Client, client_id)
    assert client is not None
    source = AnswerSource("", "the clinician", NOTE_FORM, {})
    flag_id = resource_store.new_id()  # a new id: no version of it to look up
    return _raise(FlagTrigger(kind, reason, source), client, None, actor, flag_id, None)


def owners_for(client_id: int) -> list[User]:
    """Who may own a flag: the clinicians of record and their supervisors."""
    clinicians = select(CareAssignment.clinician_id).where(CareAssignment.client_id == client_id)
    supervisors = select(Supervision.supervisor_id).where(Supervision.clinician_id.in_(clinicians))
    return list(
        session().scalars(
            select(User)
            .where(User.id.in_(clinicians) | User.id.in_(supervisors), User.active.is_(True))
            .order_by(User.role, User.display_name)
        )
    )


def acknowledge_flag(
    actor: Actor, flag_id: str, note: str, owner_id: int, base_version: int | None = None
) -> StoredResource:
    """Acknowledge with a note, naming one owner (no shared inbox where flags vanish)."""
    row = resource_store.require_current("Flag", flag_id)
    assert row.client_id is not None
    access.require_view_client(actor, row.client_id)
    errors: dict[str, list[str]] = {}
    note = note.strip()
    if not note:
        errors["note"] = ["Write what was done or decided."]
    elif len(note) > 1000:
        errors["note"] = ["Keep this under 1000 characters."]
    owner = next((u for u in owners_for(row.client_id) if u.id == owner_id), None)
    if owner is None:
        errors["owner"] = ["Name one owner: the clinician of record or their supervisor."]
    if row.status != "active":
        errors["form"] = ["This flag was already acknowledged."]
    if errors:
        raise InvalidInput(errors)
    assert owner is not None
    updated = acknowledged(
        resource_store.load(row),
        note,
        owner.practitioner_ref,
        actor.user.practitioner_ref,
        fhir_datetime(utcnow()),
    )
    saved = resource_store.save(
        updated, author_id=actor.user.id, expected_version=base_version or row.version_id
    )
    audit.record("acknowledge", saved.reference, client_id=row.client_id)
    return saved

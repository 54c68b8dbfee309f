"""Opening stored records for people, with the access policy and an audit entry each time."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from intake_ai import access, audit
from intake_ai.auth.actors import Actor
from intake_ai.errors import AccessDenied, Gone, NotFound
from intake_ai.models import Client, Encounter, StoredResource
from intake_ai.pages.banner import show_banner_for
from intake_ai.records.summary import RecordSummary, summarize
from intake_ai.store import resources as resource_store
from intake_ai.store.database import session


@dataclass(frozen=True)
class Record:
    row: StoredResource
    resource: dict[str, Any]
    client: Client
    encounter: Encounter | None
    #: Clinician of record: sees free text and may change the record.
    free_text_visible: bool


def _client_of(row: StoredResource) -> Client:
    client = session().get(Client, row.client_id) if row.client_id is not None else None
    if client is None:
        raise NotFound("This record does not belong to a client.")
    return client


def open_record(
    actor: Actor, resource_type: str, resource_id: str, for_change: bool = False
) -> Record:
    """The current version, if this actor may see it (and change it, with ``for_change``)."""
    row = resource_store.current(resource_type, resource_id)
    if row is None:
        raise NotFound("No such record.")
    if row.deleted:
        # Removed: said only to whoever could have opened it (the tombstone keeps the client).
        if row.client_id is None or not access.can_view_client(actor, row.client_id):
            raise NotFound("No such record.")
        raise Gone("This record was removed for good; only the audit entry remains.")
    client = _client_of(row)
    if for_change:
        access.require_clinician_of_record(actor, client.id)
    else:
        access.require_view_client(actor, client.id)
    audit.record("read", row.reference, client_id=client.id)
    return _record(actor, row, client)


def history(actor: Actor, resource_type: str, resource_id: str) -> list[StoredResource]:
    rows = resource_store.history(resource_type, resource_id)
    if not rows:
        raise NotFound("No such record.")
    client_id = next((r.client_id for r in rows if r.client_id is not None), None)
    if client_id is None or not access.can_view_client(actor, client_id):
        raise AccessDenied("This record belongs to a client outside your care.")
    audit.record("history-instance", f"{resource_type}/{resource_id}", client_id=client_id)
    show_banner_for(client_id)
    return list(rows)


def open_version(actor: Actor, resource_type: str, resource_id: str, version_id: int) -> Record:
    row = resource_store.version(resource_type, resource_id, version_id)
    if row is None or row.content is None:
        raise NotFound("No such version.")
    client = _client_of(row)
    access.require_view_client(actor, client.id)
    audit.record("vread", f"{row.reference}/_history/{version_id}", client_id=client.id)
    return _record(actor, row, client)


def _record(actor: Actor, row: StoredResource, client: Client) -> Record:
    """The record as this actor is shown it: a supervisor's copy holds no unshared free text."""
    show_banner_for(client.id)
    encounter = session().get(Encounter, row.encounter_id) if row.encounter_id else None
    resource = access.shown_to(actor, resource_store.load(row))
    return Record(row, resource, client, encounter, access.sees_free_text(actor, client.id))


def open_for_purge(
    actor: Actor, resource_type: str, resource_id: str
) -> tuple[StoredResource, RecordSummary]:
    """The record an admin or its clinician is about to remove, named (not its content)."""
    row = resource_store.require_current(resource_type, resource_id)
    if not access.can_purge(actor, row.client_id):
        raise AccessDenied("Only an admin or the clinician of record may remove a record.")
    client = session().get(Client, row.client_id) if row.client_id is not None else None
    encounter = session().get(Encounter, row.encounter_id) if row.encounter_id else None
    names_client = client is not None and access.sees_free_text(actor, client.id)
    summary = summarize(row, resource_store.load(row), client, encounter, names_client)
    audit.record("read", row.reference, client_id=row.client_id, detail="before removal")
    return row, summary

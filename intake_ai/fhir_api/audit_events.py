"""AuditEvent over the API, built from the audit table (for admin and integrator tokens with
an explicit system/AuditEvent.read scope).

What each reader gets is decided in ``access.py``: an integrator, the entries about no
client or about clients who agreed to the record; an admin, every entry, content-free
(who, what kind of thing, when, outcome, from where; no client, record or detail).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from urllib.parse import urlencode

from sqlalchemy import func, select

from fhir_mappings.audit_event import audit_event, content_free
from intake_ai import access, audit
from intake_ai.auth.actors import Actor, current_actor
from intake_ai.errors import NotFound
from intake_ai.fhir_api import search_query, search_sql
from intake_ai.fhir_api.bundles import Entry, bundle
from intake_ai.fhir_api.errors import FhirError
from intake_ai.fhir_api.service import Answer, base_url, require_scope
from intake_ai.models import AuditRecord
from intake_ai.store.database import session, utcnow
from intake_ai.untrusted import row_id

PARAMETERS = {
    "date": "When it happened (prefixes as for any date).",
    "patient": "The client concerned (Patient/id).",
}


def _resource(actor: Actor, record: AuditRecord) -> bytes:
    facts = audit.facts_of(record)
    if access.audit_trail_is_content_free(actor):
        facts = content_free(facts)
    return json.dumps(audit_event(facts), separators=(",", ":")).encode()


def read(event_id: str) -> Answer:
    actor = current_actor()
    require_scope(actor, "AuditEvent", "read")
    audit.drain()  # the journaled reads too
    number = row_id(event_id)
    record = (
        session().scalar(
            select(AuditRecord).where(AuditRecord.id == number, access.audit_record_filter(actor))
        )
        if number is not None
        else None
    )
    if record is None:
        # Not there and not for this reader (about a client who did not agree) look alike.
        raise NotFound(f"AuditEvent/{event_id} is not known")
    body = _resource(actor, record)
    audit.record("read", f"AuditEvent/{event_id}")
    return Answer(body, {"ETag": 'W/"1"'})


def search(args: Sequence[tuple[str, str]]) -> Answer:
    """Newest first; paged by the audit record's id (a keyset, so paging survives inserts)."""
    actor = current_actor()
    require_scope(actor, "AuditEvent", "read")
    audit.drain()  # the journaled reads too
    clauses = [access.audit_record_filter(actor)]
    seen: set[str] = set()
    count = 50
    cursor = None
    for name, value in args:
        if name in seen and name != "date":
            raise FhirError(400, f"{name} appears more than once")
        seen.add(name)
        if name == "date":
            try:
                prefix, start, end = search_query.parse_date(name, value)
            except search_query.SearchError as error:
                raise FhirError(400, str(error)) from None
            clauses.append(search_sql.date_clause(AuditRecord.recorded, prefix, start, end))
        elif name == "patient":
            if access.audit_trail_is_content_free(actor):
                # Which entries concern a client would tell what happened in their care.
                raise FhirError(
                    403,
                    "An admin's view of the audit trail names no clients: search by date.",
                    code="forbidden",
                )
            client_id = row_id(value.removeprefix("Patient/"))
            if client_id is None:
                raise FhirError(400, f"patient: expected Patient/<id> (got '{value}')")
            clauses.append(AuditRecord.client_id == client_id)
        elif name == "_count":
            wanted = row_id(value)
            if wanted is None:
                raise FhirError(400, f"_count: '{value}' is not a whole number")
            count = min(wanted, 500)
        elif name == "_cursor":
            try:
                cursor = search_query.Cursor.decode(value)
            except search_query.SearchError as error:
                raise FhirError(400, str(error)) from None
        elif name in ("_format", "_pretty"):
            pass  # answered at the edge (negotiation.py)
        else:
            raise FhirError(
                400,
                f"Unknown search parameter '{name}' for AuditEvent. "
                f"Supported: {', '.join(PARAMETERS)}, _count",
            )
    total = session().scalar(select(func.count()).select_from(AuditRecord).where(*clauses)) or 0
    if cursor is not None:
        clauses.append(AuditRecord.id < cursor.pk)
    rows = list(
        session().scalars(
            select(AuditRecord).where(*clauses).order_by(AuditRecord.id.desc()).limit(count + 1)
        )
    )
    audit.record("search-type", "AuditEvent")
    kept = [(k, v) for k, v in args if k != "_cursor"]

    links = [("self", f"{base_url()}/AuditEvent?{urlencode(args)}")]
    if len(rows) > count:
        rows = rows[:count]
        following = search_query.Cursor(None, rows[-1].id).encode()
        links.append(
            (
                "next",
                f"{base_url()}/AuditEvent?{urlencode([*kept, ('_cursor', following)])}",
            )
        )
    entries = [Entry(f"{base_url()}/AuditEvent/{r.id}", _resource(actor, r), "match") for r in rows]
    return Answer(bundle("searchset", entries, total=total, links=links, now=utcnow()))

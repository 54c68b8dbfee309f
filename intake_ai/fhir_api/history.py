"""History over the API: every version of one resource, of every visible resource of a
type, or of every type, newest first (a supervisor's token gets each version without
unshared free text); ``_since`` and ``_at`` narrow it in time."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import ColumnElement, and_, func, or_, select

from fhir_mappings.codes import SERVED_RESOURCE_TYPES
from fhir_mappings.datetimes import fhir_instant
from fhir_mappings.outcomes import OutcomeIssue
from intake_ai import access, audit
from intake_ai.auth.actors import current_actor
from intake_ai.errors import NotFound
from intake_ai.fhir_api import search_query
from intake_ai.fhir_api.bundles import Entry, bundle
from intake_ai.fhir_api.errors import FhirError
from intake_ai.fhir_api.served import Serve, server_for
from intake_ai.fhir_api.service import Answer, full_url, link, require_scope, visible
from intake_ai.models import StoredResource
from intake_ai.store import resources as resource_store
from intake_ai.store.database import session, utcnow
from intake_ai.untrusted import row_id

#: The types kept in the resource store (AuditEvent is read from the audit table).
STORE_TYPES = tuple(t for t in SERVED_RESOURCE_TYPES if t != "AuditEvent")


def _history_entry(row: StoredResource, serve: Serve) -> Entry:
    url = f"{row.resource_type}/{row.resource_id}"
    if row.deleted:
        request_part = {"method": "DELETE", "url": url}
        response_part = {"status": "204 No Content", "lastModified": http_iso(row)}
    elif row.version_id == 1:
        request_part = {"method": "POST", "url": row.resource_type}
        response_part = {
            "status": "201 Created",
            "etag": f'W/"{row.version_id}"',
            "lastModified": http_iso(row),
        }
    else:
        request_part = {"method": "PUT", "url": url}
        response_part = {
            "status": "200 OK",
            "etag": f'W/"{row.version_id}"',
            "lastModified": http_iso(row),
        }
    content = serve(row.content) if row.content is not None else None
    return Entry(full_url(row), content, None, request_part, response_part)


def http_iso(row: StoredResource) -> str:
    return fhir_instant(row.last_updated)


def history_instance(
    resource_type: str, resource_id: str, args: Sequence[tuple[str, str]]
) -> Answer:
    actor = current_actor()
    require_scope(actor, resource_type, "read")
    rows = list(resource_store.history(resource_type, resource_id))
    # Newest first: the current version, or a purged record's tombstone, which keeps the
    # client it belonged to so that only a caller who could have read it learns of it.
    if not rows or not visible(actor, rows[0]):
        raise NotFound(f"{resource_type}/{resource_id} is not known")
    count = _history_count(args)
    window = _window(args)
    client_id = rows[0].client_id
    rows = [r for r in rows if window.admits(r)]
    audit.record("history-instance", f"{resource_type}/{resource_id}", client_id=client_id)
    serve = server_for(actor)
    entries = [_history_entry(r, serve) for r in rows[:count]]
    return Answer(
        bundle(
            "history",
            entries,
            total=len(rows),
            links=[("self", link(f"{resource_type}/{resource_id}/_history", args, None))],
            now=utcnow(),
        )
    )


@dataclass(frozen=True)
class Window:
    """Which versions a history shows: changed since an instant (``_since``), and current
    at some moment of a period (``_at``, a date or time: its whole span)."""

    since: datetime | None = None
    at: tuple[datetime, datetime] | None = None

    def admits(self, row: StoredResource) -> bool:
        if self.since is not None and row.last_updated < self.since:
            return False
        if self.at is not None:
            start, end = self.at
            if row.last_updated >= end:
                return False
            if row.superseded_at is not None and row.superseded_at <= start:
                return False
        return True

    def clauses(self) -> list[ColumnElement[bool]]:
        found: list[ColumnElement[bool]] = []
        if self.since is not None:
            found.append(StoredResource.last_updated >= self.since)
        if self.at is not None:
            start, end = self.at
            found.append(StoredResource.last_updated < end)
            found.append(
                or_(StoredResource.superseded_at.is_(None), StoredResource.superseded_at > start)
            )
        return found


def _window(args: Sequence[tuple[str, str]]) -> Window:
    values = dict(args)
    since = at = None
    try:
        if "_since" in values:
            prefix, since, _end = search_query.parse_date("_since", values["_since"])
            if prefix != "eq" or values["_since"][:2].isalpha():
                raise search_query.SearchError("_since", "_since takes an instant, no prefix")
        if "_at" in values:
            prefix, start, end = search_query.parse_date("_at", values["_at"])
            if prefix != "eq" or values["_at"][:2].isalpha():
                raise search_query.SearchError("_at", "_at takes a date or time, no prefix")
            at = (start, end)
    except search_query.SearchError as error:
        raise FhirError(
            400,
            [
                OutcomeIssue(
                    "invalid",
                    f"{error} (for example 2026-11-24T10:00:00Z)",
                    expression=error.parameter,
                )
            ],
        ) from None
    return Window(since, at)


def _history_count(args: Sequence[tuple[str, str]]) -> int:
    allowed = {"_count", "_since", "_at", "_cursor", "_format", "_pretty"}
    seen: set[str] = set()
    for name, _value in args:
        if name not in allowed:
            raise FhirError(
                400,
                f"Unknown parameter '{name}' for _history "
                f"(supported: {', '.join(sorted(allowed))})",
            )
        if name in seen:
            raise FhirError(400, f"{name} appears more than once")
        seen.add(name)
    raw = dict(args).get("_count", str(current_app.config["INTAKE_AI_FHIR_DEFAULT_COUNT"]))
    count = row_id(raw)
    if count is None:
        raise FhirError(400, f"_count: '{raw}' is not a whole number")
    return min(count, current_app.config["INTAKE_AI_FHIR_MAX_COUNT"])


def history_type(resource_type: str, args: Sequence[tuple[str, str]]) -> Answer:
    """Every version of every visible resource of a type, newest first, paged by keyset."""
    actor = current_actor()
    require_scope(actor, resource_type, "read")
    where = and_(
        StoredResource.resource_type == resource_type,
        access.api_resource_filter(actor, resource_type),
    )
    audit.record("history-type", resource_type)
    return _history_page(f"{resource_type}/_history", where, args)


def history_system(args: Sequence[tuple[str, str]]) -> Answer:
    """Every version of every resource the caller may read, of every type it may read."""
    actor = current_actor()
    readable = [t for t in STORE_TYPES if access.may_use_api_type(actor, t, "read")]
    if not readable:
        raise FhirError(
            403, "This token's scopes allow reading no resource type.", code="forbidden"
        )
    where = or_(
        *(
            and_(StoredResource.resource_type == t, access.api_resource_filter(actor, t))
            for t in readable
        )
    )
    audit.record("history-system")
    return _history_page("_history", where, args)


def _history_page(path: str, where: ColumnElement[bool], args: Sequence[tuple[str, str]]) -> Answer:
    actor = current_actor()
    count = _history_count(args)
    values = dict(args)
    clauses = [where, StoredResource.deleted.is_(False), *_window(args).clauses()]
    total = session().scalar(select(func.count()).select_from(StoredResource).where(*clauses)) or 0
    if "_cursor" in values:
        try:
            clauses.append(StoredResource.pk < search_query.Cursor.decode(values["_cursor"]).pk)
        except search_query.SearchError as error:
            raise FhirError(400, str(error)) from None
    rows = list(
        session().scalars(
            select(StoredResource)
            .where(*clauses)
            .order_by(StoredResource.pk.desc())
            .limit(count + 1)
        )
    )
    links = [("self", link(path, args, None))]
    if len(rows) > count:
        rows = rows[:count]
        links.append(("next", link(path, args, search_query.Cursor(None, rows[-1].pk).encode())))
    serve = server_for(actor)
    entries = [_history_entry(r, serve) for r in rows]
    return Answer(bundle("history", entries, total=total, links=links, now=utcnow()))

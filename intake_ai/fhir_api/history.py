"""History over the API: every version of one resource, and of every visible resource of a
type, newest first (a supervisor's token gets each version without unshared free text)."""

from __future__ import annotations

from collections.abc import Sequence

from flask import current_app
from sqlalchemy import func, select

from fhir_mappings.datetimes import fhir_instant
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
    audit.record("history-instance", f"{resource_type}/{resource_id}", client_id=rows[0].client_id)
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


def _history_count(args: Sequence[tuple[str, str]]) -> int:
    allowed = {"_count", "_since", "_cursor", "_format", "_pretty"}
    for name, _value in args:
        if name not in allowed:
            raise FhirError(
                400,
                f"Unknown parameter '{name}' for _history "
                f"(supported: {', '.join(sorted(allowed))})",
            )
    raw = dict(args).get("_count", str(current_app.config["INTAKE_AI_FHIR_DEFAULT_COUNT"]))
    count = row_id(raw)
    if count is None:
        raise FhirError(400, f"_count: '{raw}' is not a whole number")
    return min(count, current_app.config["INTAKE_AI_FHIR_MAX_COUNT"])


def history_type(resource_type: str, args: Sequence[tuple[str, str]]) -> Answer:
    """Every version of every visible resource of a type, newest first, paged by keyset."""
    actor = current_actor()
    require_scope(actor, resource_type, "read")
    count = _history_count(args)
    values = dict(args)
    clauses = [
        StoredResource.resource_type == resource_type,
        StoredResource.deleted.is_(False),
        access.api_resource_filter(actor, resource_type),
    ]
    if "_since" in values:
        _prefix, since, _end = search_query.parse_date("_since", values["_since"])
        clauses.append(StoredResource.last_updated >= since)
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
    links = [("self", link(f"{resource_type}/_history", args, None))]
    if len(rows) > count:
        rows = rows[:count]
        links.append(
            (
                "next",
                link(
                    f"{resource_type}/_history",
                    args,
                    search_query.Cursor(None, rows[-1].pk).encode(),
                ),
            )
        )
    audit.record("history-type", resource_type)
    serve = server_for(actor)
    entries = [_history_entry(r, serve) for r in rows]
    return Answer(bundle("history", entries, total=total, links=links, now=utcnow()))

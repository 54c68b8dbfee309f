"""The work behind the FHIR read endpoints: access checks, store reads, bundles, audit.

Reads serve the stored bytes as they are; nothing is parsed or re-validated on the way out
(except a page's matches when an _include needs their references, and what a supervisor's
token is served: a copy without unshared free text, ``served.py``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any
from urllib.parse import urlencode

from flask import current_app, request
from sqlalchemy import Select, bindparam, exists, func, select
from werkzeug.http import http_date

from fhir_mappings.subsetting import only_elements, summary
from intake_ai import access, audit
from intake_ai.auth.actors import Actor, current_actor
from intake_ai.boundary.hosts import public_root
from intake_ai.errors import Gone, NotFound
from intake_ai.fhir_api import search_includes, search_query, search_sql
from intake_ai.fhir_api.bundles import Entry, bundle
from intake_ai.fhir_api.capability import build_capability_statement
from intake_ai.fhir_api.errors import FhirError
from intake_ai.fhir_api.served import served, server_for
from intake_ai.models import Role, StoredResource
from intake_ai.store import resources as resource_store
from intake_ai.store.database import session, utcnow
from intake_ai.store.resources import to_bytes


@dataclass(frozen=True)
class Answer:
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)
    status: int = 200


def base_url() -> str:
    """The API's absolute base: on the configured public URL, never an arbitrary Host."""
    return public_root() + current_app.config["INTAKE_AI_FHIR_BASE"].rstrip("/")


def require_scope(actor: Actor, resource_type: str, mode: str) -> None:
    if not access.may_use_api_type(actor, resource_type, mode):
        raise FhirError(
            403,
            f"This token's scopes do not allow {mode} access to {resource_type}.",
            code="forbidden",
        )


def visible(actor: Actor, row: StoredResource) -> bool:
    condition = access.api_resource_filter(actor, row.resource_type)
    return bool(session().scalar(select(exists().where(StoredResource.pk == row.pk, condition))))


def version_headers(row: Any) -> dict[str, str]:
    """For a ``StoredResource``, or a row of its columns (``_read_statement``)."""
    return {
        "ETag": f'W/"{row.version_id}"',
        "Last-Modified": http_date(row.last_updated),
        "Location": f"{base_url()}/{row.resource_type}/{row.resource_id}/_history/{row.version_id}",
    }


def _not_modified(row: Any) -> bool:
    tag = request.headers.get("If-None-Match", "")
    wanted = {t.strip().removeprefix("W/").strip('"') for t in tag.split(",") if t.strip()}
    return str(row.version_id) in wanted or "*" in wanted


def readable(actor: Actor, resource_type: str, resource_id: str) -> StoredResource:
    """The current row, if this caller may read it (404 otherwise; 410 if deleted)."""
    require_scope(actor, resource_type, "read")
    row = resource_store.current(resource_type, resource_id)
    # Not visible reads as not there: ids of other clinicians' records, and of clients who
    # did not agree, leak nothing. A purge's tombstone keeps the client it belonged to, so
    # only a caller who could have read the record hears that it was deleted (410).
    if row is None or not visible(actor, row):
        raise NotFound(f"{resource_type}/{resource_id} is not known")
    if row.deleted:
        raise Gone(f"{resource_type}/{resource_id} was deleted")
    return row


@lru_cache(maxsize=512)
def _read_statement(resource_type: str, role: Role, user_id: int) -> Select[Any]:
    """The current row of one id, and whether this caller may see it, in one statement
    built once per caller and type: the row and access check as two ORM queries cost
    the read three times its raw select."""
    statement: Any = select(
        StoredResource.resource_type,
        StoredResource.resource_id,
        StoredResource.version_id,
        StoredResource.last_updated,
        StoredResource.client_id,
        StoredResource.deleted,
        StoredResource.content,
        access.api_resource_filter_for(role, user_id, resource_type).label("visible"),
    ).where(
        StoredResource.resource_type == resource_type,
        StoredResource.resource_id == bindparam("resource_id"),
        StoredResource.is_current,
    )
    return statement


def read(resource_type: str, resource_id: str) -> Answer:
    actor = current_actor()
    require_scope(actor, resource_type, "read")  # before the type keys a cached statement
    statement = _read_statement(resource_type, actor.user.role, actor.user.id)
    row = session().connection().execute(statement, {"resource_id": resource_id}).first()
    # As in ``readable``: not visible reads as not there; a tombstone is 410 to those who see it.
    if row is None or not row.visible:
        raise NotFound(f"{resource_type}/{resource_id} is not known")
    if row.deleted:
        raise Gone(f"{resource_type}/{resource_id} was deleted")
    audit.record("read", f"{resource_type}/{resource_id}", client_id=row.client_id)
    if _not_modified(row):
        return Answer(b"", version_headers(row), 304)
    assert row.content is not None
    return Answer(served(actor, row.content), version_headers(row))


def vread(resource_type: str, resource_id: str, version_id: int) -> Answer:
    actor = current_actor()
    current = readable(actor, resource_type, resource_id)
    row = resource_store.version(resource_type, resource_id, version_id)
    if row is None:
        raise NotFound(f"{resource_type}/{resource_id} has no version {version_id}")
    if row.content is None:
        raise Gone(f"Version {version_id} of {resource_type}/{resource_id} is a deletion")
    audit.record("vread", f"{row.reference}/_history/{version_id}", client_id=current.client_id)
    if _not_modified(row):
        return Answer(b"", version_headers(row), 304)
    return Answer(served(actor, row.content), version_headers(row))


# Search --------------------------------------------------------------------------------


def _lenient() -> bool:
    return "handling=lenient" in request.headers.get("Prefer", "").replace(" ", "")


def parse_search(resource_type: str, args: Sequence[tuple[str, str]]) -> search_query.Search:
    config = current_app.config
    try:
        return search_query.parse(
            resource_type,
            args,
            lenient=_lenient(),
            default_count=config["INTAKE_AI_FHIR_DEFAULT_COUNT"],
            max_count=config["INTAKE_AI_FHIR_MAX_COUNT"],
            base=base_url(),
        )
    except search_query.SearchError as error:
        raise FhirError(
            error.status, str(error), code="not-supported" if error.status == 406 else "invalid"
        ) from None


def link(resource_type: str, args: Sequence[tuple[str, str]], cursor: str | None) -> str:
    kept = [(k, v) for k, v in args if k != "_cursor"]
    if cursor:
        kept.append(("_cursor", cursor))
    query = urlencode(kept)
    return f"{base_url()}/{resource_type}" + (f"?{query}" if query else "")


def full_url(row: Any, base: str | None = None) -> str:
    return f"{base or base_url()}/{row.resource_type}/{row.resource_id}"


def _ignored_outcome(search: search_query.Search) -> Entry:
    from fhir_mappings.outcomes import OutcomeIssue, operation_outcome

    outcome = operation_outcome(
        OutcomeIssue("not-supported", f"Ignored: {reason}", "warning")
        for _name, reason in search.ignored
    )
    return Entry(f"urn:uuid:{resource_store.new_id()}", json.dumps(outcome).encode(), "outcome")


#: What a search page reads of each row (and the sort column, when sorted).
PAGE_COLUMNS = (
    StoredResource.pk,
    StoredResource.resource_type,
    StoredResource.resource_id,
    StoredResource.content,
)


def _subsetter(search: search_query.Search) -> Callable[[bytes], bytes] | None:
    """How each match is cut down for _elements or _summary (None: served whole)."""
    wanted = search.results
    if wanted.elements:
        return lambda content: to_bytes(only_elements(json.loads(content), wanted.elements))
    if wanted.summary not in (None, "false"):
        mode = wanted.summary
        return lambda content: to_bytes(summary(json.loads(content), mode))
    return None


@lru_cache(maxsize=512)
def _statements(
    template: search_query.Search, role: Role, user_id: int, dialect: str
) -> tuple[Select[Any], Select[Any]]:
    """(count, page) of a shaped search for one caller, built once (see ``search_sql.shape``).

    ``dialect`` is part of the key: the statements are compiled for one database.
    """
    pinned = search_sql.pinned_clients(template) is not None
    clauses = [
        *search_sql.where_clauses(template),
        access.api_resource_filter_for(role, user_id, template.resource_type, pinned=pinned),
    ]
    counting = select(func.count()).select_from(StoredResource).where(*clauses)
    # Plain rows of the columns a page needs (no ORM objects), each carrying the total: one
    # round trip for the page and its count. The count ignores the cursor (added to the page
    # query only), so it is the whole search's total on every page.
    sort_key = [search_sql.sort_columns(template)[0]] if template.sort else []
    page_query = select(*PAGE_COLUMNS, *sort_key, counting.scalar_subquery().label("total"))
    return counting, search_sql.page(page_query.where(*clauses), template)


def search(
    resource_type: str, args: Sequence[tuple[str, str]], *, client_id: int | None = None
) -> Answer:
    """A type's search; ``client_id``: a compartment's, whose audit entry names the client."""
    actor = current_actor()
    require_scope(actor, resource_type, "read")
    db = session()
    parsed = search_sql.resolve_chains(parse_search(resource_type, args), db)
    template, values = search_sql.shape(parsed)
    pinned = search_sql.pinned_clients(parsed)
    if pinned is not None:
        values[access.PINNED] = sorted(pinned)
    counting, page_query = _statements(
        template, actor.user.role, actor.user.id, db.get_bind().dialect.name
    )
    detail = "params: " + ",".join(sorted({k for k, _ in args}))
    links = [("self", link(resource_type, args, args_cursor(args)))]
    if parsed.summary_count or parsed.count == 0:
        audit.record("search-type", resource_type, detail=detail, client_id=client_id)
        total = db.scalar(counting, values) or 0
        return Answer(bundle("searchset", [], total=total, links=links, now=utcnow()))
    audit.record("search-type", resource_type, detail=detail, client_id=client_id)
    rows = list(db.connection().execute(page_query, values).all())
    # An empty page carries no count; without a cursor, the search matched nothing.
    total = rows[0].total if rows else ((db.scalar(counting, values) or 0) if parsed.cursor else 0)

    more = len(rows) > parsed.count
    rows = rows[: parsed.count]
    backwards = parsed.cursor is not None and parsed.cursor.backwards
    if backwards:
        rows.reverse()
    # A further page exists beyond the end we read towards; the other side exists when we
    # came through a cursor.
    has_next = more if not backwards else True
    has_previous = more if backwards else parsed.cursor is not None
    if rows and has_next:
        links.append(
            (
                "next",
                link(
                    resource_type,
                    args,
                    search_sql.cursor_for(rows[-1], parsed, backwards=False).encode(),
                ),
            )
        )
    if rows and has_previous:
        links.append(
            (
                "previous",
                link(
                    resource_type,
                    args,
                    search_sql.cursor_for(rows[0], parsed, backwards=True).encode(),
                ),
            )
        )
    base = base_url()
    serve = server_for(actor)
    subset = _subsetter(parsed)
    entries = [
        Entry(full_url(r, base), subset(serve(r.content)) if subset else serve(r.content), "match")
        for r in rows
    ]
    entries += [
        Entry(full_url(r, base), serve(r.content or b""), "include")
        for r in (
            *search_includes.included(actor, parsed, rows),
            *search_includes.revincluded(actor, parsed, rows),
        )
    ]
    if parsed.ignored:
        entries.append(_ignored_outcome(parsed))
    shown_total = None if parsed.results.total == "none" else total
    return Answer(bundle("searchset", entries, total=shown_total, links=links, now=utcnow()))


def args_cursor(args: Sequence[tuple[str, str]]) -> str | None:
    return next((v for k, v in args if k == "_cursor"), None)


def capability_statement() -> bytes:
    return json.dumps(build_capability_statement()).encode()

"""The Patient compartment: ``Patient/{id}/{type}?...`` is that type's search for this
client, and ``Patient/{id}/$everything`` every record of the client the caller may read,
paged. A client the caller may not see answers as one that does not exist (404)."""

from __future__ import annotations

from collections.abc import Sequence

from flask import current_app
from sqlalchemy import ColumnElement, and_, func, not_, or_, select

from intake_ai import access, audit
from intake_ai.auth.actors import Actor, current_actor
from intake_ai.errors import NotFound
from intake_ai.fhir_api import search_query
from intake_ai.fhir_api.bundles import Entry, bundle
from intake_ai.fhir_api.errors import FhirError
from intake_ai.fhir_api.search_params import CORRECTABLE
from intake_ai.fhir_api.served import server_for
from intake_ai.fhir_api.service import Answer, base_url, full_url, link, require_scope, search
from intake_ai.models import StoredResource
from intake_ai.models.store import current_version
from intake_ai.store.database import session, utcnow
from intake_ai.untrusted import row_id

#: The served types in the Patient compartment (each has a patient parameter).
COMPARTMENT = ("Observation", "QuestionnaireResponse", "Consent", "Flag", "Encounter")
EVERYTHING_TYPES = ("Patient", *COMPARTMENT)
EVERYTHING_PARAMETERS = frozenset({"_count", "_since", "_type", "_cursor", "_format", "_pretty"})


def _require_visible_client(actor: Actor, client_id: int) -> None:
    visible = session().scalar(
        select(StoredResource.pk).where(
            StoredResource.resource_type == "Patient",
            StoredResource.resource_id == str(client_id),
            current_version(),
            StoredResource.deleted.is_(False),
            access.api_resource_filter(actor, "Patient"),
        )
    )
    if visible is None:
        raise NotFound(f"Patient/{client_id} is not known")


def compartment_search(
    client_id: int, resource_type: str, args: Sequence[tuple[str, str]]
) -> Answer:
    actor = current_actor()
    require_scope(actor, resource_type, "read")
    _require_visible_client(actor, client_id)
    return search(resource_type, [*args, ("patient", str(client_id))], client_id=client_id)


def _everything_options(
    args: Sequence[tuple[str, str]],
) -> tuple[int, list[str], list[ColumnElement[bool]], list[ColumnElement[bool]]]:
    seen: set[str] = set()
    for name, _value in args:
        if name not in EVERYTHING_PARAMETERS:
            raise FhirError(
                400,
                f"Unknown parameter '{name}' for $everything "
                f"(supported: {', '.join(sorted(EVERYTHING_PARAMETERS))})",
            )
        if name in seen:
            raise FhirError(400, f"{name} appears more than once")
        seen.add(name)
    values = dict(args)
    config = current_app.config
    count = row_id(values.get("_count", str(config["INTAKE_AI_FHIR_DEFAULT_COUNT"])))
    if count is None:
        raise FhirError(400, f"_count: '{values['_count']}' is not a whole number")
    types = values.get("_type", ",".join(EVERYTHING_TYPES)).split(",")
    unknown = [t for t in types if t not in EVERYTHING_TYPES]
    if unknown:
        raise FhirError(
            400,
            f"_type: '{unknown[0]}' is not in the Patient compartment "
            f"(here: {', '.join(EVERYTHING_TYPES)})",
        )
    # The window counts towards the total; the cursor only chooses the page.
    window: list[ColumnElement[bool]] = []
    after: list[ColumnElement[bool]] = []
    try:
        if "_since" in values:
            _prefix, since, _end = search_query.parse_date("_since", values["_since"])
            window.append(StoredResource.last_updated >= since)
        if "_cursor" in values:
            after.append(StoredResource.pk > search_query.Cursor.decode(values["_cursor"]).pk)
    except search_query.SearchError as error:
        raise FhirError(400, str(error)) from None
    return min(count, config["INTAKE_AI_FHIR_MAX_COUNT"]), types, window, after


def everything(client_id: int, args: Sequence[tuple[str, str]]) -> Answer:
    """The client and their compartment, oldest first, paged by keyset."""
    actor = current_actor()
    require_scope(actor, "Patient", "read")
    _require_visible_client(actor, client_id)
    count, types, window, after = _everything_options(args)
    readable = [t for t in types if access.may_use_api_type(actor, t, "read")]
    by_type = or_(
        *(
            and_(StoredResource.resource_type == t, access.api_resource_filter(actor, t))
            for t in readable
        )
    )
    clauses = [
        by_type,
        StoredResource.client_id == client_id,
        current_version(),
        StoredResource.deleted.is_(False),
        # Records entered in error are left out, as a search leaves them out.
        or_(
            StoredResource.resource_type.not_in(CORRECTABLE),
            StoredResource.status.is_(None),
            not_(StoredResource.status == "entered-in-error"),
        ),
        *window,
    ]
    db = session()
    total = db.scalar(select(func.count()).select_from(StoredResource).where(*clauses)) or 0
    rows = list(
        db.execute(
            select(
                StoredResource.pk,
                StoredResource.resource_type,
                StoredResource.resource_id,
                StoredResource.content,
            )
            .where(*clauses, *after)
            .order_by(StoredResource.pk)
            .limit(count + 1)
        )
    )
    path = f"Patient/{client_id}/$everything"
    links = [("self", link(path, args, None))]
    if len(rows) > count:
        rows = rows[:count]
        links.append(("next", link(path, args, search_query.Cursor(None, rows[-1].pk).encode())))
    audit.record("operation", path, client_id=client_id, detail="$everything")
    serve = server_for(actor)
    base = base_url()
    entries = [Entry(full_url(r, base), serve(r.content), "match") for r in rows]
    return Answer(bundle("searchset", entries, total=total, links=links, now=utcnow()))

"""What _include and _revinclude add to a search page: the resources its matches point to
(and, with :iterate, those the included ones point to), and the resources that point back
to its matches through an index column. Each one under the caller's scopes and access
conditions, like any read."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import not_, or_, select

from fhir_mappings.questionnaire import questionnaire_id_for
from intake_ai import access
from intake_ai.auth.actors import Actor
from intake_ai.fhir_api.search_params import CORRECTABLE, LINK_BY_SPEC, Link
from intake_ai.fhir_api.search_query import Include, Search
from intake_ai.models import ProvenanceTarget, StoredResource
from intake_ai.models.store import current_version
from intake_ai.store import resources as resource_store
from intake_ai.store.database import session

#: Bounds on what one page may pull in: :iterate rounds, and resources added per page.
MAX_ROUNDS = 3
MAX_ADDED = 1000


def _references(resource: dict[str, Any], link: Link) -> list[tuple[str, str]]:
    value = resource.get(link.element)
    if link.canonical:
        ident = questionnaire_id_for(value) if isinstance(value, str) else None
        return [] if ident is None else [(link.targets[0], ident)]
    found = []
    for ref in value if isinstance(value, list) else [value]:
        text = ref.get("reference", "") if isinstance(ref, dict) else ""
        kind, _, ident = text.partition("/")
        if ident and "/" not in ident:
            found.append((kind, ident))
    return found


def _targets(resources: Iterable[dict[str, Any]], include: Include) -> list[tuple[str, str]]:
    link = LINK_BY_SPEC[include.spec]
    targets = []
    for resource in resources:
        if resource.get("resourceType") != link.source:
            continue
        for kind, ident in _references(resource, link):
            if kind in link.targets and (include.target is None or kind == include.target):
                targets.append((kind, ident))
    return list(dict.fromkeys(targets))


def _visible(actor: Actor, row: StoredResource) -> bool:
    condition = access.api_resource_filter(actor, row.resource_type)
    return bool(
        session().scalar(select(StoredResource.pk).where(StoredResource.pk == row.pk, condition))
    )


def included(actor: Actor, search: Search, rows: Sequence[Any]) -> list[StoredResource]:
    """The resources the page's matches point to, per _include (and :iterate)."""
    includes = search.results.includes
    if not includes:
        return []
    seen = {(r.resource_type, r.resource_id) for r in rows}
    layer = [json.loads(r.content) for r in rows]
    found: list[StoredResource] = []
    for round_number in range(MAX_ROUNDS):
        # The first round follows every _include from the matches; later rounds only the
        # :iterate ones, from what the round before added.
        wanted = [i for i in includes if round_number == 0 or i.iterate]
        added: list[StoredResource] = []
        for include in wanted:
            for kind, ident in _targets(layer, include):
                if len(found) + len(added) >= MAX_ADDED:
                    break
                if (kind, ident) in seen or not access.may_use_api_type(actor, kind, "read"):
                    continue
                row = resource_store.current(kind, ident)
                seen.add((kind, ident))
                if row is not None and not row.deleted and _visible(actor, row):
                    added.append(row)
        found += added
        if not added or not any(i.iterate for i in includes):
            break
        layer = [resource_store.load(r) for r in added]
    return found


def _key(link: Link, row: Any) -> Any:
    """What the linking column holds for a reference to this match."""
    if link.column == "derived_from":
        return f"{row.resource_type}/{row.resource_id}"
    return int(row.resource_id) if str(row.resource_id).isdigit() else None


def revincluded(actor: Actor, search: Search, rows: Sequence[Any]) -> list[Any]:
    """The resources that point to the page's matches, per _revinclude."""
    found: list[Any] = []
    seen = {(r.resource_type, r.resource_id) for r in rows}
    for spec in search.results.revincludes:
        link = LINK_BY_SPEC[spec]
        if link.column is None or not access.may_use_api_type(actor, link.source, "read"):
            continue
        keys = [k for k in (_key(link, r) for r in rows) if k is not None]
        if not keys:
            continue
        if link.source == "Provenance":
            # Every target of a Provenance has its own index row, not only the first.
            named = select(ProvenanceTarget.resource_pk).where(ProvenanceTarget.target.in_(keys))
            pointing = StoredResource.pk.in_(named)
        else:
            pointing = getattr(StoredResource, link.column).in_(keys)
        clauses = [
            StoredResource.resource_type == link.source,
            current_version(),
            StoredResource.deleted.is_(False),
            pointing,
            access.api_resource_filter(actor, link.source),
        ]
        if link.source in CORRECTABLE:
            clauses.append(
                or_(
                    StoredResource.status.is_(None),
                    not_(StoredResource.status == "entered-in-error"),
                )
            )
        query = (
            select(StoredResource.resource_type, StoredResource.resource_id, StoredResource.content)
            .where(*clauses)
            .order_by(StoredResource.pk)
            .limit(MAX_ADDED)
        )
        for row in session().execute(query):
            if (row.resource_type, row.resource_id) not in seen:
                seen.add((row.resource_type, row.resource_id))
                found.append(row)
    return found

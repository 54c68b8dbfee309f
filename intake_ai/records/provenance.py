"""Recording the Provenance of a write in the write's own unit of work: every record the
write stored (the response, its Observations, the indicator, flags, consent; tombstones of
a purge) is a target; the author, the module as assembler and the API client that wrote on
the author's behalf are its agents; the response is its source entity."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import Any, ParamSpec, TypeVar

from sqlalchemy import insert

from fhir_mappings.datetimes import fhir_instant
from fhir_mappings.people import PRACTITIONER_IDENTIFIER_SYSTEM
from fhir_mappings.provenance import ProvenanceFacts, logical_reference, provenance_resource
from intake_ai.auth.actors import Actor, TokenUser
from intake_ai.models import ProvenanceTarget, Role, StoredResource, User
from intake_ai.store import resources as resource_store
from intake_ai.store.database import session, utcnow

_TRACKING = "intake_ai.provenance"
P = ParamSpec("P")
R = TypeVar("R")


def _author(user: User | TokenUser) -> dict[str, Any]:
    if user.role in (Role.CLINICIAN, Role.SUPERVISOR):
        return {"reference": user.practitioner_ref}
    # An admin has no Practitioner resource: named by login.
    return logical_reference(
        PRACTITIONER_IDENTIFIER_SYSTEM, user.username, "Practitioner", user.display_name
    )


def _on_behalf_by(actor: Actor) -> str | None:
    token = actor.token
    if token is None or token.user_id == actor.user.id:
        return None
    writer = session().get(User, token.user_id)
    return writer.username if writer is not None else None


def _versioned(row: StoredResource, back: int = 0) -> str:
    return f"{row.resource_type}/{row.resource_id}/_history/{row.version_id - back}"


def record(actor: Actor, activity: str, rows: list[StoredResource]) -> StoredResource | None:
    """Store the Provenance of a write that stored ``rows`` (nothing if it stored none)."""
    # In the order they were stored: the response first, then what came of it.
    unique = {row.pk: row for row in rows if row.resource_type != "Provenance"}
    rows = [unique[pk] for pk in sorted(unique)]
    if not rows:
        return None
    responses = [r for r in rows if r.resource_type == "QuestionnaireResponse"]
    source = None
    if responses:
        # Entered in error and purge act on the version before the one they store.
        back = 0 if activity in ("create", "update") else 1
        source = _versioned(responses[0], back) if responses[0].version_id > back else None
    facts = ProvenanceFacts(
        provenance_id=resource_store.new_id(),
        activity=activity,
        targets=tuple(_versioned(row) for row in rows),
        recorded=fhir_instant(resource_store.to_instant(utcnow())),
        author=_author(actor.user),
        source=source,
        on_behalf_by=_on_behalf_by(actor),
    )
    # A new id (no version to look up), and served with its targets' access rules: it
    # belongs to their client.
    [stored] = resource_store.insert_new(
        [provenance_resource(facts)],
        author_id=actor.user.id,
        client_id=next((r.client_id for r in rows if r.client_id is not None), None),
    )
    targets = dict.fromkeys(f"{r.resource_type}/{r.resource_id}" for r in rows)
    session().execute(
        insert(ProvenanceTarget), [{"resource_pk": stored.pk, "target": t} for t in targets]
    )
    return stored


@contextmanager
def recorded(actor: Actor, activity: str) -> Iterator[None]:
    """Record one Provenance for everything stored inside the block, if it succeeds.

    Nested blocks add to the outermost one: one write, one Provenance.
    """
    info = session().info
    if info.get(_TRACKING):
        yield
        return
    info[_TRACKING] = True
    try:
        with resource_store.collecting() as added:
            yield
    finally:
        info.pop(_TRACKING, None)
    record(actor, activity, added)


def with_provenance(activity: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """A service function (its first argument the ``Actor``) whose writes get a Provenance."""

    def decorate(function: Callable[P, R]) -> Callable[P, R]:
        @wraps(function)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            actor = args[0]
            assert isinstance(actor, Actor)
            with recorded(actor, activity):
                return function(*args, **kwargs)

        return wrapper

    return decorate

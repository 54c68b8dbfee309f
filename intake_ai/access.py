"""The one access policy: who may see or change what.

- A clinician sees the clients in their care (care assignments).
- A supervisor sees their supervisees' clients: structured data, not free text.
- An integrator (API) sees every client who agreed to the record, within its token's scopes.
- An admin manages users and may purge, but sees no clinical content.
Every function takes the ``Actor`` and answers from the database; views never decide.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, Select, bindparam, exists, false, or_, select

from fhir_mappings.codes import DEFINITIONAL_TYPES
from intake_ai.auth.actors import Actor
from intake_ai.auth.scopes import allows
from intake_ai.errors import AccessDenied
from intake_ai.models import CareAssignment, Client, ConsentState, Role, StoredResource, Supervision
from intake_ai.store.database import session


def visible_client_ids(actor: Actor) -> Select[int]:
    """The ids of the clients whose records this actor may see."""
    return _visible_ids(actor.user.role, actor.user.id)


def _visible_ids(role: Role, user_id: int) -> Select[int]:
    if role is Role.CLINICIAN:
        return select(CareAssignment.client_id).where(CareAssignment.clinician_id == user_id)
    if role is Role.SUPERVISOR:
        supervisees = select(Supervision.clinician_id).where(Supervision.supervisor_id == user_id)
        return select(CareAssignment.client_id).where(CareAssignment.clinician_id.in_(supervisees))
    return select(Client.id).where(_visible_client(role, user_id))


def _visible_client(role: Role, user_id: int) -> ColumnElement[bool]:
    """The same rule as ``visible_client_ids``, as a condition on ``Client`` rows.

    For an integrator a plain column test: a list of every agreeing client would grow with
    the practice, and a query about one client should not read it.
    """
    if role is Role.INTEGRATOR:
        return Client.consent_state == ConsentState.ACTIVE
    if role in (Role.CLINICIAN, Role.SUPERVISOR):
        return Client.id.in_(_visible_ids(role, user_id))
    return false()


def can_view_client(actor: Actor, client_id: int) -> bool:
    condition = exists().where(Client.id == client_id, Client.id.in_(visible_client_ids(actor)))
    return bool(session().scalar(select(condition)))


def is_clinician_of_record(actor: Actor, client_id: int) -> bool:
    if actor.user.role is not Role.CLINICIAN:
        return False
    return session().get(CareAssignment, (actor.user.id, client_id)) is not None


def require_view_client(actor: Actor, client_id: int) -> None:
    if not can_view_client(actor, client_id):
        raise AccessDenied("This client is not in your care or your supervisees' care.")


def require_clinician_of_record(actor: Actor, client_id: int) -> None:
    """Recording, editing, annotating and deleting are for the clinician of record only."""
    if not is_clinician_of_record(actor, client_id):
        raise AccessDenied("Only the client's clinician of record may change their record.")


def can_purge(actor: Actor, client_id: int | None) -> bool:
    if actor.user.role is Role.ADMIN:
        return True
    return client_id is not None and is_clinician_of_record(actor, client_id)


def sees_free_text(actor: Actor, client_id: int) -> bool:
    """Free text and excerpts: clinician of record only (supervisors see what is shared)."""
    return is_clinician_of_record(actor, client_id)


def is_supervisor(actor: Actor) -> bool:
    return actor.user.role is Role.SUPERVISOR


def is_admin(actor: Actor) -> bool:
    return actor.user.role is Role.ADMIN


def may_use_api_type(actor: Actor, resource_type: str, mode: str) -> bool:
    """Token scopes first; then the role: the audit trail is for admins and integrators only."""
    if not allows(actor.scopes, resource_type, mode):
        return False
    if resource_type == "AuditEvent":
        return mode == "read" and actor.user.role in (Role.ADMIN, Role.INTEGRATOR)
    if actor.user.role is Role.ADMIN:
        # An admin token reaches definitions only, never clinical content.
        return resource_type in DEFINITIONAL_TYPES
    return True


#: The execution parameter that carries a search's patients into ``api_resource_filter_for``.
PINNED = "access_pinned"


def api_resource_filter(actor: Actor, resource_type: str) -> ColumnElement[bool]:
    """SQL condition on ``StoredResource`` rows of this type the API caller may see.

    Clinical resources are served only for clients who agreed to the record. The Consent
    itself is served to whoever sees the client: the clinician's own token sees a pending
    "discuss first"; an integrator (who sees only clients who agreed) never does.
    """
    return api_resource_filter_for(actor.user.role, actor.user.id, resource_type)


def api_resource_filter_for(
    role: Role, user_id: int, resource_type: str, *, pinned: bool = False
) -> ColumnElement[bool]:
    """``api_resource_filter`` for a caller known by role and id (for statements built
    once and kept, which hold no actor).

    ``pinned``: the search names the only clients it can match (its patient parameters);
    the access subquery is then limited to them, so its cost does not grow with the
    practice. Their ids are given at execution, as a list in the ``PINNED`` parameter.
    """
    if resource_type in DEFINITIONAL_TYPES:
        return StoredResource.client_id.is_(None)
    if resource_type == "Practitioner":
        return or_(
            StoredResource.client_id.is_(None),
            StoredResource.client_id.in_(_visible_ids(role, user_id)),
        )

    rules = [_visible_client(role, user_id)]
    if resource_type != "Consent":
        rules.append(Client.consent_state == ConsentState.ACTIVE)
    if pinned:
        rules.append(Client.id.in_(bindparam(PINNED, expanding=True)))
    return StoredResource.client_id.in_(select(Client.id).where(*rules))

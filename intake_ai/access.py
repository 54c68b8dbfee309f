"""The one access policy: who may see or change what.

- A clinician sees the clients in their care (care assignments).
- A supervisor sees their supervisees' clients: structured data, not free text.
- An integrator (API) sees every client who agreed to the record, within its token's scopes.
- An admin manages users and may purge, but sees no clinical content.
- A consent decision is the clinician of record's, taken with the client: no integrator's
  token creates, activates or reverses one.
Every function takes the ``Actor`` and answers from the database; views never decide.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import ColumnElement, Select, bindparam, exists, false, or_, select, true

from fhir_mappings.codes import DEFINITIONAL_TYPES
from fhir_mappings.redaction import redact_free_text
from intake_ai.auth.actors import Actor
from intake_ai.auth.scopes import allows
from intake_ai.errors import AccessDenied
from intake_ai.models import (
    AuditRecord,
    CareAssignment,
    Client,
    ConsentState,
    Role,
    StoredResource,
    Supervision,
)
from intake_ai.store.database import session
from intake_ai.untrusted import MAX_INTEGER_ID


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
    if not 0 < client_id <= MAX_INTEGER_ID:
        return False
    condition = exists().where(Client.id == client_id, Client.id.in_(visible_client_ids(actor)))
    return bool(session().scalar(select(condition)))


def is_clinician_of_record(actor: Actor, client_id: int) -> bool:
    if actor.user.role is not Role.CLINICIAN or not 0 < client_id <= MAX_INTEGER_ID:
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


def redacts_free_text(actor: Actor) -> bool:
    """Whether what this actor is shown loses its unshared free text: a supervisor's.

    (Clinicians see their own clients only, integrators every agreeing client's record as
    the EHR holds it; admins see no clinical resources at all.)
    """
    return actor.user.role is Role.SUPERVISOR


def free_text_redactor(actor: Actor) -> Callable[[dict[str, Any]], dict[str, Any]] | None:
    """What takes unshared free text out of a resource for this actor (None: nothing does).

    The reader is read now, not later: export files stream after the request's work ends.
    """
    if not redacts_free_text(actor):
        return None
    viewer = actor.user.practitioner_ref
    return lambda resource: redact_free_text(resource, viewer=viewer)


def shown_to(actor: Actor, resource: dict[str, Any]) -> dict[str, Any]:
    """``resource`` as this actor may see it, in the pages as in the API."""
    redact = free_text_redactor(actor)
    return resource if redact is None else redact(resource)


#: Why a write that would decide a client's consent was refused (API and pages alike).
CONSENT_IS_THE_CLINICIANS = (
    "A client's consent is decided by their clinician of record with them: only that "
    "clinician, in the pages or with their own token, records or changes it (an intake "
    "carries the consent answer)."
)


def acts_as_themselves(actor: Actor) -> bool:
    """A clinician acting in their own name: in the pages, or with a token of their own.

    An integrator's write names the clinician as author, and the domain then acts as that
    clinician; the token stays the integrator's, and that is what this tells apart.
    """
    own_token = actor.token is None or actor.token.user_id == actor.user.id
    return own_token and actor.user.role is Role.CLINICIAN


def may_decide_consent(actor: Actor, client_id: int) -> bool:
    """Create, activate or reverse a client's Consent: their clinician of record, in person."""
    return acts_as_themselves(actor) and is_clinician_of_record(actor, client_id)


def require_consent_decider(actor: Actor, client_id: int) -> None:
    if not may_decide_consent(actor, client_id):
        raise AccessDenied(CONSENT_IS_THE_CLINICIANS)


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


def audit_trail_is_content_free(actor: Actor) -> bool:
    """An admin reads the audit trail without its clinical content (``content_free``)."""
    return actor.user.role is Role.ADMIN


def audit_record_filter(actor: Actor) -> ColumnElement[bool]:
    """SQL condition on the audit entries this reader may see.

    An admin sees every entry, content-free. Anyone else sees the entries about no client
    and about the clients they may see: for an integrator, only clients who agreed to the
    record, so nothing about anyone else reaches it (not even that something happened).
    """
    if audit_trail_is_content_free(actor):
        return true()
    return or_(
        AuditRecord.client_id.is_(None), AuditRecord.client_id.in_(visible_client_ids(actor))
    )


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

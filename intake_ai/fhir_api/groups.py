"""Group resources: one per clinician's caseload and one for the practice.

Built on read from the care assignments (``directory.py``'s tables), never stored: a Group
is always as current as the assignments, and changing a client's clinician needs no second
write to keep it so. Its members are the Patients the caller may read (the same access and
consent rule as a Patient search), so a Group never names a client the caller could not
read; which Groups a caller sees follows who they are (``visible_groups``).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlencode

from sqlalchemy import Select, select

from fhir_mappings.groups import (
    PRACTICE_GROUP_ID,
    caseload_group_id,
    clinician_of,
    group_resource,
)
from intake_ai import access, audit
from intake_ai.auth.actors import Actor, current_actor
from intake_ai.errors import NotFound
from intake_ai.fhir_api.bundles import Entry, bundle
from intake_ai.fhir_api.errors import FhirError
from intake_ai.fhir_api.service import Answer, base_url, require_scope
from intake_ai.models import CareAssignment, Client, ConsentState, Role, Supervision, User
from intake_ai.store.database import session, utcnow

PRACTICE_NAME = "Every client of the practice"
SEARCH_PARAMETERS = frozenset({"_id", "managing-entity", "member", "_count", "_offset"})


@dataclass(frozen=True)
class GroupRef:
    id: str
    name: str
    clinician_id: int | None  # None: the practice


def _caseload(user: User) -> GroupRef:
    return GroupRef(caseload_group_id(user.id), f"Caseload of {user.display_name}", user.id)


def visible_groups(actor: Actor) -> list[GroupRef]:
    """The practice, and the caseloads this caller may know of: an integrator every
    clinician's, a supervisor their supervisees', a clinician their own; an admin none."""
    require_scope(actor, "Group", "read")
    role = actor.user.role
    clinicians = select(User).where(User.role == Role.CLINICIAN).order_by(User.id)
    if role is Role.CLINICIAN:
        clinicians = clinicians.where(User.id == actor.user.id)
    elif role is Role.SUPERVISOR:
        supervisees = select(Supervision.clinician_id).where(
            Supervision.supervisor_id == actor.user.id
        )
        clinicians = clinicians.where(User.id.in_(supervisees))
    elif role is not Role.INTEGRATOR:
        return []
    practice = GroupRef(PRACTICE_GROUP_ID, PRACTICE_NAME, None)
    return [practice, *(_caseload(u) for u in session().scalars(clinicians))]


def find(actor: Actor, group_id: str) -> GroupRef:
    """The Group this caller may see, or not there (404) for any other id."""
    wanted = clinician_of(group_id)
    if group_id != PRACTICE_GROUP_ID and wanted is None:
        raise NotFound(f"Group/{group_id} is not known")
    for group in visible_groups(actor):
        if group.id == group_id:
            return group
    raise NotFound(f"Group/{group_id} is not known")


def member_ids(actor: Actor, group: GroupRef, moment: datetime | None = None) -> Select[int]:
    """The group's clients the caller may read, as members at ``moment`` (default: now).

    The same rule as a Patient read: visible to this caller, and agreed to the record.
    """
    query = select(Client.id).where(
        Client.id.in_(access.visible_client_ids(actor)),
        Client.consent_state == ConsentState.ACTIVE,
    )
    if group.clinician_id is not None:
        assigned = select(CareAssignment.client_id).where(
            CareAssignment.clinician_id == group.clinician_id
        )
        if moment is not None:
            assigned = assigned.where(CareAssignment.created_at <= moment)
        query = query.where(Client.id.in_(assigned))
    elif moment is not None:
        query = query.where(Client.created_at <= moment)
    return query


def _resource(actor: Actor, group: GroupRef) -> bytes:
    members = list(session().scalars(member_ids(actor, group).order_by(Client.id)))
    return json.dumps(group_resource(group.id, group.name, members, group.clinician_id)).encode()


def read(group_id: str) -> Answer:
    actor = current_actor()
    group = find(actor, group_id)
    audit.record("read", f"Group/{group.id}")
    return Answer(_resource(actor, group))


def _local_id(value: str, resource_type: str) -> str:
    return value.removeprefix(f"{resource_type}/")


def _matches(actor: Actor, group: GroupRef, name: str, values: list[str]) -> bool:
    if name == "_id":
        return group.id in values
    if name == "managing-entity":
        return str(group.clinician_id) in [_local_id(v, "Practitioner") for v in values]
    # member: any of the named Patients is a member the caller may see.
    wanted = [_local_id(v, "Patient") for v in values]
    ids = [int(v) for v in wanted if v.isdigit()]
    found = session().scalar(
        select(Client.id).where(Client.id.in_(ids), Client.id.in_(member_ids(actor, group)))
    )
    return found is not None


def _number(name: str, raw: str, lowest: int) -> int:
    if not raw.isdigit() or int(raw) < lowest:
        raise FhirError(400, f"{name}: expected a whole number of at least {lowest}, not {raw!r}.")
    return int(raw)


def search(args: Sequence[tuple[str, str]]) -> Answer:
    """Search Groups by ``_id``, ``managing-entity`` and ``member`` (each a comma list;
    repeats are ANDed), paged by ``_count`` and ``_offset``."""
    actor = current_actor()
    groups = visible_groups(actor)
    count, offset = 50, 0
    for name, value in args:
        if name not in SEARCH_PARAMETERS:
            raise FhirError(
                400,
                f"Unknown search parameter '{name}' for Group (supported: "
                f"{', '.join(sorted(SEARCH_PARAMETERS))}).",
            )
        if name == "_count":
            count = _number(name, value, 0)
        elif name == "_offset":
            offset = _number(name, value, 0)
        else:
            values = [v for v in value.split(",") if v]
            groups = [g for g in groups if _matches(actor, g, name, values)]
    audit.record("search-type", "Group", detail="params: " + ",".join(sorted({k for k, _ in args})))
    page = groups[offset : offset + count]
    kept = [(k, v) for k, v in args if k != "_offset"]

    def link(start: int) -> str:
        query = urlencode([*kept, ("_offset", str(start))] if start else kept)
        return f"{base_url()}/Group" + (f"?{query}" if query else "")

    links = [("self", link(offset))]
    if count and offset + count < len(groups):
        links.append(("next", link(offset + count)))
    entries = [Entry(f"{base_url()}/Group/{g.id}", _resource(actor, g), "match") for g in page]
    return Answer(bundle("searchset", entries, total=len(groups), links=links, now=utcnow()))

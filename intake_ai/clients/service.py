"""Reading and registering clients; every read of a client's record is audited."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import func, select

from intake_ai import access, audit, directory
from intake_ai.auth.actors import Actor
from intake_ai.errors import AccessDenied, NotFound
from intake_ai.models import Client, Encounter, EncounterKind, Role
from intake_ai.pages.banner import show_banner_for
from intake_ai.store.database import session


def get_client(client_id: int) -> Client:
    client = session().get(Client, client_id)
    if client is None:
        raise NotFound("No such client.")
    return client


def open_client(
    actor: Actor, client_id: int, detail_of: Callable[[], str | None] | None = None
) -> Client:
    """The client, if this actor may see them; the view is audited either way.

    ``detail_of``: what else the page reads (asked once access is checked), for the record.
    """
    client = get_client(client_id)
    access.require_view_client(actor, client_id)
    detail = detail_of() if detail_of is not None else None
    audit.record("view", client.patient_ref, client_id=client_id, detail=detail)
    show_banner_for(client_id)
    return client


def register_client(actor: Actor, ehr_patient_id: str, display_name: str, is_minor: bool) -> Client:
    if actor.role is not Role.CLINICIAN:
        raise AccessDenied("Only clinicians register clients into their care.")
    client = directory.create_client(ehr_patient_id, display_name, actor.user_row(), is_minor)
    audit.record("create", client.patient_ref, client_id=client.id)
    return client


def open_session(actor: Actor, client_id: int, start: datetime) -> Encounter:
    """A new dated session; the first one of a client is their intake session."""
    access.require_clinician_of_record(actor, client_id)
    client = get_client(client_id)
    has_sessions = session().scalar(
        select(func.count(Encounter.id)).where(Encounter.client_id == client_id)
    )
    kind = EncounterKind.SESSION if has_sessions else EncounterKind.INTAKE
    encounter = directory.create_encounter(client, actor.user_row(), start, kind)
    audit.record("create", encounter.encounter_ref, client_id=client_id)
    return encounter


def client_encounters(client_id: int) -> list[Encounter]:
    return list(
        session().scalars(
            select(Encounter).where(Encounter.client_id == client_id).order_by(Encounter.start)
        )
    )

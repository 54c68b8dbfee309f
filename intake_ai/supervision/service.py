"""What a supervisor sees: their supervisees' clients, by pseudonym."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from intake_ai import access, audit
from intake_ai.auth.actors import Actor
from intake_ai.database import session
from intake_ai.errors import AccessDenied
from intake_ai.models import CareAssignment, Client, User


@dataclass(frozen=True)
class CaseloadEntry:
    client: Client
    clinician: User


@dataclass(frozen=True)
class Dashboard:
    caseload: list[CaseloadEntry]


def dashboard(actor: Actor) -> Dashboard:
    if not access.is_supervisor(actor):
        raise AccessDenied("The caseload dashboard is for supervisors.")
    rows = (
        session()
        .execute(
            select(Client, User)
            .join(CareAssignment, CareAssignment.client_id == Client.id)
            .join(User, User.id == CareAssignment.clinician_id)
            .where(Client.id.in_(access.visible_client_ids(actor)))
            .order_by(User.display_name, Client.pseudonym)
        )
        .all()
    )
    audit.record("search-type", "Client", detail="supervisor dashboard")
    return Dashboard([CaseloadEntry(client, clinician) for client, clinician in rows])

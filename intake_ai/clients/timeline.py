"""The client page, read top-down: consent, open flags, current band, sessions with notes."""

from __future__ import annotations

from dataclasses import dataclass, field

from intake_ai import access
from intake_ai.auth.actors import Actor
from intake_ai.clients import service
from intake_ai.models import Client, Encounter


@dataclass
class SessionEntry:
    encounter: Encounter


@dataclass
class ClientTimeline:
    client: Client
    may_record: bool
    sessions: list[SessionEntry] = field(default_factory=list)


def build_timeline(actor: Actor, client_id: int) -> ClientTimeline:
    client = service.open_client(actor, client_id)
    page = ClientTimeline(client=client, may_record=access.is_clinician_of_record(actor, client_id))
    page.sessions = [SessionEntry(e) for e in service.client_encounters(client_id)]
    return page

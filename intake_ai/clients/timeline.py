"""The client page, read top-down: consent, open flags, current band, sessions with notes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from intake_ai import access, resource_store
from intake_ai.auth.actors import Actor
from intake_ai.clients import service
from intake_ai.models import Client, ConsentState, Encounter, StoredResource


@dataclass
class SessionEntry:
    encounter: Encounter
    intake: StoredResource | None = None


@dataclass
class ConsentView:
    state: ConsentState
    resource: dict[str, Any] | None = None

    @property
    def research_opt_in(self) -> bool:
        if self.resource is None:
            return False
        nested = self.resource.get("provision", {}).get("provision", [])
        return any(p.get("type") == "permit" for p in nested)


@dataclass
class ClientTimeline:
    client: Client
    may_record: bool
    consent: ConsentView
    intake: StoredResource | None = None
    sessions: list[SessionEntry] = field(default_factory=list)


def build_timeline(actor: Actor, client_id: int) -> ClientTimeline:
    from intake_ai.intake.service import consent_id, existing_intake

    client = service.open_client(actor, client_id)
    consent_row = resource_store.current("Consent", consent_id(client_id))
    consent = ConsentView(
        client.consent_state, resource_store.load(consent_row) if consent_row else None
    )
    intake = existing_intake(client_id)
    page = ClientTimeline(
        client=client,
        consent=consent,
        intake=intake,
        may_record=access.is_clinician_of_record(actor, client_id),
    )
    for encounter in service.client_encounters(client_id):
        entry = SessionEntry(encounter)
        if intake is not None and intake.encounter_id == encounter.id:
            entry.intake = intake
        page.sessions.append(entry)
    return page

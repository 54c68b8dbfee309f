"""Issuing, withdrawing, opening and answering check-in links.

The clinician of record issues a link for one upcoming session of a client whose consent is
active; issuing another for the same session withdraws the first. The secret is shown once
and only its hash is kept. The client's page learns nothing about the client but the first
name the clinician chose to show. Every step is audited; a refusal on its own connection.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update

from fhir_mappings.definitions.model import Language
from intake_ai import access, audit
from intake_ai.auth.actors import Actor
from intake_ai.checkin import exports
from intake_ai.checkin.links import (
    CLIENT_DETAIL,
    LinkState,
    expiry,
    hash_of,
    new_secret,
    state_of,
)
from intake_ai.errors import ConsentRequired, InvalidInput, NotFound
from intake_ai.forms.records import response_for_encounter
from intake_ai.models import CheckIn, CheckInProposal, ConsentState, Encounter
from intake_ai.models.clients import EncounterKind
from intake_ai.store.database import session, utcnow
from intake_ai.usage_export.metrics import UsageFigures

FIRST_NAME_LENGTH = 40


@dataclass(frozen=True)
class IssuedLink:
    link: CheckIn
    #: The secret, shown this once: only its hash is stored.
    secret: str


def _session_for_link(actor: Actor, encounter_id: int) -> Encounter:
    from fhir_mappings.definitions.session_note import SESSION_NOTE

    encounter = session().get(Encounter, encounter_id)
    if encounter is None:
        raise NotFound("No such session.")
    access.require_clinician_of_record(actor, encounter.client_id)
    if encounter.client.consent_state is not ConsentState.ACTIVE:
        raise ConsentRequired(
            "A check-in link can be issued only once the client has agreed to the record "
            "(intake item 19): their answers would become part of it."
        )
    if encounter.kind is not EncounterKind.SESSION:
        raise InvalidInput({"encounter": ["Check-ins are for sessions after the intake."]})
    if encounter.start <= utcnow():
        raise InvalidInput({"encounter": ["This session has started: a check-in comes before."]})
    if response_for_encounter(encounter_id, SESSION_NOTE) is not None:
        raise InvalidInput({"encounter": ["This session already has a note."]})
    return encounter


def _first_name(raw: str | None) -> str | None:
    name = (raw or "").strip()
    if len(name) > FIRST_NAME_LENGTH:
        raise InvalidInput(
            {"first_name": [f"Keep the first name under {FIRST_NAME_LENGTH} characters."]}
        )
    return name or None


def live_links(encounter_id: int) -> list[CheckIn]:
    now = utcnow()
    links = session().scalars(
        select(CheckIn).where(
            CheckIn.encounter_id == encounter_id,
            CheckIn.revoked_at.is_(None),
            CheckIn.used_at.is_(None),
        )
    )
    return [link for link in links if state_of(link, now) is LinkState.OPEN]


def issue(actor: Actor, encounter_id: int, first_name: str | None) -> IssuedLink:
    """A new link for this session (any earlier open one is withdrawn)."""
    encounter = _session_for_link(actor, encounter_id)
    name = _first_name(first_name)
    now = utcnow()
    for earlier in live_links(encounter_id):
        earlier.revoked_at = now
        audit.record(
            "revoke-checkin",
            earlier.reference,
            client_id=encounter.client_id,
            detail="replaced by a new link",
        )
    secret = new_secret()
    link = CheckIn(
        token_hash=hash_of(secret),
        client_id=encounter.client_id,
        encounter_id=encounter.id,
        issued_by=actor.user.id,
        first_name=name,
        created_at=now,
        expires_at=expiry(now, encounter.start),
    )
    session().add(link)
    session().flush()
    audit.record("issue-checkin", link.reference, client_id=encounter.client_id)
    return IssuedLink(link, secret)


def revoke(actor: Actor, link_id: int) -> CheckIn:
    link = session().get(CheckIn, link_id)
    if link is None:
        raise NotFound("No such check-in link.")
    access.require_clinician_of_record(actor, link.client_id)
    if link.revoked_at is None and link.used_at is None:
        link.revoked_at = utcnow()
    audit.record("revoke-checkin", link.reference, client_id=link.client_id)
    return link


def links_of(actor: Actor, client_id: int) -> list[CheckIn]:
    """The client's links, newest first, for their clinician's page."""
    access.require_clinician_of_record(actor, client_id)
    return list(
        session().scalars(
            select(CheckIn).where(CheckIn.client_id == client_id).order_by(CheckIn.id.desc())
        )
    )


@dataclass(frozen=True)
class OpenLink:
    state: LinkState
    link: CheckIn | None = None
    #: This request sent the client's answers.
    sent: bool = False

    @property
    def first_name(self) -> str | None:
        return self.link.first_name if self.link is not None else None


def _find(secret: str) -> CheckIn | None:
    return session().scalars(select(CheckIn).where(CheckIn.token_hash == hash_of(secret))).first()


def usable(secret: str) -> OpenLink:
    link = _find(secret)
    state = state_of(link, utcnow())
    withdrawn = link is not None and link.client.consent_state is not ConsentState.ACTIVE
    if state is LinkState.OPEN and withdrawn:
        state = LinkState.REVOKED  # consent withdrawn since: the link is no longer usable
    return OpenLink(state, link)


def refuse(opened: OpenLink, operation: str, why: str | None = None) -> None:
    """On file, on its own connection: a link that cannot be used was tried (or answers
    that must be checked were sent)."""
    link = opened.link
    audit.record_refusal(
        operation,
        link.reference if link is not None else None,
        client_id=link.client_id if link is not None else None,
        detail=f"{CLIENT_DETAIL}: {why or opened.state.value}",
    )


def open_link(secret: str) -> OpenLink:
    """The link's state; an open link's first opening is noted. Audited either way."""
    opened = usable(secret)
    if opened.state is not LinkState.OPEN or opened.link is None:
        refuse(opened, "open-checkin")
        return opened
    link = opened.link
    if link.opened_at is None:
        link.opened_at = utcnow()
    audit.record("open-checkin", link.reference, client_id=link.client_id, detail=CLIENT_DETAIL)
    return opened


def submit(
    secret: str, data: dict[str, Any], language: Language, figures: UsageFigures | None = None
) -> OpenLink:
    """Keep the client's answers as a proposal for the note, and the figures of their
    export if they added one, and spend the link."""
    opened = usable(secret)
    if opened.state is not LinkState.OPEN or opened.link is None:
        refuse(opened, "send-checkin")
        return opened
    link = opened.link
    now = utcnow()
    # Spent in one statement: of two submissions at once, only one finds it unspent.
    spent = session().execute(
        update(CheckIn)
        .where(CheckIn.id == link.id, CheckIn.used_at.is_(None), CheckIn.revoked_at.is_(None))
        .values(used_at=now)
    )
    if getattr(spent, "rowcount", 0) != 1:
        opened = OpenLink(LinkState.USED, link)
        refuse(opened, "send-checkin")
        return opened
    session().add(
        CheckInProposal(
            checkin_id=link.id,
            client_id=link.client_id,
            encounter_id=link.encounter_id,
            payload=json.dumps(data),
            language=language,
            submitted_at=now,
        )
    )
    if figures is not None:
        exports.keep_figures(link, figures)
    session().flush()
    audit.record(
        "send-checkin",
        link.reference,
        client_id=link.client_id,
        detail=f"{CLIENT_DETAIL}: {len(data)} answers, kept for the clinician's review",
    )
    return OpenLink(LinkState.USED, link, sent=True)

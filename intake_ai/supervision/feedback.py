"""Supervisors' feedback notes for the clinician, on a client's record.

Seen by the clinician of record and the client's supervisors only (never an admin or an
integrator), audited on write and on read, and never part of the client's FHIR record.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from intake_ai import access, audit
from intake_ai.auth.actors import Actor
from intake_ai.errors import AccessDenied, InvalidInput
from intake_ai.models import FeedbackNote, User
from intake_ai.store.database import session, utcnow

MAX_LENGTH = 2000


@dataclass(frozen=True)
class FeedbackView:
    id: int
    author: str
    written: datetime
    text: str
    mine: bool


def may_read(actor: Actor, client_id: int) -> bool:
    """The clinician of record, or a supervisor of theirs."""
    if access.is_clinician_of_record(actor, client_id):
        return True
    return access.is_supervisor(actor) and access.can_view_client(actor, client_id)


def notes_for(actor: Actor, client_id: int) -> list[FeedbackView]:
    """The client's feedback notes, newest first, if this actor may read them (else none).

    The caller's audit record of the page says they were read (``read_detail``)."""
    if not may_read(actor, client_id):
        return []
    rows = session().execute(
        select(FeedbackNote, User.display_name)
        .join(User, User.id == FeedbackNote.author_id)
        .where(FeedbackNote.client_id == client_id)
        .order_by(FeedbackNote.created_at.desc(), FeedbackNote.id.desc())
    )
    return [
        FeedbackView(note.id, name, note.created_at, note.text, note.author_id == actor.user.id)
        for note, name in rows
    ]


def read_detail(notes: list[FeedbackView]) -> str | None:
    """What the page's view record adds when it showed feedback notes."""
    if not notes:
        return None
    return "feedback notes read: " + ",".join(str(n.id) for n in notes)


def leave_note(actor: Actor, client_id: int, text: str) -> FeedbackNote:
    """A supervisor of the client's clinician writes a note for them."""
    if not (access.is_supervisor(actor) and access.can_view_client(actor, client_id)):
        access.require_view_client(actor, client_id)  # a hidden client reads as not there
        raise AccessDenied("Feedback notes are written by the clinician's supervisor.")
    text = text.strip()
    if not text:
        raise InvalidInput({"feedback": ["Write the feedback for the clinician."]})
    if len(text) > MAX_LENGTH:
        raise InvalidInput({"feedback": [f"Keep this under {MAX_LENGTH} characters."]})
    note = FeedbackNote(
        client_id=client_id, author_id=actor.user.id, text=text, created_at=utcnow()
    )
    session().add(note)
    session().flush()
    # Not a FHIR resource: named in words, so the AuditEvent does not reference one.
    audit.record("create", f"feedback note {note.id}", client_id=client_id)
    return note

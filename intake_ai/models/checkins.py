"""Pre-session check-in links, what a client sent through one (answers, and the figures of
their chatbot export), and their request counters."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from intake_ai.models.clients import Client, Encounter
from intake_ai.store.database import Base, UTCDateTime, utcnow


class CheckIn(Base):
    """A single-use link a clinician gave a client before a session."""

    __tablename__ = "intake_checkin"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: SHA-256 of the link's secret: a copy of this table opens no check-in.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("intake_client.id"), index=True)
    encounter_id: Mapped[int] = mapped_column(ForeignKey("intake_encounter.id"), index=True)
    issued_by: Mapped[int] = mapped_column(ForeignKey("intake_user.id"))
    #: The only thing about the client the link's page shows, if the clinician chose one.
    first_name: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: 72 hours after issue, or the session's start if that comes first.
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    client: Mapped[Client] = relationship()
    encounter: Mapped[Encounter] = relationship()

    @property
    def reference(self) -> str:
        return f"CheckIn/{self.id}"


class CheckInProposal(Base):
    """What the client sent: a proposal for the session note, never record by itself."""

    __tablename__ = "intake_checkin_proposal"
    __table_args__ = (UniqueConstraint("checkin_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    checkin_id: Mapped[int] = mapped_column(ForeignKey("intake_checkin.id"))
    client_id: Mapped[int] = mapped_column(ForeignKey("intake_client.id"), index=True)
    encounter_id: Mapped[int] = mapped_column(ForeignKey("intake_encounter.id"), index=True)
    #: The answers as the answer schema dumps them (codes, never display text).
    payload: Mapped[str] = mapped_column(Text)
    #: The language the client answered in ("en" or "es").
    language: Mapped[str] = mapped_column(String(5))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: The session note the clinician saved with it under review, once they have.
    reviewed_in: Mapped[str | None] = mapped_column(String(64))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class CheckInExport(Base):
    """Figures counted from the chatbot export a client sent with their check-in, waiting
    for the clinician's review. Once saved as Observations or discarded, the figures are
    dropped; the row stays, so that what became of them (and whose they were) is known."""

    __tablename__ = "intake_checkin_export"
    __table_args__ = (UniqueConstraint("checkin_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    checkin_id: Mapped[int] = mapped_column(ForeignKey("intake_checkin.id"))
    client_id: Mapped[int] = mapped_column(ForeignKey("intake_client.id"), index=True)
    encounter_id: Mapped[int] = mapped_column(ForeignKey("intake_encounter.id"), index=True)
    #: "chatgpt" or "claude".
    provider: Mapped[str] = mapped_column(String(20))
    #: The derived figures only (per day, per week, totals) as JSON: never a message's
    #: text, never the file's name. None once reviewed.
    figures: Mapped[str | None] = mapped_column(Text)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: When the clinician saved or discarded them.
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The summary Observation they were saved as (None if discarded).
    saved_as: Mapped[str | None] = mapped_column(String(64))

    @property
    def reference(self) -> str:
        return f"CheckInExport/{self.id}"


class CheckInThrottle(Base):
    """Requests to check-in pages in the current window, per link and per address."""

    __tablename__ = "intake_checkin_throttle"
    __table_args__ = (
        UniqueConstraint("kind", "key"),
        Index("ix_intake_checkin_throttle_window", "window_start"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: "link" (the hash of the secret tried, known or not) or "address" (the client's IP).
    kind: Mapped[str] = mapped_column(String(10))
    key: Mapped[str] = mapped_column(String(80))
    window_start: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    hits: Mapped[int] = mapped_column(Integer, default=0)

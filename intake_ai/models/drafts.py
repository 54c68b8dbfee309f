"""Unfinished forms. A draft is saved only once the client has agreed (consent gate)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from intake_ai.store.database import Base, UTCDateTime, utcnow


class Draft(Base):
    __tablename__ = "intake_draft"
    __table_args__ = (UniqueConstraint("encounter_id", "form"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("intake_client.id"), index=True)
    encounter_id: Mapped[int] = mapped_column(ForeignKey("intake_encounter.id"))
    #: Which definition the answers belong to ("intake" or "session-note").
    form: Mapped[str] = mapped_column(String(40))
    author_id: Mapped[int] = mapped_column(ForeignKey("intake_user.id"))
    #: The answers as JSON, exactly as the form schema dumps them.
    payload: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

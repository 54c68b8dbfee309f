"""The language each client reads, set by their clinician on the client's page."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from intake_ai.store.database import Base, UTCDateTime, utcnow


class ClientLanguage(Base):
    """A client without a row reads English."""

    __tablename__ = "intake_client_language"

    client_id: Mapped[int] = mapped_column(ForeignKey("intake_client.id"), primary_key=True)
    #: "en" or "es": their forms, check-in pages and Questionnaire texts use it.
    language: Mapped[str] = mapped_column(String(5))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

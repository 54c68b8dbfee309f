"""A supervisor's feedback notes to the clinician on a client's record.

Not a FHIR resource: a conversation between clinician and supervisor about the care, kept
out of the client's FHIR record, the API and every export (there is no "share").
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, Text
from sqlalchemy.orm import Mapped, mapped_column

from intake_ai.store.database import Base, UTCDateTime, utcnow


class FeedbackNote(Base):
    __tablename__ = "intake_feedback_note"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("intake_client.id"), index=True)
    #: The supervisor who wrote it.
    author_id: Mapped[int] = mapped_column(ForeignKey("intake_user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    text: Mapped[str] = mapped_column(Text)

"""Bulk export jobs ($export): what was asked, by whom, as of when."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from intake_ai.store.database import Base, UTCDateTime, utcnow


class ExportJob(Base):
    __tablename__ = "intake_export_job"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("intake_user.id"))
    token_id: Mapped[int | None] = mapped_column(Integer)
    #: "system" (/$export) or "patient" (/Patient/$export).
    level: Mapped[str] = mapped_column(String(20))
    #: Comma-separated resource types.
    types: Mapped[str] = mapped_column(String(400))
    since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The files hold the data as it stood at this instant, however long the download takes.
    transaction_time: Mapped[datetime] = mapped_column(UTCDateTime)
    request_url: Mapped[str] = mapped_column(String(2000))
    #: "complete" or "cancelled".
    status: Mapped[str] = mapped_column(String(20), default="complete")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

"""Bulk export jobs ($export): what was asked, by whom, as of when."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from intake_ai.store.database import Base, UTCDateTime, utcnow


class ExportJob(Base):
    __tablename__ = "intake_export_job"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("intake_user.id"))
    token_id: Mapped[int | None] = mapped_column(Integer)
    #: "system" (/$export), "patient" (/Patient/$export) or "group" (/Group/[id]/$export).
    level: Mapped[str] = mapped_column(String(20))
    #: The Group whose members are exported (level "group").
    group_id: Mapped[str | None] = mapped_column(String(64))
    #: Comma-separated resource types.
    types: Mapped[str] = mapped_column(String(400))
    since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The files hold the data as it stood at this instant, however long the download takes.
    transaction_time: Mapped[datetime] = mapped_column(UTCDateTime)
    request_url: Mapped[str] = mapped_column(String(2000))
    #: _typeFilter queries as JSON ``{type: [query, ...]}``, checked at kick-off.
    type_filters: Mapped[str | None] = mapped_column(Text)
    #: The ``patient`` parameter's client ids, comma-separated (None: every patient).
    patient_ids: Mapped[str | None] = mapped_column(Text)
    #: What was asked but not exported, as JSON OperationOutcome issues (the error file).
    issues: Mapped[str | None] = mapped_column(Text)
    #: "complete" or "cancelled".
    status: Mapped[str] = mapped_column(String(20), default="complete")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

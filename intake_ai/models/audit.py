"""Audit records: who did what to which record, when, from where, and how it ended.

Never holds clinical content: the entity is a reference, the detail a description
of the operation (search parameter names, not their values).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from intake_ai.models.store import BigIntegerPK
from intake_ai.store.database import Base, UTCDateTime, utcnow


class AuditRecord(Base):
    __tablename__ = "intake_audit"
    __table_args__ = (
        Index("ix_intake_audit_recorded", "recorded", "id"),
        Index("ix_intake_audit_client", "client_id", "recorded"),
    )

    id: Mapped[int] = mapped_column(BigIntegerPK, primary_key=True, autoincrement=True)
    recorded: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    user_id: Mapped[int | None] = mapped_column(Integer)
    token_id: Mapped[int | None] = mapped_column(Integer)
    #: Username at the time (kept even if the user is later renamed or removed).
    agent_name: Mapped[str] = mapped_column(String(80))
    agent_role: Mapped[str] = mapped_column(String(20))
    #: FHIR AuditEvent.action: C, R, U, D or E (execute: search, export, login).
    action: Mapped[str] = mapped_column(String(1))
    #: What exactly: read, vread, search, history, create, update, delete, purge, export, ...
    operation: Mapped[str] = mapped_column(String(40))
    #: The record touched ("Observation/abc") or a page ("client/12"); None for a type search.
    entity: Mapped[str | None] = mapped_column(String(160))
    entity_type: Mapped[str | None] = mapped_column(String(40))
    client_id: Mapped[int | None] = mapped_column(BigInteger)
    #: FHIR AuditEvent.outcome: 0 success, 4 minor failure (refused, invalid), 8 serious, 12 major.
    outcome: Mapped[str] = mapped_column(String(2))
    source_ip: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(200))
    detail: Mapped[str | None] = mapped_column(String(500))


class DrainedSegment(Base):
    """A read-audit journal segment whose entries are in ``intake_audit``.

    Written in the same transaction as the entries, so that a drain cut short between its
    commit and the segment's removal is never drained twice.
    """

    __tablename__ = "intake_audit_drained"

    segment: Mapped[str] = mapped_column(String(100), primary_key=True)
    drained: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

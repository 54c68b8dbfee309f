"""The ids of CDS Hooks request tokens already used, so that each is accepted once."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from intake_ai.store.database import Base, UTCDateTime


class UsedCdsToken(Base):
    """A CDS client's request JWT ``jti``, kept until the token expires."""

    __tablename__ = "intake_cds_used_jti"
    __table_args__ = (Index("ix_intake_cds_used_jti_expires_at", "expires_at"),)

    #: The configured CDS client (its ``iss``).
    issuer: Mapped[str] = mapped_column(String(255), primary_key=True)
    jti: Mapped[str] = mapped_column(String(255), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)

"""SMART Backend Services clients an admin registered, and the assertion ids they used.

A registration names the integrator user its tokens act for, the public keys its client
assertions are checked against, and the most it may ask for; its tokens are ``ApiToken``
rows pointing back at it, so disabling it ends them too.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from intake_ai.models.users import User
from intake_ai.store.database import Base, UTCDateTime, utcnow


class SmartClient(Base):
    __tablename__ = "intake_smart_client"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: The OAuth ``client_id``: the ``iss`` and ``sub`` of the client's assertions.
    client_id: Mapped[str] = mapped_column(String(120), unique=True)
    #: What the registration is for, shown to admins.
    label: Mapped[str] = mapped_column(String(200))
    #: The integrator user the client's tokens act for: they never see more than it may.
    user_id: Mapped[int] = mapped_column(ForeignKey("intake_user.id"), index=True)
    #: The client's public JSON Web Key Set, as the admin registered it (JSON text).
    jwks: Mapped[str] = mapped_column(Text)
    #: Space-separated system scopes, the most a token request may be granted.
    scopes: Mapped[str] = mapped_column(String(2000))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()


class UsedAssertion(Base):
    """A client assertion's ``jti``, kept until the assertion expires, so it is used once."""

    __tablename__ = "intake_smart_used_jti"
    __table_args__ = (Index("ix_intake_smart_used_jti_expires_at", "expires_at"),)

    smart_client_id: Mapped[int] = mapped_column(
        ForeignKey("intake_smart_client.id"), primary_key=True
    )
    jti: Mapped[str] = mapped_column(String(255), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)

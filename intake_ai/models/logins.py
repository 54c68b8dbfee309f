"""Sign-ins to the module's own pages: server-side sessions, failed-attempt counters, and
the second factor (TOTP secret and recovery codes) of the people who set one up.

Only used when the module signs people in itself (the host passed no ``current_user=``).
Each row goes with its user (``ON DELETE CASCADE``): none of it outlives the account.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from intake_ai.store.database import Base, UTCDateTime, utcnow


class LoginSession(Base):
    """One sign-in in one browser. The browser's cookie carries only the random id."""

    __tablename__ = "intake_login_session"
    __table_args__ = (UniqueConstraint("id_hash"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: SHA-256 of the random session id: a copy of this table signs nobody in.
    id_hash: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[int] = mapped_column(
        ForeignKey("intake_user.id", ondelete="CASCADE"), index=True
    )
    #: "signed-in"; or a step still to take: "code" (second factor), "enrol" (set one up).
    stage: Mapped[str] = mapped_column(String(20))
    #: SHA-256 of the user's password hash at sign-in: a new password ends the session.
    credential_stamp: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Why it ended: "signed-out", "idle", "lifetime", "replaced", "ended-by-admin", ...
    end_reason: Mapped[str | None] = mapped_column(String(20))


class LoginThrottle(Base):
    """Failed sign-ins counted per account name tried, and per client address."""

    __tablename__ = "intake_login_throttle"
    __table_args__ = (
        UniqueConstraint("kind", "key"),
        Index("ix_intake_login_throttle_last_failure_at", "last_failure_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: "account" (the username typed, known or not) or "address" (the client's IP).
    kind: Mapped[str] = mapped_column(String(10))
    key: Mapped[str] = mapped_column(String(80))
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_failure_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: No attempt is heard before this instant (a growing delay, then a lock).
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)


class SecondFactor(Base):
    """A user's TOTP secret. Unconfirmed until the user typed a code from the app."""

    __tablename__ = "intake_second_factor"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("intake_user.id", ondelete="CASCADE"), primary_key=True
    )
    #: The confirmed secret (base32), or None before the first enrolment is confirmed.
    secret: Mapped[str | None] = mapped_column(String(64))
    #: A new secret shown at enrolment, waiting for its first code.
    pending_secret: Mapped[str | None] = mapped_column(String(64))
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The TOTP time step of the last code accepted: that code and older ones never again.
    last_step: Mapped[int | None] = mapped_column(Integer)


class RecoveryCode(Base):
    """A single-use code for signing in without the authenticator; only its SHA-256 is kept."""

    __tablename__ = "intake_recovery_code"
    __table_args__ = (UniqueConstraint("code_hash"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("intake_user.id", ondelete="CASCADE"), index=True
    )
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

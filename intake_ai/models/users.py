"""People who use the module, how they relate, and the API tokens they hold."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Boolean, Enum, ForeignKey, Integer, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from intake_ai.store.database import Base, UTCDateTime, utcnow


class Role(enum.StrEnum):
    CLINICIAN = "clinician"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"
    INTEGRATOR = "integrator"


class User(Base):
    __tablename__ = "intake_user"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: Login name; also Practitioner.identifier for clinicians and supervisors.
    username: Mapped[str] = mapped_column(String(80), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[Role] = mapped_column(
        Enum(
            Role,
            native_enum=False,
            create_constraint=True,
            name="role",
            length=20,
            values_callable=lambda roles: [r.value for r in roles],
        )
    )
    #: None for a user who only signs in through the host EHR.
    password_hash: Mapped[str | None] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    #: Set by an admin's reset (or a temporary password): every page sends the user to
    #: change it until they do.
    must_change_password: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    tokens: Mapped[list[ApiToken]] = relationship(back_populates="user")

    def set_password(self, password: str, method: str = "scrypt") -> None:
        self.password_hash = generate_password_hash(password, method=method)

    def check_password(self, password: str) -> bool:
        return self.password_hash is not None and check_password_hash(self.password_hash, password)

    # Flask-Login's user protocol.
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return str(self.id)

    @property
    def practitioner_ref(self) -> str:
        return f"Practitioner/{self.id}"


class Supervision(Base):
    """A supervisor reviews this clinician's caseload."""

    __tablename__ = "intake_supervision"

    supervisor_id: Mapped[int] = mapped_column(ForeignKey("intake_user.id"), primary_key=True)
    clinician_id: Mapped[int] = mapped_column(
        ForeignKey("intake_user.id"), primary_key=True, index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ApiToken(Base):
    """A bearer token for an API client; only its SHA-256 is kept."""

    __tablename__ = "intake_api_token"
    __table_args__ = (UniqueConstraint("token_hash"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    #: The token acts for this user: it never sees more than the user could.
    user_id: Mapped[int] = mapped_column(ForeignKey("intake_user.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64))
    #: Space-separated SMART scopes, e.g. ``system/Observation.read system/*.read``.
    scopes: Mapped[str] = mapped_column(String(2000))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: When the token last authenticated an API call, to the minute (written at most once a
    #: minute per token, so that reads do not each cost a write).
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Set for a token a SMART backend client obtained (``smart/``); None for the operator's.
    smart_client_id: Mapped[int | None] = mapped_column(
        ForeignKey("intake_smart_client.id"), index=True
    )

    user: Mapped[User] = relationship(back_populates="tokens")

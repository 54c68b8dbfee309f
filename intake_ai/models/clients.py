"""Clients (references to the host EHR's patients), their clinicians and their sessions."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Boolean, Enum, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from intake_ai.store.database import Base, UTCDateTime, utcnow


class ConsentState(enum.StrEnum):
    """Mirror of the client's latest Consent resource, kept for fast filtering."""

    NONE = "none"  # never asked
    PROPOSED = "proposed"  # "I'd like to discuss first"
    ACTIVE = "active"  # "I agree"
    REJECTED = "rejected"  # discussed and declined


class Client(Base):
    __tablename__ = "intake_client"
    # Every API query filters on consent; without it SQLite indexes the table afresh each time.
    __table_args__ = (Index("ix_intake_client_consent_state", "consent_state", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: The host EHR's patient id (Patient.identifier.value); the only link to its record.
    ehr_patient_id: Mapped[str] = mapped_column(String(64), unique=True)
    #: Shown to the clinician of record; never served over the API.
    display_name: Mapped[str] = mapped_column(String(200))
    #: Shown on the supervisor's caseload table until the client is opened.
    pseudonym: Mapped[str] = mapped_column(String(40))
    #: Under 18: guardian consent applies and some answers raise a flag (clinical content §1, §3).
    is_minor: Mapped[bool] = mapped_column(Boolean, default=False)
    consent_state: Mapped[ConsentState] = mapped_column(
        Enum(
            ConsentState,
            native_enum=False,
            create_constraint=True,
            name="consent_state",
            length=20,
            values_callable=lambda states: [s.value for s in states],
        ),
        default=ConsentState.NONE,
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    encounters: Mapped[list[Encounter]] = relationship(
        back_populates="client", order_by="Encounter.start"
    )

    @property
    def patient_ref(self) -> str:
        return f"Patient/{self.id}"


class CareAssignment(Base):
    """This clinician is a clinician of record for this client."""

    __tablename__ = "intake_care_assignment"

    clinician_id: Mapped[int] = mapped_column(ForeignKey("intake_user.id"), primary_key=True)
    client_id: Mapped[int] = mapped_column(
        ForeignKey("intake_client.id"), primary_key=True, index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class EncounterKind(enum.StrEnum):
    INTAKE = "intake"
    SESSION = "session"


class Encounter(Base):
    """One therapy session, dated."""

    __tablename__ = "intake_encounter"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("intake_client.id"), index=True)
    clinician_id: Mapped[int] = mapped_column(ForeignKey("intake_user.id"))
    start: Mapped[datetime] = mapped_column(UTCDateTime)
    kind: Mapped[EncounterKind] = mapped_column(
        Enum(
            EncounterKind,
            native_enum=False,
            create_constraint=True,
            name="encounter_kind",
            length=20,
            values_callable=lambda kinds: [k.value for k in kinds],
        )
    )
    #: The host EHR's encounter id, when it has one.
    ehr_encounter_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    client: Mapped[Client] = relationship(back_populates="encounters")

    @property
    def encounter_ref(self) -> str:
        return f"Encounter/{self.id}"

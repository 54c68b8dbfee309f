"""The FHIR resource store: one row per resource version.

The JSON is stored as the exact bytes served by a read, so reads never re-validate
or re-serialise. The other columns are an index of what searches, charts and the
access policy need; they are written from the resource in the same transaction.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    ColumnElement,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from intake_ai.store.database import Base, UTCDateTime

# SQLite only auto-increments a column declared exactly INTEGER PRIMARY KEY.
BigIntegerPK = BigInteger().with_variant(Integer(), "sqlite")

#: The partial indexes' predicate, as each database compares a boolean column. Queries
#: say ``StoredResource.is_current`` (the bare column), which renders the same way, so the
#: planners can see that these indexes apply.
_CURRENT: dict[str, Any] = {
    "sqlite_where": text("is_current = 1"),
    "postgresql_where": text("is_current"),
}


class StoredResource(Base):
    __tablename__ = "intake_resource"
    __table_args__ = (
        UniqueConstraint("resource_type", "resource_id", "version_id"),
        # Searches read current versions only; these partial indexes stay small.
        # Carries deleted and status: a patient search counts and filters from the index.
        Index(
            "ix_intake_resource_subject",
            "resource_type",
            "client_id",
            "pk",
            "deleted",
            "status",
            **_CURRENT,
        ),
        Index("ix_intake_resource_code", "resource_type", "code", "pk", **_CURRENT),
        Index("ix_intake_resource_encounter", "resource_type", "encounter_id", **_CURRENT),
        Index("ix_intake_resource_effective", "resource_type", "effective", "pk", **_CURRENT),
        Index("ix_intake_resource_type_pk", "resource_type", "pk", **_CURRENT),
        # Per-client series of one code (charts, the dashboard's latest scores and notes);
        # it carries the values too, so those queries never touch the table itself.
        Index(
            "ix_intake_resource_code_client",
            "resource_type",
            "code",
            "client_id",
            "effective",
            "value_code",
            "value_num",
            "resource_id",
            "status",
            "deleted",
            "pk",
            **_CURRENT,
        ),
        # Open flags only (few at any time): the dashboard's flag counts and "review now"
        # queue read them per client without visiting every flag ever raised.
        Index(
            "ix_intake_resource_open_flag",
            "client_id",
            "code",
            "effective",
            "resource_id",
            "deleted",
            sqlite_where=text("is_current = 1 AND resource_type = 'Flag' AND status = 'active'"),
            postgresql_where=text("is_current AND resource_type = 'Flag' AND status = 'active'"),
        ),
        Index("ix_intake_resource_last_updated", "last_updated", "pk"),
        Index("ix_intake_resource_derived_from", "derived_from"),
    )

    #: Insertion order; the tie-breaker of every keyset page.
    pk: Mapped[int] = mapped_column(BigIntegerPK, primary_key=True, autoincrement=True)
    resource_type: Mapped[str] = mapped_column(String(40))
    resource_id: Mapped[str] = mapped_column(String(64))
    version_id: Mapped[int] = mapped_column(Integer)
    #: True on the newest version of each resource (tombstones included).
    is_current: Mapped[bool] = mapped_column(Boolean)
    #: A purge leaves a tombstone (no content) so reads answer 410 Gone; it keeps the
    #: client, so only a reader who could have seen the record hears that it was there.
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    client_id: Mapped[int | None] = mapped_column(ForeignKey("intake_client.id"))
    encounter_id: Mapped[int | None] = mapped_column(Integer)
    code_system: Mapped[str | None] = mapped_column(String(200))
    code: Mapped[str | None] = mapped_column(String(200))
    category_system: Mapped[str | None] = mapped_column(String(200))
    category: Mapped[str | None] = mapped_column(String(64))
    #: The answer as a code or number, so charts can aggregate in SQL.
    value_code: Mapped[str | None] = mapped_column(String(120))
    value_num: Mapped[float | None] = mapped_column(Float)
    status: Mapped[str | None] = mapped_column(String(32))
    effective: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The first derivedFrom: the response of an extracted answer, the indicator of a review.

    derived_from: Mapped[str | None] = mapped_column(String(120))
    last_updated: Mapped[datetime] = mapped_column(UTCDateTime)
    #: When a newer version replaced this one; a bulk export's snapshot reads by it.
    superseded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    author_id: Mapped[int | None] = mapped_column(Integer)
    content: Mapped[bytes | None] = mapped_column(LargeBinary)

    @property
    def reference(self) -> str:
        return f"{self.resource_type}/{self.resource_id}"


def current_version() -> ColumnElement[bool]:
    """ "Current version" as the queries must say it: the bare column, so that it renders as
    the partial indexes' predicate (``is_current = 1`` on SQLite) and they are used."""
    return StoredResource.__table__.c.is_current

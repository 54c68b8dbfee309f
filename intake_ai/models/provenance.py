"""What each stored Provenance is about: one row per target, so ``Provenance?target=``
finds it whichever of its records is asked about (a resource row has one index value)."""

from __future__ import annotations

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from intake_ai.models.store import BigIntegerPK
from intake_ai.store.database import Base


class ProvenanceTarget(Base):
    __tablename__ = "intake_provenance_target"
    __table_args__ = (Index("ix_intake_provenance_target_target", "target", "resource_pk"),)

    #: The Provenance version's row.
    resource_pk: Mapped[int] = mapped_column(
        BigIntegerPK, ForeignKey("intake_resource.pk"), primary_key=True
    )
    #: A target as ``Type/id`` (its version left out: searches name the record).
    target: Mapped[str] = mapped_column(String(160), primary_key=True)

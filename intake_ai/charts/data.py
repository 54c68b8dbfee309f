"""The data the charts plot: plain values, filled by the queries, drawn by the figures."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from fhir_mappings.definitions.risk import band_for


@dataclass
class SessionPoint:
    when: datetime
    days: str | None = None
    time: str | None = None
    reliance: float | None = None
    score: int | None = None
    indicator_ref: str | None = None
    #: The clinician's band where the latest review overrode the computed one.
    override_band: str | None = None

    @property
    def band(self) -> str | None:
        return band_for(self.score).code if self.score is not None else None


@dataclass(frozen=True)
class FlagPoint:
    when: datetime
    code: str
    acknowledged: bool


@dataclass
class ClientTrends:
    sessions: list[SessionPoint] = field(default_factory=list)
    flags: list[FlagPoint] = field(default_factory=list)
    #: (session date, purpose code) -> how many answers named it (intake row or note choice).
    purposes: dict[tuple[datetime, str], int] = field(default_factory=dict)

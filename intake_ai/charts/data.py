"""The data the charts plot: plain values, filled by the queries, drawn by the figures."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from fhir_mappings.definitions.risk import band_for

#: The intake's "how often" answers that count as using AI for a purpose (never does not).
USED = ("freq-sometimes", "freq-often")


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


@dataclass(frozen=True)
class ExportWeekPoint:
    """One week measured from the client's export (the Observation's period start)."""

    when: datetime
    provider: str
    active_days: int
    #: Estimated minutes on a day of use; None in a week without use.
    minutes_per_day: int | None


@dataclass
class ClientTrends:
    sessions: list[SessionPoint] = field(default_factory=list)
    flags: list[FlagPoint] = field(default_factory=list)
    #: The intake's purposes used sometimes or often: (intake date, purpose code) -> how
    #: often (a code of the purpose-frequency list).
    intake_purposes: dict[tuple[datetime, str], str] = field(default_factory=dict)
    #: The session notes' main purposes: (session date, purpose code).
    note_purposes: set[tuple[datetime, str]] = field(default_factory=set)
    #: Weeks measured from the client's own chatbot export, shown beside what they said.
    export_weeks: list[ExportWeekPoint] = field(default_factory=list)

    def moments(self) -> list[datetime]:
        """Every date a chart could show: all of a client's charts share one date range."""
        return sorted(
            {p.when for p in self.sessions}
            | {f.when for f in self.flags}
            | {when for when, _code in self.intake_purposes}
            | {when for when, _code in self.note_purposes}
            | {w.when for w in self.export_weeks}
        )

    @property
    def empty(self) -> bool:
        """Nothing recorded that a chart could show."""
        return not (
            self.sessions
            or self.flags
            or self.intake_purposes
            or self.note_purposes
            or self.export_weeks
        )

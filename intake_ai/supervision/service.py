"""The supervisor's dashboard: their supervisees' caseloads only, by pseudonym until opened.

Numbers come from SQL aggregation (``queries.py``); the rules that read them (trend arrow,
rising risk, small-group suppression) are small pure functions here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from flask import current_app
from sqlalchemy import Select, select

from fhir_mappings.definitions.risk import BANDS, FLAG_KINDS, flag_kind
from intake_ai import access, audit
from intake_ai.auth.actors import Actor
from intake_ai.errors import AccessDenied, InvalidInput
from intake_ai.models import CareAssignment, Client, Supervision, User
from intake_ai.risk.courses import EMPTY, courses
from intake_ai.risk.trend import BAND_ORDER, Score, rising_reasons, trend_arrow
from intake_ai.store.database import session, utcnow
from intake_ai.supervision import queries
from intake_ai.supervision.queries import Period

#: Aggregates hide any group smaller than this (clinical content, section 4).
MIN_GROUP = 5
REVIEW_NOW = frozenset(k.code for k in FLAG_KINDS if k.urgency == "review-now")

# The trend and rising-risk rules live in risk/trend.py, shared with the client page and
# the worklist; re-exported here for the dashboard's callers.
__all__ = ["Score", "rising_reasons", "trend_arrow"]


@dataclass(frozen=True)
class FlagCounts:
    count: int
    review_now: int
    oldest: datetime


def flag_counts(flags: Sequence[queries.OpenFlag]) -> dict[int, FlagCounts]:
    """Per client: open flags, how many of them say "review now", the oldest one's date."""
    # Plain lists while counting: one object per client, not one per flag.
    tally: dict[int, list[Any]] = {}
    for client_id, _flag_id, code, raised in flags:
        seen = tally.get(client_id)
        urgent = 1 if code in REVIEW_NOW else 0
        if seen is None:
            tally[client_id] = [1, urgent, raised]
        else:
            seen[0] += 1
            seen[1] += urgent
            if raised < seen[2]:
                seen[2] = raised
    return {client_id: FlagCounts(*counts) for client_id, counts in tally.items()}


def waiting(flags: Sequence[queries.OpenFlag], before: datetime) -> list[queries.OpenFlag]:
    """The "review now" flags raised before ``before``, oldest first."""
    return sorted(
        (f for f in flags if f.code in REVIEW_NOW and f.raised <= before),
        key=lambda f: f.raised,
    )


def suppress_small(counts: dict[str, int], minimum: int = MIN_GROUP) -> dict[str, int | None]:
    """Counts with every group under ``minimum`` hidden (None), so no small group shows."""
    return {key: (n if n >= minimum else None) for key, n in counts.items()}


@dataclass
class CaseloadRow:
    client_id: int
    pseudonym: str
    clinician: str
    score: int | None
    band: str | None
    arrow: str
    last_note: datetime | None
    open_flags: int
    review_now: int
    #: How long the oldest open flag has waited.
    oldest_flag_age: timedelta | None
    overridden: bool
    rising: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class QueuedFlag:
    client_id: int
    pseudonym: str
    clinician: str
    display: str
    age: timedelta


@dataclass
class Dashboard:
    rows: list[CaseloadRow]
    queue: list[QueuedFlag]
    queue_hours: int
    not_discussed: list[CaseloadRow]
    #: (clinician, reviews, overrides): a calibration aid, never a performance score.
    override_rates: list[tuple[str, int, int]]
    bands: dict[str, int | None]
    purposes: dict[str, int | None]
    supervisees: list[Supervisee]
    clinician_id: int | None
    period: Period

    @property
    def rising(self) -> list[CaseloadRow]:
        return [row for row in self.rows if row.rising]


class Supervisee(NamedTuple):
    id: int
    display_name: str


def supervisees(actor: Actor) -> list[Supervisee]:
    """Plain rows, not ORM objects: the page is drawn after the transaction ends, when each
    User would be reloaded one query at a time."""
    return [
        Supervisee(user_id, name)
        for user_id, name in session().execute(
            select(User.id, User.display_name)
            .join(Supervision, Supervision.clinician_id == User.id)
            .where(Supervision.supervisor_id == actor.user.id)
            .order_by(User.display_name)
        )
    ]


def _caseload(actor: Actor, clinician_id: int | None) -> Select[int]:
    visible = access.visible_client_ids(actor)
    if clinician_id is None:
        return visible
    return select(CareAssignment.client_id).where(
        CareAssignment.clinician_id == clinician_id, CareAssignment.client_id.in_(visible)
    )


def _row_order(row: CaseloadRow) -> tuple[int, int, int, str]:
    band_rank = BAND_ORDER.get(row.band or "", -1)
    return (-row.review_now, -band_rank, -row.open_flags, row.pseudonym)


def dashboard(
    actor: Actor, clinician_id: int | None = None, period: Period | None = None
) -> Dashboard:
    if not access.is_supervisor(actor):
        raise AccessDenied("The caseload dashboard is for supervisors.")
    period = period or Period()
    team = supervisees(actor)
    if clinician_id is not None and clinician_id not in {u.id for u in team}:
        raise InvalidInput({"clinician": ["Choose one of your supervisees."]})
    caseload = queries.Caseload.of(_caseload(actor, clinician_id))
    now = utcnow()
    clients = (
        session()
        .connection()
        .execute(
            select(Client.id, Client.pseudonym, User.display_name)
            .join(CareAssignment, CareAssignment.client_id == Client.id)
            .join(User, User.id == CareAssignment.clinician_id)
            .where(caseload.holds(Client.id))
            .order_by(Client.pseudonym)
        )
        .all()
    )
    read = courses(caseload, period)
    reviews = queries.latest_reviews(caseload)
    notes = queries.last_note_dates(caseload, period)
    raised = queries.open_flags(caseload)
    flags = flag_counts(raised)
    rows = []
    for client_id, pseudonym, clinician in clients:
        course, latest_ref = read.get(client_id, (EMPTY, None))
        reviewed = reviews.get(latest_ref or "")
        open_flags = flags.get(client_id)
        rows.append(
            CaseloadRow(
                client_id=client_id,
                pseudonym=pseudonym,
                clinician=clinician,
                score=course.score,
                band=course.band,
                arrow=course.arrow,
                last_note=notes.get(client_id),
                open_flags=open_flags.count if open_flags else 0,
                review_now=open_flags.review_now if open_flags else 0,
                oldest_flag_age=(now - open_flags.oldest) if open_flags else None,
                overridden=bool(course.band and reviewed and reviewed != course.band),
                rising=course.rising,
            )
        )
    rows.sort(key=_row_order)
    by_id = {row.client_id: row for row in rows}
    hours = int(current_app.config["INTAKE_AI_FLAG_QUEUE_HOURS"])
    queue = [
        QueuedFlag(
            flag.client_id,
            by_id[flag.client_id].pseudonym,
            by_id[flag.client_id].clinician,
            flag_kind(flag.code).display,
            now - flag.raised,
        )
        for flag in waiting(raised, now - timedelta(hours=hours))
        if flag.client_id in by_id
    ]

    names = {u.id: u.display_name for u in team}
    band_counts: dict[str, int] = {band.code: 0 for band in BANDS}
    for row in rows:
        if row.band:
            band_counts[row.band] += 1
    audit.record("search-type", "Client", detail="supervisor dashboard")
    return Dashboard(
        rows=rows,
        queue=queue,
        queue_hours=hours,
        not_discussed=[by_id[c] for c in queries.not_discussed_running(caseload) if c in by_id],
        override_rates=[
            (names.get(author, "former clinician"), n, o)
            for author, n, o in queries.override_rates(caseload, period)
        ],
        bands=suppress_small(band_counts),
        purposes=suppress_small(queries.purpose_mix(caseload, period)),
        supervisees=team,
        clinician_id=clinician_id,
        period=period,
    )

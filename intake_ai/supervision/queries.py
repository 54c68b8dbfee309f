"""The supervisor dashboard's numbers, aggregated in SQL over the store's index columns.

Each query is limited to the caseload it is given (client ids the access policy allows), and
reads only index columns: the stored JSON is never loaded to build the dashboard. They
run on the session's connection (Core rows): through the ORM's result machinery the rows
of a 10,000-client caseload cost more than the database took to find them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    and_,
    any_,
    bindparam,
    case,
    func,
    literal,
    or_,
    select,
    union,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import QueryableAttribute

from fhir_mappings.definitions import answer_lists as lists
from fhir_mappings.definitions.risk import BANDS, INDICATOR, INDICATOR_REVIEW
from intake_ai.models import StoredResource
from intake_ai.models.store import current_version
from intake_ai.store.database import session

R = StoredResource
Column = ColumnElement[Any] | QueryableAttribute[Any]


@dataclass(frozen=True)
class Caseload:
    """The client ids to aggregate over, in the form each database plans well.

    PostgreSQL hash-joins every client's rows in the practice against a subquery but probes
    the index per client given the ids (a 1,000-client caseload among 10,000 clients: the
    two slowest queries 91 and 55 ms with the subquery, 40 and 20 ms with the ids); SQLite is
    the other way round (the whole dashboard 100 ms with the subquery, 415 ms with the ids).
    The ids go as one array parameter: psycopg caches the parsing of short statements
    only, and an IN list of 1,000 placeholders was parsed afresh by every query (77 ms of
    each dashboard).

    Rows that are few in the whole practice (open flags) are the exception: there the
    subquery lets PostgreSQL read the small open-flag index once and hash-join it (1.4 ms),
    where given the ids it visits every flag ever raised (60-180 ms).
    """

    query: Select[Any]
    ids: Sequence[int] | None = None

    @classmethod
    def of(cls, caseload: Select[Any]) -> Caseload:
        if session().get_bind().dialect.name == "postgresql":
            return cls(caseload, list(session().scalars(caseload)))
        return cls(caseload)

    def holds(self, column: Column) -> ColumnElement[bool]:
        """``column`` is one of the caseload's clients (for per-client series)."""
        if self.ids is None:
            return column.in_(self.query)
        return column == any_(bindparam("caseload", list(self.ids), type_=ARRAY(Integer)))

    def joins(self, column: Column) -> ColumnElement[bool]:
        """The same, for rows that are few across the practice (see above)."""
        return column.in_(self.query)


#: How many recent indicators per client the trend rules look at (``risk/trend.py``).
RECENT = 4


@dataclass(frozen=True)
class Period:
    start: datetime | None = None
    end: datetime | None = None

    def clauses(self, column: Any) -> list[ColumnElement[bool]]:
        found = []
        if self.start is not None:
            found.append(column >= self.start)
        if self.end is not None:
            found.append(column < self.end)
        return found


def _live(resource_type: str) -> list[ColumnElement[bool]]:
    return [
        R.resource_type == resource_type,
        current_version(),
        R.deleted.is_(False),
        or_(R.status.is_(None), R.status != "entered-in-error"),
    ]


def band_of(score: ColumnElement[float]) -> ColumnElement[str]:
    """The band of a score, in SQL, from the same band table the rules use."""
    return case(
        *((score <= band.high, literal(band.code)) for band in BANDS[:-1]),
        else_=literal(BANDS[-1].code),
    )


def recent_scores(caseload: Caseload, period: Period) -> list[tuple[int, datetime, int, str]]:
    """(client, session date, score, indicator id) of each client's latest indicators."""
    ranked = (
        select(
            R.client_id,
            R.effective,
            R.value_num,
            R.resource_id,
            func.row_number()
            .over(partition_by=R.client_id, order_by=(R.effective.desc(), R.pk.desc()))
            .label("rn"),
        )
        .where(
            *_live("Observation"),
            R.code == INDICATOR.code,
            caseload.holds(R.client_id),
            *period.clauses(R.effective),
        )
        .subquery()
    )
    rows = (
        session()
        .connection()
        .execute(
            select(ranked.c.client_id, ranked.c.effective, ranked.c.value_num, ranked.c.resource_id)
            .where(ranked.c.rn <= RECENT)
            .order_by(ranked.c.client_id, ranked.c.effective.desc(), ranked.c.rn)
        )
        .all()
    )
    return [(c, e, int(s or 0), i) for c, e, s, i in rows]


def latest_reviews(caseload: Caseload) -> dict[str, str]:
    """Indicator reference -> the band of its latest review."""
    ranked = (
        select(
            R.derived_from,
            R.value_code,
            func.row_number().over(partition_by=R.derived_from, order_by=R.pk.desc()).label("rn"),
        )
        .where(*_live("Observation"), R.code == INDICATOR_REVIEW.code, caseload.holds(R.client_id))
        .subquery()
    )
    rows = (
        session()
        .connection()
        .execute(select(ranked.c.derived_from, ranked.c.value_code).where(ranked.c.rn == 1))
        .all()
    )
    return {ref: band for ref, band in rows if ref and band}


def last_note_dates(caseload: Caseload, period: Period) -> dict[int, datetime]:
    rows = (
        session()
        .connection()
        .execute(
            select(R.client_id, func.max(R.effective))
            .where(
                *_live("Observation"),
                R.code == "session-note-panel",
                caseload.holds(R.client_id),
                *period.clauses(R.effective),
            )
            .group_by(R.client_id)
        )
        .all()
    )
    return {client: when for client, when in rows if client is not None and when is not None}


class OpenFlag(NamedTuple):
    """One open flag (a tuple: a large caseload has tens of thousands open)."""

    client_id: int
    flag_id: str
    code: str
    raised: datetime


def open_flags(caseload: Caseload) -> list[OpenFlag]:
    """The caseload's open (active, unacknowledged) flags, oldest first.

    Open flags are few, so they are read as rows (from their own small index) and both the
    per-client counts and the "review now" queue are drawn from the one read.
    """
    rows = (
        session()
        .connection()
        .execute(
            select(R.client_id, R.resource_id, R.code, R.effective)
            .where(*_live("Flag"), R.status == "active", caseload.joins(R.client_id))
            # Ordered by index columns only: the open-flag index answers without the table.
            .order_by(R.effective, R.resource_id)
        )
    )
    return [
        OpenFlag(client, flag_id, code, raised)
        for client, flag_id, code, raised in rows
        if client is not None and code is not None and raised is not None
    ]


def not_discussed_running(caseload: Caseload, runs: int = 3) -> list[int]:
    """Clients whose last ``runs`` notes all say AI use was "not discussed"."""
    ranked = (
        select(
            R.client_id,
            R.value_code,
            func.row_number()
            .over(partition_by=R.client_id, order_by=(R.effective.desc(), R.pk.desc()))
            .label("rn"),
        )
        .where(*_live("Observation"), R.code == "any-use", caseload.holds(R.client_id))
        .subquery()
    )
    not_discussed = func.sum(case((ranked.c.value_code == lists.USE_NOT_DISCUSSED, 1), else_=0))
    rows = (
        session()
        .connection()
        .execute(
            select(ranked.c.client_id)
            .where(ranked.c.rn <= runs)
            .group_by(ranked.c.client_id)
            .having(and_(func.count() == runs, not_discussed == runs))
        )
        .all()
    )
    return [client for (client,) in rows]


def override_rates(caseload: Caseload, period: Period) -> list[tuple[int, int, int]]:
    """(clinician, reviews, overrides) over reviews of indicators in the period."""
    review = R.__table__.alias("review")
    indicator = R.__table__.alias("indicator")
    overridden = review.c.value_code != band_of(indicator.c.value_num)
    rows = (
        session()
        .connection()
        .execute(
            select(review.c.author_id, func.count(), func.sum(case((overridden, 1), else_=0)))
            .select_from(
                review.join(
                    indicator,
                    # Match on the indicator's own columns (the reference minus its
                    # "Observation/" prefix), so its unique index answers each lookup.
                    and_(
                        indicator.c.resource_type == "Observation",
                        indicator.c.resource_id
                        == func.substr(review.c.derived_from, len("Observation/") + 1),
                    ),
                )
            )
            .where(
                review.c.resource_type == "Observation",
                review.c.code == INDICATOR_REVIEW.code,
                review.c.is_current,
                review.c.deleted.is_(False),
                review.c.status == "final",
                indicator.c.is_current,
                caseload.holds(review.c.client_id),
                *period.clauses(indicator.c.effective),
            )
            .group_by(review.c.author_id)
        )
        .all()
    )
    return [(author, n, int(o or 0)) for author, n, o in rows if author is not None]


def purpose_mix(caseload: Caseload, period: Period) -> dict[str, int]:
    """Purpose -> how many clients named it (intake: sometimes or often; notes: main).

    Two branches, each a range of the per-client code index, joined by UNION (a client
    naming a purpose in both counts once). As one query with an OR across codes,
    PostgreSQL scanned the whole table for a 10,000-client caseload (7 s).
    """

    def named(purpose: Column, *where: ColumnElement[bool]) -> Select[Any, int | None]:
        return select(purpose.label("purpose"), R.client_id.label("client_id")).where(
            *_live("Observation"), caseload.holds(R.client_id), *period.clauses(R.effective), *where
        )

    pairs = union(
        named(R.value_code, R.code == "main-purposes"),
        named(
            R.code,
            R.code.in_(lists.PURPOSES.codes),
            R.value_code.in_(("freq-sometimes", "freq-often")),
        ),
    ).subquery()
    rows = (
        session()
        .connection()
        .execute(select(pairs.c.purpose, func.count(pairs.c.client_id)).group_by(pairs.c.purpose))
        .all()
    )
    return {code: n for code, n in rows if code}

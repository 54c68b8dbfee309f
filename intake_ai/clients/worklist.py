"""The clinician's home page: their clients with what needs doing, most urgent first.

A fixed number of statements whatever the caseload's size: the clients, their courses
(``risk/courses.py``, the numbers the supervisor's dashboard shows), open flags, last
note dates and sessions without a record are each one aggregated query.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select

from fhir_mappings.definitions.risk import URGENCY_ORDER, flag_kind
from intake_ai import audit
from intake_ai.auth.actors import Actor
from intake_ai.errors import AccessDenied
from intake_ai.models import CareAssignment, Client, Encounter, Role, StoredResource
from intake_ai.models.store import current_version
from intake_ai.risk.courses import EMPTY, courses
from intake_ai.risk.flag_views import CODE_DISPLAY
from intake_ai.risk.trend import BAND_ORDER, Course
from intake_ai.store.database import session, utcnow
from intake_ai.supervision import queries


@dataclass
class WorklistRow:
    client_id: int
    name: str
    course: Course
    last_note: datetime | None
    #: Sessions already held with neither an intake nor a note recorded.
    unrecorded: int
    open_flags: int = 0
    review_now: int = 0
    oldest_flag: timedelta | None = None


@dataclass(frozen=True)
class MyFlag:
    client_id: int
    client: str
    flag_id: str
    display: str
    urgency: str
    urgency_display: str
    age: timedelta


@dataclass
class Worklist:
    rows: list[WorklistRow]
    flags: list[MyFlag] = field(default_factory=list)


def _unrecorded(clinician_id: int, now: datetime) -> dict[int, int]:
    """Per client: sessions up to now with no current intake or note stored for them."""
    # NOT EXISTS, so that each session is one probe of the store's encounter index
    # (an outer join made SQLite scan the joined rows: 32 ms against 200 clients' sessions).
    recorded = (
        select(StoredResource.pk)
        .where(
            StoredResource.resource_type == "QuestionnaireResponse",
            StoredResource.encounter_id == Encounter.id,
            current_version(),
            StoredResource.deleted.is_(False),
        )
        .exists()
    )
    rows = session().execute(
        select(Encounter.client_id, func.count(Encounter.id))
        .join(CareAssignment, CareAssignment.client_id == Encounter.client_id)
        .where(CareAssignment.clinician_id == clinician_id, Encounter.start <= now, ~recorded)
        .group_by(Encounter.client_id)
    )
    return {client: n for client, n in rows}


def _order(row: WorklistRow) -> tuple[int, int, int, int, str]:
    return (
        -row.review_now,
        -row.open_flags,
        -BAND_ORDER.get(row.course.band or "", -1),
        -row.unrecorded,
        row.name,
    )


def worklist(actor: Actor) -> Worklist:
    """The clinician's own clients: band, trend, open flags, last note, unrecorded sessions."""
    if actor.role is not Role.CLINICIAN:
        raise AccessDenied("The worklist is for clinicians.")
    mine = select(CareAssignment.client_id).where(CareAssignment.clinician_id == actor.user.id)
    caseload = queries.Caseload.of(mine)
    now = utcnow()
    names = dict(
        session()
        .execute(
            select(Client.id, Client.display_name).where(Client.id.in_(mine.scalar_subquery()))
        )
        .all()
    )
    read = courses(caseload)
    notes = queries.last_note_dates(caseload, queries.Period())
    unrecorded = _unrecorded(actor.user.id, now)
    rows = {
        client_id: WorklistRow(
            client_id,
            name,
            read.get(client_id, (EMPTY, ""))[0],
            notes.get(client_id),
            unrecorded.get(client_id, 0),
        )
        for client_id, name in names.items()
    }
    flags = []
    for flag in queries.open_flags(caseload):
        row = rows.get(flag.client_id)
        if row is None:
            continue
        kind = flag_kind(flag.code)
        row.open_flags += 1
        row.review_now += kind.urgency == "review-now"
        row.oldest_flag = max(row.oldest_flag or timedelta(0), now - flag.raised)
        flags.append(
            MyFlag(
                flag.client_id,
                row.name,
                flag.flag_id,
                kind.display,
                kind.urgency,
                CODE_DISPLAY[kind.urgency],
                now - flag.raised,
            )
        )
    # "Review now" first, then the longest waiting.
    flags.sort(key=lambda f: (URGENCY_ORDER[f.urgency], -f.age))
    audit.record("search-type", "Client", detail="caseload")
    return Worklist(sorted(rows.values(), key=_order), flags)

"""The one query path from stored indicator scores to each client's course (``trend.py``).

The supervisor's caseload table and rising-risk list, the clinician's worklist and the
client page all call this, so the score, band, arrow and rising reasons they show agree.
"""

from __future__ import annotations

from sqlalchemy import select

from intake_ai.models import Client
from intake_ai.risk.trend import Course, Score, course_of
from intake_ai.supervision.queries import Caseload, Period, recent_scores

EMPTY = course_of([])


def courses(caseload: Caseload, period: Period | None = None) -> dict[int, tuple[Course, str]]:
    """Client id -> (their course, the reference of the latest indicator it reads).

    With a period, the latest score is the latest within it; the arrow and the rising
    rules still compare it with the scores before the period began, so that a trend is
    not cut off at the filter's edge. A client with no score in the period has none.
    """
    period = period or Period()
    scores: dict[int, list[Score]] = {}
    latest: dict[int, str] = {}
    for client_id, when, score, indicator_id in recent_scores(caseload, Period(end=period.end)):
        scores.setdefault(client_id, []).append(Score(when, score))
        latest.setdefault(client_id, f"Observation/{indicator_id}")
    return {
        client_id: (course_of(history), latest[client_id])
        for client_id, history in scores.items()
        if period.start is None or history[0].when >= period.start
    }


def course_of_client(client_id: int) -> Course:
    """One client's course, read exactly as the caseload pages read it."""
    caseload = Caseload.of(select(Client.id).where(Client.id == client_id))
    found = courses(caseload).get(client_id)
    return found[0] if found else EMPTY

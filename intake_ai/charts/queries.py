"""What the client's trend charts plot, read with SQL from the store's index columns.

Only index columns are read (no stored JSON is parsed), except for the weeks measured from
a client's export, whose figures are the components of one Observation a week; and
entered-in-error records are left out. Purposes keep where they were answered: the intake
asks how often each is used, a session note which were the main ones, and the charts show
the two apart.
"""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import ColumnElement, not_, or_, select

from fhir_mappings.definitions import answer_lists as lists
from fhir_mappings.definitions.risk import INDICATOR, INDICATOR_REVIEW
from fhir_mappings.usage_export import (
    ACTIVE_DAYS,
    MINUTES_PER_DAY,
    PROVIDER,
    WEEK,
    component_display,
    component_value,
)
from intake_ai.charts.data import USED, ClientTrends, ExportWeekPoint, FlagPoint, SessionPoint
from intake_ai.models import StoredResource
from intake_ai.models.store import current_version
from intake_ai.store.database import session

SERIES_CODES = ("days-per-week", "time-per-day", "reliance-rating", INDICATOR.code)


def _live() -> list[ColumnElement[bool]]:
    return [
        current_version(),
        StoredResource.deleted.is_(False),
        or_(StoredResource.status.is_(None), not_(StoredResource.status == "entered-in-error")),
    ]


def client_trends(client_id: int) -> ClientTrends:
    db = session()
    trends = ClientTrends()
    points: dict[datetime, SessionPoint] = {}
    rows = db.execute(
        select(
            StoredResource.effective,
            StoredResource.code,
            StoredResource.value_code,
            StoredResource.value_num,
            StoredResource.resource_id,
        )
        .where(
            StoredResource.resource_type == "Observation",
            StoredResource.client_id == client_id,
            StoredResource.code.in_(SERIES_CODES),
            *_live(),
        )
        .order_by(StoredResource.effective)
    ).all()
    for when, code, value_code, value_num, resource_id in rows:
        if when is None:
            continue  # every extracted answer has its session date; be safe all the same
        point = points.setdefault(when, SessionPoint(when))

        if code == "days-per-week":
            point.days = value_code
        elif code == "time-per-day":
            point.time = value_code
        elif code == "reliance-rating":
            point.reliance = value_num
        else:
            point.score = int(value_num) if value_num is not None else None
            point.indicator_ref = f"Observation/{resource_id}"
    reviews = db.execute(
        select(StoredResource.derived_from, StoredResource.value_code)
        .where(
            StoredResource.resource_type == "Observation",
            StoredResource.client_id == client_id,
            StoredResource.code == INDICATOR_REVIEW.code,
            *_live(),
        )
        .order_by(StoredResource.pk)
    ).all()
    latest_review = {ref: band for ref, band in reviews}  # later reviews win
    for point in points.values():
        chosen = latest_review.get(point.indicator_ref or "")
        if chosen is not None and chosen != point.band:
            point.override_band = chosen
    trends.sessions = sorted(points.values(), key=lambda p: p.when)
    trends.flags = [
        FlagPoint(when, code, status != "active")
        for when, code, status in db.execute(
            select(StoredResource.effective, StoredResource.code, StoredResource.status)
            .where(
                StoredResource.resource_type == "Flag",
                StoredResource.client_id == client_id,
                *_live(),
            )
            .order_by(StoredResource.effective)
        )
        if when is not None and code is not None
    ]
    answers = db.execute(
        select(StoredResource.effective, StoredResource.code, StoredResource.value_code)
        .where(
            StoredResource.resource_type == "Observation",
            StoredResource.client_id == client_id,
            *_live(),
            StoredResource.code.in_(("main-purposes", *lists.PURPOSES.codes)),
            or_(StoredResource.code == "main-purposes", StoredResource.value_code.in_(USED)),
        )
        .distinct()
    ).all()
    for when, code, value in answers:
        if when is None or code is None or value is None:
            continue
        if code == "main-purposes":
            trends.note_purposes.add((when, value))
        else:
            trends.intake_purposes[(when, code)] = value
    trends.export_weeks = export_weeks(client_id)
    return trends


def export_weeks(client_id: int) -> list[ExportWeekPoint]:
    rows = session().execute(
        select(StoredResource.effective, StoredResource.content)
        .where(
            StoredResource.resource_type == "Observation",
            StoredResource.client_id == client_id,
            StoredResource.code == WEEK.code,
            *_live(),
        )
        .order_by(StoredResource.effective)
    )
    weeks = []
    for when, content in rows:
        if when is None or content is None:
            continue
        observation = json.loads(content)
        days = component_value(observation, ACTIVE_DAYS)
        minutes = component_value(observation, MINUTES_PER_DAY)
        weeks.append(
            ExportWeekPoint(
                when,
                component_display(observation, PROVIDER) or "",
                int(days or 0),
                int(minutes) if minutes is not None else None,
            )
        )
    return weeks

"""Small generated exports of each provider for the upload tests (fake text, real shapes)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import Flask
from sqlalchemy import select

from intake_ai.demo.exports import FakeConversation
from intake_ai.models import AuditRecord, StoredResource
from intake_ai.store.database import session

#: The codes of the Observations saved from an export (weeks and the summary).
EXPORT_CODES = ("export-usage-week", "export-usage-summary")

#: Monday 5 October 2026, 09:00 UTC.
START = datetime(2026, 10, 5, 9, tzinfo=UTC)


def at(days: float = 0, minutes: float = 0) -> float:
    return (START + timedelta(days=days, minutes=minutes)).timestamp()


#: Two weeks of use: week 1 on Monday (two stretches), Tuesday and after midnight into
#: Thursday; week 2 on Monday only.
CONVERSATIONS = [
    # Monday: 09:00-09:10 (6 turns, 3 from the client), then 11:00 alone.
    FakeConversation(
        "Monday",
        [at(0, m) for m in (0, 1, 4, 5, 9, 10)] + [at(0, 120), at(0, 121)],
        abandoned_reply=at(0, 2),
    ),
    FakeConversation("Tuesday", [at(1, 0), at(1, 2)]),
    # Thursday 01:00 UTC: after midnight in UTC.
    FakeConversation("Night", [at(2, 16 * 60), at(2, 16 * 60 + 3)]),
    FakeConversation("Next week", [at(7, 0), at(7, 20), at(7, 40), at(7, 41)]),
]


def export_observations(app: Flask, client_id: int) -> list[StoredResource]:
    """The client's current Observations saved from an export."""
    with app.app_context():
        rows = list(
            session().scalars(
                select(StoredResource).where(
                    StoredResource.client_id == client_id,
                    StoredResource.code.in_(EXPORT_CODES),
                    StoredResource.is_current,
                )
            )
        )
        session().expunge_all()
    return rows


def audits_of(app: Flask, operation: str) -> list[AuditRecord]:
    """Every audit entry of one operation."""
    with app.app_context():
        rows = list(
            session().scalars(select(AuditRecord).where(AuditRecord.operation == operation))
        )
        session().expunge_all()
    return rows

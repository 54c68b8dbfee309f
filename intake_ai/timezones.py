"""The clinic's time zone: what people type and read; the database keeps UTC."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from zoneinfo import ZoneInfo

from flask import current_app


def clinic_zone() -> ZoneInfo:
    return _zone(current_app.config["INTAKE_AI_TIMEZONE"])


@cache
def _zone(key: str) -> ZoneInfo:
    return ZoneInfo(key)


def from_local(naive: datetime) -> datetime:
    """A date and time typed into a form, in clinic time, as aware UTC."""
    return naive.replace(tzinfo=clinic_zone()).astimezone(UTC)


def to_local(moment: datetime) -> datetime:
    return moment.astimezone(clinic_zone())


def local_now() -> datetime:
    return datetime.now(clinic_zone())

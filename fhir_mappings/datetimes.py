"""FHIR date-time text, written one way everywhere."""

from __future__ import annotations

from datetime import datetime


def fhir_datetime(moment: datetime) -> str:
    """A FHIR dateTime to the second, in UTC ("2026-11-24T10:00:00Z")."""
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")


def fhir_instant(moment: datetime) -> str:
    """A FHIR instant to the millisecond (meta.lastUpdated, Bundle times)."""
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")

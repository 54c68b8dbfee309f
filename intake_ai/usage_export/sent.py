"""Figures a client sent with their check-in, as their clinician reviews them: listed on the
client page, opened on the review page, then saved as the very Observations of the
clinician's own upload, or discarded. Until then they wait in a table of their own
(``CheckInExport``), never in the record: no FHIR read, search or export reaches them.
Saved or discarded, the row's figures are dropped (the Observations are the one copy kept)
and the row says what became of them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from intake_ai import access, audit
from intake_ai.auth.actors import Actor
from intake_ai.errors import NotFound
from intake_ai.models import CheckInExport, Client, StoredResource
from intake_ai.store.database import session, utcnow
from intake_ai.usage_export.metrics import UsageFigures
from intake_ai.usage_export.parsing import PROVIDER_NAMES
from intake_ai.usage_export.service import client_for_export, figures_from, store_figures

#: How the audit of a save names where the figures came from.
SENT = " sent with the check-in"


@dataclass(frozen=True)
class SentExport:
    """One export's figures the client sent, as the client page lists them."""

    id: int
    provider: str
    weeks: int
    submitted: datetime
    encounter_id: int


def pending_exports(client_id: int) -> list[SentExport]:
    """The figures this client sent and their clinician has not yet saved or discarded."""
    rows = session().scalars(
        select(CheckInExport)
        .where(CheckInExport.client_id == client_id, CheckInExport.reviewed_at.is_(None))
        .order_by(CheckInExport.id.desc())
    )
    return [
        SentExport(
            row.id,
            PROVIDER_NAMES.get(row.provider, row.provider),
            len(json.loads(row.figures or "{}").get("weeks", [])),
            row.submitted_at,
            row.encounter_id,
        )
        for row in rows
    ]


def _sent(export_id: int) -> CheckInExport:
    row = session().get(CheckInExport, export_id)
    if row is None:
        raise NotFound("No such figures.")
    if row.reviewed_at is not None or row.figures is None:
        raise NotFound("These figures were already saved or discarded.")
    return row


def _figures(row: CheckInExport) -> UsageFigures:
    return figures_from(json.loads(row.figures or "{}"))


def _reviewed(row: CheckInExport, saved_as: str | None) -> None:
    row.figures = None
    row.reviewed_at = utcnow()
    row.saved_as = saved_as


def figures_sent(actor: Actor, export_id: int) -> tuple[CheckInExport, Client, UsageFigures]:
    """The waiting figures for the review page, if this clinician may record them."""
    row = _sent(export_id)
    client = client_for_export(actor, row.client_id)
    audit.record(
        "view", row.reference, client_id=row.client_id, detail="export figures the client sent"
    )
    return row, client, _figures(row)


def save_sent(actor: Actor, export_id: int) -> StoredResource:
    """The reviewed figures stored as Observations; the waiting copy is dropped."""
    row = _sent(export_id)
    client = client_for_export(actor, row.client_id)
    summary = store_figures(actor, client, _figures(row), SENT)
    _reviewed(row, summary.resource_id)
    return summary


def discard_sent(actor: Actor, export_id: int) -> int:
    """The figures dropped unsaved (consent need not be active to drop them); the client."""
    row = _sent(export_id)
    access.require_clinician_of_record(actor, row.client_id)
    client_id = row.client_id
    audit.record(
        "delete",
        row.reference,
        client_id=client_id,
        detail=f"{row.provider} export figures the client sent, discarded unsaved",
    )
    _reviewed(row, None)
    return client_id

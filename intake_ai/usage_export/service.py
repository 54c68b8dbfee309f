"""The clinician reads a client's export, reviews its figures, then saves them.

Reading keeps nothing: the figures travel to the review page and back inside a signed,
short-lived form field (figures only, never content), and become record only when the
clinician saves them. Upload, refusal and save are audited; the audit entry names the
provider and the number of weeks, never anything of the file.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import IO, Any

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import select

from fhir_mappings.search_index import parse_fhir_datetime
from fhir_mappings.usage_export import (
    PROVIDER,
    SUMMARY,
    WEEKS,
    ExportContext,
    ExportTotals,
    component_display,
    component_value,
    export_observations,
)
from intake_ai import access, audit
from intake_ai.auth.actors import Actor
from intake_ai.clients.service import get_client
from intake_ai.errors import ConsentRequired, InvalidInput
from intake_ai.models import Client, ConsentState, StoredResource
from intake_ai.models.store import current_version
from intake_ai.store import resources as resource_store
from intake_ai.store.database import session, utcnow
from intake_ai.timezones import clinic_zone
from intake_ai.usage_export.archive import RefusedExport
from intake_ai.usage_export.metrics import UsageFigures, WeekFigures, usage_figures
from intake_ai.usage_export.parsing import read_export

#: How long reviewed figures may wait for "save" (the clinician and client are together).
REVIEW_SECONDS = 2 * 3600
_SALT = "intake_ai.usage-export"


def client_for_export(actor: Actor, client_id: int) -> Client:
    """The client, if this clinician may record their export figures now."""
    access.require_clinician_of_record(actor, client_id)
    client = get_client(client_id)
    if client.consent_state is not ConsentState.ACTIVE:
        raise ConsentRequired(
            "Export figures can be recorded only for a client who agreed to the record."
        )
    return client


def read_upload(actor: Actor, client_id: int, upload: IO[bytes] | None) -> UsageFigures:
    """The figures of the uploaded export; a refusal is audited and raised as InvalidInput."""
    client = client_for_export(actor, client_id)
    try:
        if upload is None:
            raise RefusedExport("Choose the export file (.zip or conversations.json).")
        timeline = read_export(upload)
        if not timeline.times:
            raise RefusedExport("The export holds no dated messages: there is nothing to count.")
        figures = usage_figures(timeline, clinic_zone())
    except RefusedExport as error:
        audit.record_refusal(
            "upload", client.patient_ref, client_id=client_id, detail="export refused"
        )
        raise InvalidInput({"export": [str(error)]}) from error
    audit.record(
        "upload",
        client.patient_ref,
        client_id=client_id,
        detail=f"{figures.provider} export read, {len(figures.weeks)} weeks; file not kept",
    )
    return figures


def _serializer(actor: Actor, client_id: int) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(
        current_app.secret_key or "", salt=f"{_SALT}/{client_id}/{actor.user.id}"
    )


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, (date, datetime)) else value


def sealed(actor: Actor, client_id: int, figures: UsageFigures) -> str:
    """The figures to save, signed for this clinician and client (the days are left out)."""
    data = {
        k: _plain(v) for k, v in dataclasses.asdict(figures).items() if k not in ("days", "weeks")
    }
    data["weeks"] = [
        {k: _plain(v) for k, v in dataclasses.asdict(w).items()} for w in figures.weeks
    ]
    return _serializer(actor, client_id).dumps(data)


def unsealed(actor: Actor, client_id: int, token: str) -> UsageFigures:
    try:
        data = _serializer(actor, client_id).loads(token, max_age=REVIEW_SECONDS)
        weeks = [
            WeekFigures(**{**w, "start": date.fromisoformat(w["start"])}) for w in data["weeks"]
        ]
        return UsageFigures(
            **{
                **data,
                "first": datetime.fromisoformat(data["first"]),
                "last": datetime.fromisoformat(data["last"]),
                "longest_start": datetime.fromisoformat(data["longest_start"]),
                "days": [],
                "weeks": weeks,
            }
        )
    except (BadSignature, KeyError, TypeError, ValueError) as error:
        raise InvalidInput(
            {"figures": ["These figures have expired or were changed: upload the export again."]}
        ) from error


def save_figures(actor: Actor, client_id: int, token: str) -> StoredResource:
    """Store the reviewed figures as Observations (the weeks and their summary)."""
    client = client_for_export(actor, client_id)
    figures = unsealed(actor, client_id, token)
    context = ExportContext(
        client_id=client_id,
        subject=client.patient_ref,
        clinician=actor.user.practitioner_ref,
        provider=figures.provider,
        zone=clinic_zone(),
        saved=utcnow(),
        first=figures.first,
        last=figures.last,
    )
    totals = ExportTotals(
        figures.conversations,
        figures.messages,
        figures.after_midnight_share,
        figures.longest_minutes,
        figures.trend,
    )
    saved = [
        resource_store.save(resource, author_id=actor.user.id)
        for resource in export_observations(context, figures.weeks, totals)
    ]
    summary = saved[-1]
    audit.record(
        "create",
        summary.reference,
        client_id=client_id,
        detail=f"usage from the client's {figures.provider} export, {len(figures.weeks)} weeks",
    )
    return summary


@dataclass(frozen=True)
class SavedExport:
    """One saved export, as the client page lists it."""

    observation_id: str
    provider: str
    first: datetime
    last: datetime
    weeks: int
    saved: datetime


def saved_exports(client_id: int) -> list[SavedExport]:
    """The client's saved export summaries, latest range first (a few rows: one an export)."""
    rows = session().scalars(
        select(StoredResource).where(
            StoredResource.resource_type == "Observation",
            StoredResource.client_id == client_id,
            StoredResource.code == SUMMARY.code,
            StoredResource.deleted.is_(False),
            current_version(),
        )
    )
    found = []
    for row in rows:
        if row.content is None:
            continue  # removed for good
        summary = json.loads(row.content)
        if summary.get("status") == "entered-in-error":
            continue
        period = summary["effectivePeriod"]
        found.append(
            SavedExport(
                row.resource_id,
                component_display(summary, PROVIDER) or "",
                parse_fhir_datetime(period["start"]),
                parse_fhir_datetime(period["end"]),
                int(component_value(summary, WEEKS) or 0),
                parse_fhir_datetime(summary["issued"]),
            )
        )
    return sorted(found, key=lambda e: e.last, reverse=True)

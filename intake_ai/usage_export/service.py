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
from intake_ai.usage_export.metrics import DayFigures, UsageFigures, WeekFigures, usage_figures
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


def figures_of(upload: IO[bytes] | None) -> UsageFigures:
    """The figures of an export, for the clinician's upload and the client's alike; raises
    ``RefusedExport`` saying why the file cannot be read."""
    if upload is None:
        raise RefusedExport("Choose the export file (.zip or conversations.json).")
    timeline = read_export(upload)
    if not timeline.times:
        raise RefusedExport("The export holds no dated messages: there is nothing to count.")
    return usage_figures(timeline, clinic_zone())


def read_detail(figures: UsageFigures) -> str:
    """What the audit says of an export read: its provider and weeks, nothing of the file."""
    return f"{figures.provider} export read, {len(figures.weeks)} weeks; file not kept"


def read_upload(actor: Actor, client_id: int, upload: IO[bytes] | None) -> UsageFigures:
    """The figures of the uploaded export; a refusal is audited and raised as InvalidInput."""
    client = client_for_export(actor, client_id)
    try:
        figures = figures_of(upload)
    except RefusedExport as error:
        audit.record_refusal(
            "upload", client.patient_ref, client_id=client_id, detail="export refused"
        )
        raise InvalidInput({"export": [str(error)]}) from error
    audit.record("upload", client.patient_ref, client_id=client_id, detail=read_detail(figures))
    return figures


def _serializer(actor: Actor, client_id: int) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(
        current_app.secret_key or "", salt=f"{_SALT}/{client_id}/{actor.user.id}"
    )


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, (date, datetime)) else value


def figures_data(figures: UsageFigures, with_days: bool = False) -> dict[str, Any]:
    """The figures as plain JSON data (dates as ISO text); the days only if asked for."""
    data = {
        k: _plain(v) for k, v in dataclasses.asdict(figures).items() if k not in ("days", "weeks")
    }
    data["weeks"] = [
        {k: _plain(v) for k, v in dataclasses.asdict(w).items()} for w in figures.weeks
    ]
    if with_days:
        data["days"] = [
            {k: _plain(v) for k, v in dataclasses.asdict(d).items()} for d in figures.days
        ]
    return data


def figures_from(data: dict[str, Any]) -> UsageFigures:
    """``figures_data`` read back; raises KeyError, TypeError or ValueError if it is not."""
    weeks = [WeekFigures(**{**w, "start": date.fromisoformat(w["start"])}) for w in data["weeks"]]
    days = [DayFigures(**{**d, "day": date.fromisoformat(d["day"])}) for d in data.get("days", [])]
    return UsageFigures(
        **{
            **data,
            "first": datetime.fromisoformat(data["first"]),
            "last": datetime.fromisoformat(data["last"]),
            "longest_start": datetime.fromisoformat(data["longest_start"]),
            "days": days,
            "weeks": weeks,
        }
    )


def sealed(actor: Actor, client_id: int, figures: UsageFigures) -> str:
    """The figures to save, signed for this clinician and client (the days are left out)."""
    return _serializer(actor, client_id).dumps(figures_data(figures))


def unsealed(actor: Actor, client_id: int, token: str) -> UsageFigures:
    try:
        return figures_from(_serializer(actor, client_id).loads(token, max_age=REVIEW_SECONDS))
    except (BadSignature, KeyError, TypeError, ValueError) as error:
        raise InvalidInput(
            {"figures": ["These figures have expired or were changed: upload the export again."]}
        ) from error


def save_figures(actor: Actor, client_id: int, token: str) -> StoredResource:
    """Store the reviewed figures as Observations (the weeks and their summary)."""
    client = client_for_export(actor, client_id)
    return store_figures(actor, client, unsealed(actor, client_id, token))


def store_figures(
    actor: Actor, client: Client, figures: UsageFigures, sent: str = ""
) -> StoredResource:
    """The Observations of reviewed figures, stored and audited; ``sent`` says how the
    export reached the clinician, for the audit."""
    context = ExportContext(
        client_id=client.id,
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
        client_id=client.id,
        detail=f"usage from the client's {figures.provider} export{sent}, "
        f"{len(figures.weeks)} weeks",
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

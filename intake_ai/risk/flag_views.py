"""Open and acknowledged flags as pages show them (banner, client page, flag pages)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from fhir_mappings.definitions.risk import flag_kind
from fhir_mappings.flags import acknowledgement
from intake_ai import access
from intake_ai.auth.actors import Actor
from intake_ai.models import User
from intake_ai.risk.flag_records import acknowledged_flags, open_flags
from intake_ai.store.database import session

CODE_DISPLAY = {"review-now": "Review now", "this-session": "This session", "info": "Info"}


@dataclass(frozen=True)
class FlagView:
    id: str
    code: str
    display: str
    reason: str
    urgency: str
    urgency_display: str
    raised: str
    source: str | None
    acknowledged: dict[str, str] | None = None


def flag_view(resource: dict[str, Any]) -> FlagView:
    code = resource["code"]["coding"][0]["code"]
    kind = flag_kind(code)
    source = next(
        (
            e["valueReference"]["reference"]
            for e in resource.get("extension", [])
            if e["url"].endswith("/flag-detail")
        ),
        None,
    )
    reason = resource["code"].get("text", kind.display).removeprefix(kind.display).strip(" ()")
    return FlagView(
        resource["id"],
        code,
        kind.display,
        reason,
        kind.urgency,
        CODE_DISPLAY[kind.urgency],
        resource["period"]["start"][:10],
        source,
        acknowledgement(resource),
    )


def open_flag_views(client_id: int, viewer: Actor) -> list[FlagView]:
    """The client's open flags as ``viewer`` may see them (a supervisor: no typed reasons)."""
    return [flag_view(access.shown_to(viewer, f)) for f in open_flags(client_id)]


@dataclass(frozen=True)
class AcknowledgedView:
    flag: FlagView
    by: str
    owner: str
    time: str
    #: None when the viewer may not read it (a supervisor: another person's note).
    note: str | None


def _names(refs: set[str]) -> dict[str, str]:
    ids = [int(r.removeprefix("Practitioner/")) for r in refs if r.startswith("Practitioner/")]
    rows = session().execute(select(User.id, User.display_name).where(User.id.in_(ids)))
    return {f"Practitioner/{user_id}": name for user_id, name in rows} if ids else {}


def acknowledged_flag_views(client_id: int, viewer: Actor) -> list[AcknowledgedView]:
    """The client's acknowledged flags with who, when, the note and the owner, as the
    viewer may see them (the redaction rule drops a note a supervisor did not write)."""
    flags = [flag_view(access.shown_to(viewer, f)) for f in acknowledged_flags(client_id)]
    acks = [(f, f.acknowledged or {}) for f in flags]
    names = _names({a.get(k, "") for _f, a in acks for k in ("owner", "acknowledgedBy")})
    return [
        AcknowledgedView(
            flag,
            names.get(ack.get("acknowledgedBy", ""), "former user"),
            names.get(ack.get("owner", ""), "former user"),
            ack.get("time", ""),
            ack.get("note"),
        )
        for flag, ack in acks
    ]

"""Open and acknowledged flags as pages show them (banner, client page, flag pages)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fhir_mappings.definitions.risk import flag_kind
from fhir_mappings.flags import acknowledgement
from intake_ai import access
from intake_ai.auth.actors import Actor
from intake_ai.risk.flag_records import open_flags

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

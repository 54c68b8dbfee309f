"""The CDS Hooks documents, pure: the discovery answer and the cards of a patient-view call.

Cards say only what an integrator may read anyway over the FHIR API (the flag's kind, the
band), never free text, and link back to the client's page in the module.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from fhir_mappings.definitions.risk import PROVISIONAL_CAVEAT, Band

#: The one service: its id is the last part of its URL (``/cds-services/<id>``).
PATIENT_VIEW_SERVICE = "intake-ai-red-flags"
PATIENT_VIEW = "patient-view"
SOURCE_LABEL = "intake_ai (AI chat-tool use)"
#: CDS Hooks: a card's summary is at most 140 characters.
MAX_SUMMARY = 140
#: The card indicator of each band; open "review now" flags are always critical.
BAND_INDICATOR = {"band-low": "info", "band-moderate": "info", "band-high": "warning"}


@dataclass(frozen=True)
class FlagFacts:
    display: str
    raised: str  # the date it was raised, YYYY-MM-DD


@dataclass(frozen=True)
class BandFacts:
    band: Band
    score: int
    effective: str  # YYYY-MM-DD
    #: The clinician's band when they overrode the computed one.
    override: Band | None = None


def discovery() -> dict[str, Any]:
    return {
        "services": [
            {
                "hook": PATIENT_VIEW,
                "id": PATIENT_VIEW_SERVICE,
                "title": "AI chat-tool use: red flags and dependency indicator",
                "description": "Cards for the client's open 'review now' red flags and the "
                "current band of the AI-use dependency indicator (provisional), with a link "
                "to the client's page. Only for clients who agreed to the record.",
                # No prefetch: the service reads its own store, not the EHR's FHIR server.
                "prefetch": {},
                "usageRequirements": "Send context.patientId as the EHR's patient id that "
                "the module's Patient.identifier carries.",
            }
        ]
    }


def summary(text: str) -> str:
    return text if len(text) <= MAX_SUMMARY else text[: MAX_SUMMARY - 1].rstrip() + "…"


def _card(text: str, detail: str, indicator: str, source_url: str, link: str) -> dict[str, Any]:
    return {
        "uuid": str(uuid.uuid4()),
        "summary": summary(text),
        "detail": detail,
        "indicator": indicator,
        "source": {"label": SOURCE_LABEL, "url": source_url},
        "links": [
            {"label": "Open the client's page in intake_ai", "url": link, "type": "absolute"}
        ],
    }


def cards(
    flags: Sequence[FlagFacts],
    band: BandFacts | None,
    source_url: str,
    client_page: str,
) -> list[dict[str, Any]]:
    """Critical cards for each open "review now" flag, then one for the current band."""
    found = [
        _card(
            f"Review now: {flag.display}",
            f"Red flag raised {flag.raised}, not yet acknowledged. It prompts a human risk "
            "assessment per local protocol; acknowledge it on the client's page.",
            "critical",
            source_url,
            client_page,
        )
        for flag in flags
    ]
    if band is not None:
        shown = band.override or band.band
        text = f"AI-use dependency indicator: {shown.display} band (provisional)"
        detail = f"Score {band.score} on {band.effective}."
        if band.override is not None:
            detail += f" The clinician set the band; the rules computed {band.band.display}."
        found.append(
            _card(
                text,
                f"{detail} {PROVISIONAL_CAVEAT}",
                BAND_INDICATOR[shown.code],
                source_url,
                client_page,
            )
        )
    return found

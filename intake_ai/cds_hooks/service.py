"""The patient-view service's work: read the request, find the client the EHR names, check
access as for any read, and build the cards from the open flags and the current band.

A client the caller may not read (unknown, another practice's, or not agreeing to the
record) gets the same answer as one with nothing to say: no cards. Prefetch is ignored
(the discovery document asks for none), as is ``fhirAuthorization``.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from fhir_mappings.definitions.risk import band_by_code, flag_kind
from intake_ai import access, audit
from intake_ai.auth.actors import Actor
from intake_ai.cds_hooks.cards import PATIENT_VIEW, BandFacts, FlagFacts, cards
from intake_ai.models import Client
from intake_ai.risk import reviews
from intake_ai.risk.flag_records import open_flags
from intake_ai.store import resources as resource_store
from intake_ai.store.database import session


class BadRequest(Exception):
    """The request is not a patient-view call: 400, saying which field and why."""


def _text(value: Any, field: str, limit: int = 200) -> str:
    if not isinstance(value, str) or not value or len(value) > limit:
        raise BadRequest(f"{field}: required text of at most {limit} characters")
    return value


def read_request(body: Any) -> tuple[str, str]:
    """(the EHR's patient id, the EHR's user) of a patient-view request."""
    if not isinstance(body, dict):
        raise BadRequest("the request body must be a JSON object")
    if body.get("hook") != PATIENT_VIEW:
        raise BadRequest(f"hook: this service answers '{PATIENT_VIEW}' only")
    _text(body.get("hookInstance"), "hookInstance")
    context = body.get("context")
    if not isinstance(context, dict):
        raise BadRequest("context: required object")
    return _text(context.get("patientId"), "context.patientId", 64), _text(
        context.get("userId"), "context.userId"
    )


def _band(client_id: int) -> BandFacts | None:
    row = reviews.latest_indicator(client_id)
    if row is None:
        return None
    indicator = resource_store.load(row)
    band = band_by_code(indicator["interpretation"][0]["coding"][0]["code"])
    override = None
    reviewed = reviews.reviews_of(row)
    if reviewed:
        decision = reviewed[-1]["component"][0]["valueCodeableConcept"]["coding"][0]["code"]
        if decision == "review-override":
            override = band_by_code(reviewed[-1]["valueCodeableConcept"]["coding"][0]["code"])
    return BandFacts(
        band, indicator["valueInteger"], indicator.get("effectiveDateTime", "")[:10], override
    )


def _review_now(client_id: int) -> list[FlagFacts]:
    found = []
    for flag in open_flags(client_id):
        kind = flag_kind(flag["code"]["coding"][0]["code"])
        if kind.urgency == "review-now":
            found.append(FlagFacts(kind.display, flag.get("period", {}).get("start", "")[:10]))
    return found


def patient_view(
    actor: Actor, body: Any, source_url: str, client_page: Any
) -> dict[str, list[dict[str, Any]]]:
    """The cards for the patient the EHR names; ``client_page(id)`` is its page's URL."""
    patient_id, ehr_user = read_request(body)
    client = session().scalars(select(Client).where(Client.ehr_patient_id == patient_id)).first()
    detail = f"CDS patient-view for EHR user {ehr_user[:80]!r}"
    if client is None or not access.can_view_client(actor, client.id):
        audit.record("read", "cds-services/patient-view", detail=detail + ": no cards")
        return {"cards": []}
    audit.record("read", f"Patient/{client.id}", client_id=client.id, detail=detail)
    return {
        "cards": cards(_review_now(client.id), _band(client.id), source_url, client_page(client.id))
    }

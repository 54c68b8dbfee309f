"""The clinician's review of an indicator: agree, or override with a band and a reason."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from fhir_mappings.datetimes import fhir_datetime
from fhir_mappings.definitions.risk import (
    INDICATOR,
    INDICATOR_REVIEW,
    band_by_code,
)
from fhir_mappings.indicator import (
    ReviewFacts,
    review_observation,
)
from intake_ai import access, audit
from intake_ai.auth.actors import Actor
from intake_ai.errors import InvalidInput, NotFound
from intake_ai.models import (
    StoredResource,
)
from intake_ai.risk.history import INDICATOR_STATUSES
from intake_ai.store import resources as resource_store
from intake_ai.store.database import session, utcnow


def latest_indicator(client_id: int) -> StoredResource | None:
    return (
        session()
        .scalars(
            select(StoredResource)
            .where(
                StoredResource.resource_type == "Observation",
                StoredResource.client_id == client_id,
                StoredResource.is_current,
                StoredResource.code == INDICATOR.code,
                StoredResource.status.in_(INDICATOR_STATUSES),
            )
            .order_by(StoredResource.effective.desc(), StoredResource.pk.desc())
        )
        .first()
    )


def reviews_of(indicator: StoredResource) -> list[dict[str, Any]]:
    rows = (
        session()
        .scalars(
            select(StoredResource)
            .where(
                StoredResource.resource_type == "Observation",
                StoredResource.client_id == indicator.client_id,
                StoredResource.is_current,
                StoredResource.code == INDICATOR_REVIEW.code,
                StoredResource.status == "final",
            )
            .order_by(StoredResource.pk)
        )
        .all()
    )
    reviews = [resource_store.load(r) for r in rows]
    return [r for r in reviews if r["focus"][0]["reference"] == indicator.reference]


def review_indicator(
    actor: Actor, indicator_obs_id: str, agree: bool, band_code: str | None, reason: str | None
) -> StoredResource:
    """Agree with the computed band, or override it (band and reason required).

    The override is a new record; the computed indicator stays as it was.
    """
    row = resource_store.require_current("Observation", indicator_obs_id)
    if row.code != INDICATOR.code or row.client_id is None:
        raise NotFound("No such indicator.")
    access.require_clinician_of_record(actor, row.client_id)
    indicator = resource_store.load(row)
    computed = band_by_code(indicator["interpretation"][0]["coding"][0]["code"])
    reason = (reason or "").strip()
    errors: dict[str, list[str]] = {}
    if agree:
        band = computed
    else:
        try:
            band = band_by_code(band_code or "")
        except KeyError:
            band = computed
            errors["band"] = ["Choose the band you judge right."]
        if not reason:
            errors["reason"] = ["Give the reason for the override."]
    if len(reason) > 1000:
        errors["reason"] = ["Keep this under 1000 characters."]
    if errors:
        raise InvalidInput(errors)
    facts = ReviewFacts(
        observation_id=resource_store.new_id(),
        indicator=row.reference,
        subject=indicator["subject"]["reference"],
        encounter=(indicator.get("encounter") or {}).get("reference"),
        effective=fhir_datetime(utcnow()),
        clinician=actor.user.practitioner_ref,
        computed=computed,
        agree=agree,
        band=band,
        reason=reason or None,
    )
    saved = resource_store.save(review_observation(facts), author_id=actor.user.id)
    audit.record(
        "review", saved.reference, client_id=row.client_id, detail="agree" if agree else "override"
    )
    return saved

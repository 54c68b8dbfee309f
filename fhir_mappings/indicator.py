"""The indicator as an Observation (one component per input, method = rule-set version),
and the clinician's review of it (agree, or override with a band and a reason)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from fhir_mappings.codes import CATEGORY_SOCIAL_HISTORY, CATEGORY_SURVEY, local
from fhir_mappings.definitions.risk import (
    BAND_COMPONENT,
    INDICATOR,
    INDICATOR_REVIEW,
    PROVISIONAL_CAVEAT,
    REVIEW_AGREE,
    REVIEW_DECISION,
    REVIEW_OVERRIDE,
    RULES_CONCEPT,
    Band,
)


@dataclass(frozen=True)
class ScoredInput:
    code: str
    points: int
    #: The labelled tag, e.g. "withdrawal: marked, +3, from session note of 12 Nov 2026".
    tag: str


@dataclass(frozen=True)
class IndicatorFacts:
    observation_id: str
    status: str
    subject: str
    encounter: str | None
    effective: str
    score: int
    band: Band
    inputs: Sequence[ScoredInput]
    #: Context tags (no points), as (code, tag text).
    context: Sequence[tuple[str, str]]
    #: References of the records the inputs came from.
    sources: Sequence[str]


def _band_concept(band: Band) -> dict[str, Any]:
    return local(band.code, f"{band.display} (provisional)")


def indicator_observation(facts: IndicatorFacts) -> dict[str, Any]:
    components = [
        {"code": {**local(i.code), "text": i.tag}, "valueInteger": i.points} for i in facts.inputs
    ]
    components.append(
        {
            "code": local(BAND_COMPONENT.code, BAND_COMPONENT.display),
            "valueCodeableConcept": _band_concept(facts.band),
        }
    )
    notes = [{"text": PROVISIONAL_CAVEAT}]
    notes += [{"text": f"Context (no points): {tag}"} for _code, tag in facts.context]
    observation: dict[str, Any] = {
        "resourceType": "Observation",
        "id": facts.observation_id,
        "status": facts.status,
        "category": [CATEGORY_SURVEY],
        "code": local(INDICATOR.code, INDICATOR.display),
        "subject": {"reference": facts.subject},
        "effectiveDateTime": facts.effective,
        "valueInteger": facts.score,
        "interpretation": [_band_concept(facts.band)],
        "method": local(RULES_CONCEPT.code, RULES_CONCEPT.display),
        "note": notes,
        "component": components,
    }
    if facts.encounter:
        observation["encounter"] = {"reference": facts.encounter}
    if facts.sources:
        observation["derivedFrom"] = [{"reference": ref} for ref in facts.sources]
    return observation


@dataclass(frozen=True)
class ReviewFacts:
    observation_id: str
    indicator: str  # "Observation/<id>"
    subject: str
    encounter: str | None
    effective: str
    clinician: str
    computed: Band
    agree: bool
    band: Band
    reason: str | None


def review_observation(facts: ReviewFacts) -> dict[str, Any]:
    decision = REVIEW_AGREE if facts.agree else REVIEW_OVERRIDE
    observation: dict[str, Any] = {
        "resourceType": "Observation",
        "id": facts.observation_id,
        "status": "final",
        "category": [CATEGORY_SOCIAL_HISTORY],
        "code": local(INDICATOR_REVIEW.code, INDICATOR_REVIEW.display),
        "subject": {"reference": facts.subject},
        "focus": [{"reference": facts.indicator}],
        "effectiveDateTime": facts.effective,
        "performer": [{"reference": facts.clinician}],
        "valueCodeableConcept": _band_concept(facts.band),
        "derivedFrom": [{"reference": facts.indicator}],
        "component": [
            {
                "code": local(REVIEW_DECISION.code, REVIEW_DECISION.display),
                "valueCodeableConcept": local(decision.code, decision.display),
            },
            {
                "code": local(BAND_COMPONENT.code, BAND_COMPONENT.display),
                "valueCodeableConcept": _band_concept(facts.computed),
            },
        ],
    }
    if facts.encounter:
        observation["encounter"] = {"reference": facts.encounter}
    if facts.reason:
        observation["note"] = [
            {
                "authorReference": {"reference": facts.clinician},
                "time": facts.effective,
                "text": facts.reason,
            }
        ]
    return observation

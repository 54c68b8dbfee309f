"""SDC observation-based extraction: one Observation per extractable answer, plus a panel.

Client-reported answers are ``survey`` Observations performed by the client; clinician
judgments are ``social-history`` Observations performed by the clinician. Every
Observation is ``derivedFrom`` its QuestionnaireResponse; the panel lists them in ``hasMember``.
Observation ids are derived from the response id and the answer, so re-extracting an
amended response updates the same Observations.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from fhir_mappings.codes import (
    CATEGORY_SOCIAL_HISTORY,
    CATEGORY_SURVEY,
    DECLINED,
    LOCAL_SYSTEM,
    ORDINAL_VALUE,
    coding,
)
from fhir_mappings.definitions.answers import Answers, enabled
from fhir_mappings.definitions.model import Definition, Item

_NAMESPACE = uuid.UUID("6f2b8a4e-2d0c-4c71-9f5e-3f1a9b7d5c10")


def derived_id(*parts: str) -> str:
    """A stable resource id for something derived from ``parts`` (same parts, same id)."""
    return str(uuid.uuid5(_NAMESPACE, "/".join(parts)))


@dataclass(frozen=True)
class ExtractionContext:
    response_id: str
    subject: str  # "Patient/1"
    encounter: str | None
    effective: str  # FHIR dateTime of the session
    clinician: str  # "Practitioner/3"
    status: str = "final"


def _code(item: Item) -> dict[str, Any]:
    return {"coding": [coding(LOCAL_SYSTEM, item.link_id, item.display_label)], "text": item.text}


def _value(item: Item, value: Any) -> dict[str, Any]:
    if item.kind == "choice":
        assert item.answers is not None
        option = item.answers.option(value)
        entry = coding(LOCAL_SYSTEM, option.code, option.display)
        if option.score is not None:
            entry = {"extension": [{"url": ORDINAL_VALUE, "valueDecimal": option.score}], **entry}
        return {"valueCodeableConcept": {"coding": [entry], "text": option.display}}
    if item.kind == "integer":
        return {"valueInteger": int(value)}
    if item.kind == "boolean":
        return {"valueBoolean": bool(value)}
    return {"valueString": str(value)}


def _base(item: Item, context: ExtractionContext, observation_id: str) -> dict[str, Any]:
    clinician_judgment = item.source == "clinician"
    performers = []
    if item.source in ("client", "both"):
        performers.append({"reference": context.subject})
    if item.source in ("clinician", "both"):
        performers.append({"reference": context.clinician})
    observation: dict[str, Any] = {
        "resourceType": "Observation",
        "id": observation_id,
        "status": context.status,
        "category": [CATEGORY_SOCIAL_HISTORY if clinician_judgment else CATEGORY_SURVEY],
        "code": _code(item),
        "subject": {"reference": context.subject},
        "effectiveDateTime": context.effective,
    }
    if context.encounter:
        observation["encounter"] = {"reference": context.encounter}
    if performers:
        observation["performer"] = performers
    return observation


def _extractable(definition: Definition, answers: Answers) -> Iterable[Item]:
    for item in definition.walk():
        if not (item.is_question or item.grid) or not item.extract:
            continue
        if item.link_id in answers and enabled(definition, item.link_id, answers):
            yield item


def extract_observations(
    definition: Definition, answers: Answers, context: ExtractionContext
) -> list[dict[str, Any]]:
    """The item Observations followed by the panel Observation that groups them."""
    source = {"reference": f"QuestionnaireResponse/{context.response_id}"}
    observations: list[dict[str, Any]] = []
    for item in _extractable(definition, answers):
        answer = answers[item.link_id]
        if answer.declined:
            observation = _base(item, context, derived_id(context.response_id, item.link_id))
            observation["dataAbsentReason"] = {"coding": [DECLINED], "text": "Asked, declined"}
            observation["derivedFrom"] = [source]
            observations.append(observation)
            continue
        if item.grid:
            continue  # a grid's answers are its rows, extracted one by one
        for value in answer.values:
            parts = [context.response_id, item.link_id] + ([str(value)] if item.repeats else [])
            observation = _base(item, context, derived_id(*parts))
            observation.update(_value(item, value))
            observation["derivedFrom"] = [source]
            observations.append(observation)
    panel: dict[str, Any] = {
        "resourceType": "Observation",
        "id": derived_id(context.response_id, definition.panel_code),
        "status": context.status,
        "category": [CATEGORY_SURVEY],
        "code": {
            "coding": [coding(LOCAL_SYSTEM, definition.panel_code, definition.panel_display)],
            "text": definition.panel_display,
        },
        "subject": {"reference": context.subject},
        "effectiveDateTime": context.effective,
        "performer": [{"reference": context.clinician}],
        "derivedFrom": [source],
    }
    if context.encounter:
        panel["encounter"] = {"reference": context.encounter}
    if observations:
        panel["hasMember"] = [{"reference": f"Observation/{o['id']}"} for o in observations]
    return [*observations, panel]


_VOLATILE = ("meta", "status", "note", "hasMember", "text")


def _clinical_content(resource: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in resource.items() if k not in _VOLATILE}


def amendments(
    previous: Mapping[str, Mapping[str, Any]], extracted: Iterable[dict[str, Any]]
) -> list[dict[str, Any]]:
    """What to store when a response is amended and re-extracted.

    ``previous``: the current Observations of the earlier version, by id. Changed and new
    answers are stored with status ``amended``; answers no longer given become
    ``entered-in-error``; unchanged answers are left alone (their history stays short).
    Annotations (``note``) on earlier versions are carried over.
    """
    changes: list[dict[str, Any]] = []
    seen: set[str] = set()
    for observation in extracted:
        seen.add(observation["id"])
        before = previous.get(observation["id"])
        if before is not None and before.get("note"):
            observation["note"] = before["note"]
        unchanged = (
            before is not None
            and before.get("status") != "entered-in-error"
            and _clinical_content(before) == _clinical_content(observation)
            and before.get("hasMember") == observation.get("hasMember")
        )
        if unchanged:
            continue
        observation["status"] = "amended"
        changes.append(observation)
    for observation_id, before in previous.items():
        if observation_id not in seen and before.get("status") != "entered-in-error":
            retired = dict(before)
            retired.pop("meta", None)
            retired["status"] = "entered-in-error"
            changes.append(retired)
    return changes

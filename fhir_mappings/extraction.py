"""SDC observation-based extraction: one Observation per extractable answer, plus a panel.

As SDC extracts them: ``effective`` is the response's ``authored`` (for a response recorded
in the pages, whose ``authored`` is the save time, the session's start), ``issued`` when
stored, ``performer`` the response's author, ``subject`` and ``encounter`` the response's,
``derivedFrom`` the response, ``code`` the item's code and ``category`` what the
Questionnaire declares (``item_category``: client-reported answers are ``survey``,
clinician judgments ``social-history``; the panel the Questionnaire's own, ``survey``).
The panel lists the answers in ``hasMember``. Observation ids are derived from the response
id and the answer, so re-extracting an amended response updates the same Observations.
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
    effective: str  # FHIR dateTime: the response's authored (the session's, from the pages)
    clinician: str  # "Practitioner/3": the response's author
    status: str = "final"
    issued: str | None = None  # FHIR instant of the store


#: The category the Questionnaire declares for its panel (and for any item without one).
PANEL_CATEGORY = CATEGORY_SURVEY


def item_category(item: Item) -> dict[str, Any]:
    """The category an item's Observations carry, as its Questionnaire item declares it."""
    return CATEGORY_SOCIAL_HISTORY if item.source == "clinician" else CATEGORY_SURVEY


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


def _base(
    code: dict[str, Any], category: dict[str, Any], context: ExtractionContext, observation_id: str
) -> dict[str, Any]:
    observation: dict[str, Any] = {
        "resourceType": "Observation",
        "id": observation_id,
        "status": context.status,
        "category": [category],
        "code": code,
        "subject": {"reference": context.subject},
    }
    if context.encounter:
        observation["encounter"] = {"reference": context.encounter}
    observation["effectiveDateTime"] = context.effective
    if context.issued:
        observation["issued"] = context.issued
    # Who reported an answer (client or clinician) is the item's item-source extension in
    # the Questionnaire; the Observation's performer is the response's author, as SDC has it.
    observation["performer"] = [{"reference": context.clinician}]
    return observation


def _item_base(item: Item, context: ExtractionContext, observation_id: str) -> dict[str, Any]:
    return _base(_code(item), item_category(item), context, observation_id)


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
            observation = _item_base(item, context, derived_id(context.response_id, item.link_id))
            observation["dataAbsentReason"] = {"coding": [DECLINED], "text": "Asked, declined"}
            observation["derivedFrom"] = [source]
            observations.append(observation)
            continue
        if item.grid:
            continue  # a grid's answers are its rows, extracted one by one
        for value in answer.values:
            parts = [context.response_id, item.link_id] + ([str(value)] if item.repeats else [])
            observation = _item_base(item, context, derived_id(*parts))
            observation.update(_value(item, value))
            observation["derivedFrom"] = [source]
            observations.append(observation)
    panel_code = {
        "coding": [coding(LOCAL_SYSTEM, definition.panel_code, definition.panel_display)],
        "text": definition.panel_display,
    }
    panel = _base(
        panel_code, PANEL_CATEGORY, context, derived_id(context.response_id, definition.panel_code)
    )
    panel["derivedFrom"] = [source]
    if observations:
        panel["hasMember"] = [{"reference": f"Observation/{o['id']}"} for o in observations]
    return [*observations, panel]


_VOLATILE = ("meta", "status", "note", "hasMember", "text", "issued")


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

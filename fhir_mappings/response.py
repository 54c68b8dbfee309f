"""Answers <-> FHIR QuestionnaireResponse.

``build_response`` nests the answers the way the Questionnaire nests its items and marks
declined items with the data-absent-reason extension (asked-declined). ``read_response``
goes the other way for responses an integrator posts; it reports where in the resource a
problem is, and leaves checking the codes and the skip logic to the answer schema.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from fhir_mappings.codes import (
    DATA_ABSENT_EXTENSION,
    EXT_ANSWER_SOURCE,
    EXT_CHANGE_REASON,
    LOCAL_SYSTEM,
)
from fhir_mappings.definitions.answers import Answer, Answers
from fhir_mappings.definitions.model import Definition, Item
from fhir_mappings.questionnaire import questionnaire_canonical

DECLINED_EXTENSION = {"url": DATA_ABSENT_EXTENSION, "valueCode": "asked-declined"}

_VALUE_KEY = {
    "integer": "valueInteger",
    "string": "valueString",
    "text": "valueString",
    "boolean": "valueBoolean",
    "date": "valueDate",
}


@dataclass(frozen=True)
class ResponseContext:
    response_id: str
    status: str  # completed | amended
    subject: str  # "Patient/1"
    encounter: str | None
    author: str  # "Practitioner/3"
    source: str  # "Patient/1": the client answered
    authored: str  # FHIR dateTime
    #: Why an edit changed the answers: stored with that version (an extension), absent on
    #: a first version and on API updates.
    change_reason: str | None = None
    #: linkIds whose answers the client gave themselves (their check-in), kept unchanged by
    #: the author: each such item names ``source`` as its own source.
    client_answered: frozenset[str] = frozenset()


def _answer_value(item: Item, value: Any) -> dict[str, Any]:
    if item.kind == "choice":
        assert item.answers is not None
        option = item.answers.option(value)
        return {
            "valueCoding": {"system": LOCAL_SYSTEM, "code": option.code, "display": option.display}
        }
    return {_VALUE_KEY[item.kind]: value}


def _response_item(item: Item, answers: Answers, context: ResponseContext) -> dict[str, Any] | None:
    answer = answers.get(item.link_id)
    result: dict[str, Any] = {"linkId": item.link_id, "text": item.text}
    if answer is not None and answer.declined:
        return {"extension": [DECLINED_EXTENSION], **result}
    if item.is_question:
        if answer is None or not answer.values:
            return None
        result["answer"] = [_answer_value(item, value) for value in answer.values]
        if item.link_id in context.client_answered:
            source = {"url": EXT_ANSWER_SOURCE, "valueReference": {"reference": context.source}}
            result = {"extension": [source], **result}
        # Follow-up questions (e.g. "which other tool?") nest under the answer.
        nested = [child for c in item.children if (child := _response_item(c, answers, context))]
        if nested:
            result["answer"][-1]["item"] = nested
        return result
    children = [child for c in item.children if (child := _response_item(c, answers, context))]
    if not children:
        return None
    result["item"] = children
    return result


def build_response(
    definition: Definition, answers: Answers, context: ResponseContext
) -> dict[str, Any]:
    items = [
        entry for item in definition.items if (entry := _response_item(item, answers, context))
    ]
    response: dict[str, Any] = {
        "resourceType": "QuestionnaireResponse",
        "id": context.response_id,
        "questionnaire": questionnaire_canonical(definition),
        "status": context.status,
        "subject": {"reference": context.subject},
        "authored": context.authored,
        "author": {"reference": context.author},
        "source": {"reference": context.source},
    }
    if context.change_reason:
        response = {
            "resourceType": "QuestionnaireResponse",
            "id": context.response_id,
            "extension": [{"url": EXT_CHANGE_REASON, "valueString": context.change_reason}],
            **response,
        }
    if context.encounter:
        response["encounter"] = {"reference": context.encounter}
    if items:
        response["item"] = items
    return response


def change_reason_of(resource: dict[str, Any]) -> str | None:
    """The reason stored with this version of a response, if an edit gave one."""
    for extension in resource.get("extension") or []:
        if extension.get("url") == EXT_CHANGE_REASON:
            return str(extension.get("valueString", ""))
    return None


@dataclass
class ReadResult:
    #: linkId -> list of raw values, or "declined": what the answer schema loads.
    data: dict[str, Any] = field(default_factory=dict)
    #: linkId -> FHIRPath of the item, to point errors at the right element.
    paths: dict[str, str] = field(default_factory=dict)
    #: path -> message, for problems found while reading.
    errors: dict[str, list[str]] = field(default_factory=dict)


def _read_value(item: Item, raw: dict[str, Any], path: str, result: ReadResult) -> Any:
    if item.kind == "choice":
        coding = raw.get("valueCoding")
        if not isinstance(coding, dict):
            result.errors.setdefault(path, []).append(
                f"'{item.link_id}' is answered with a Coding (valueCoding)"
            )
            return None
        if coding.get("system") not in (None, LOCAL_SYSTEM):
            result.errors.setdefault(f"{path}.valueCoding.system", []).append(
                f"answers to '{item.link_id}' use the system {LOCAL_SYSTEM}"
            )
            return None
        return coding.get("code")
    key = _VALUE_KEY[item.kind]
    if key not in raw:
        result.errors.setdefault(path, []).append(f"'{item.link_id}' is answered with {key}")
        return None
    return raw[key]


def _read_items(definition: Definition, items: Any, path: str, result: ReadResult) -> None:
    if not isinstance(items, list):
        result.errors.setdefault(path, []).append("item must be a list")
        return
    for index, entry in enumerate(items):
        here = f"{path}[{index}]"
        link_id = entry.get("linkId") if isinstance(entry, dict) else None
        if not isinstance(link_id, str) or not definition.has(link_id):
            result.errors.setdefault(f"{here}.linkId", []).append(
                f"{link_id!r} is not an item of {definition.id} {definition.version}"
            )
            continue
        item = definition.item(link_id)
        result.paths[link_id] = here
        if DECLINED_EXTENSION in (entry.get("extension") or []):
            result.data[link_id] = "declined"
        values = []
        for position, raw in enumerate(entry.get("answer") or []):
            value = _read_value(item, raw, f"{here}.answer[{position}]", result)
            if value is not None:
                values.append(value)
            if "item" in raw:
                _read_items(definition, raw["item"], f"{here}.answer[{position}].item", result)
        if values:
            if link_id in result.data:
                result.errors.setdefault(here, []).append("declined but also answered")
            result.data[link_id] = values if item.repeats else values[0]
        if "item" in entry:
            _read_items(definition, entry["item"], f"{here}.item", result)


def read_response(definition: Definition, response: dict[str, Any]) -> ReadResult:
    """The raw answers of a posted QuestionnaireResponse, with paths for error messages."""
    result = ReadResult()
    _read_items(definition, response.get("item") or [], "QuestionnaireResponse.item", result)
    return result


def answers_of(definition: Definition, response: dict[str, Any]) -> dict[str, Answer]:
    """Answers of a stored (already validated) response: for display, edit and re-scoring."""
    read = read_response(definition, response)
    answers: dict[str, Answer] = {}
    for link_id, raw in read.data.items():
        if raw == "declined":
            answers[link_id] = Answer(declined=True)
        else:
            answers[link_id] = Answer(tuple(raw) if isinstance(raw, list) else (raw,))
    return answers

"""Answers to a definition, and its skip logic (FHIR R4 enableWhen semantics).

An item that is absent from ``Answers`` was not asked; an item present with
``declined=True`` was asked and the client declined; otherwise it holds its values.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from fhir_mappings.definitions.model import Condition, Definition, Item


@dataclass(frozen=True)
class Answer:
    values: tuple[Any, ...] = ()
    declined: bool = False

    @property
    def value(self) -> Any:
        """The single value of a non-repeating item (None if declined)."""
        return self.values[0] if self.values else None


DECLINED = Answer(declined=True)

Answers = Mapping[str, Answer]


def condition_holds(condition: Condition, answers: Answers) -> bool:
    answer = answers.get(condition.question)
    values = answer.values if answer is not None else ()
    if condition.operator == "exists":
        return bool(values) == condition.answer
    if condition.operator == "=":
        return condition.answer in values
    # "!=": true if no answer equals the value (so also when there is no answer).
    return condition.answer not in values


def item_enabled(item: Item, answers: Answers) -> bool:
    """Whether the item's own enableWhen holds (ancestors not considered)."""
    if not item.enable_when:
        return True
    results = [condition_holds(condition, answers) for condition in item.enable_when]
    return any(results) if item.enable_behavior == "any" else all(results)


def enabled(definition: Definition, link_id: str, answers: Answers) -> bool:
    """Whether the item is asked: its own conditions and every enclosing group's hold."""
    item = definition.item(link_id)
    while item is not None:
        if not item_enabled(item, answers):
            return False
        item = definition.parent_of(item.link_id)  # type: ignore[assignment]
    return True


def to_json(answers: Answers) -> dict[str, Any]:
    """A plain JSON form (drafts, the review step's hidden field)."""
    return {
        link_id: ({"declined": True} if a.declined else list(a.values))
        for link_id, a in answers.items()
    }


def from_json(data: Mapping[str, Any]) -> dict[str, Answer]:
    result: dict[str, Answer] = {}
    for link_id, raw in data.items():
        if isinstance(raw, dict) and raw.get("declined") is True:
            result[link_id] = DECLINED
        elif isinstance(raw, list):
            result[link_id] = Answer(tuple(raw))
        else:
            raise ValueError(f"{link_id}: expected a list of values or {{'declined': true}}")
    return result


def answered(answers: Answers, link_id: str) -> tuple[Any, ...]:
    """The values given for ``link_id`` (empty if not asked or declined)."""
    answer = answers.get(link_id)
    return answer.values if answer is not None else ()

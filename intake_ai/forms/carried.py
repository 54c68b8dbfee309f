"""Answers carried over from the client's last record into a new form.

A carried-over answer is a proposal, never this session's data by itself: the page shows
it beside its question ("from the session note of 12 Nov 2026") with a "still true" box.
It counts once the clinician ticks that box (the answer is adopted) or answers the question
themselves (their answer counts); otherwise it is left out, and the review step lists it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from fhir_mappings.definitions.answers import Answer, enabled
from fhir_mappings.definitions.model import Definition
from intake_ai.errors import InvalidInput

DECLINED_KEY = "declined"
#: Where a proposed answer comes from: the client's last record, or their own check-in.
RECORD = "record"
CHECKIN = "checkin"


@dataclass(frozen=True)
class CarriedAnswer:
    link_id: str
    #: The question's short name, e.g. "Days of use per week".
    label: str
    values: tuple[Any, ...]
    #: The answer as people read it, e.g. "5–6 days".
    text: str
    #: The record it comes from, e.g. "session note of 12 Nov 2026".
    source: str
    #: ``RECORD`` (carried over) or ``CHECKIN`` (the client sent it before the session).
    origin: str = RECORD

    @property
    def lead(self) -> str:
        """How the form introduces it."""
        if self.origin == CHECKIN:
            return f"From the {self.source}"
        return f"Carried over from the {self.source}"

    @property
    def confirm_label(self) -> str:
        return "Confirmed with the client" if self.origin == CHECKIN else "Still true"

    @property
    def values_json(self) -> str:
        return json.dumps([str(v) for v in self.values])

    def same_as(self, raw: Any) -> bool:
        """Whether a form value (text, or a list for repeating items) holds these values."""
        given = raw if isinstance(raw, list) else ([] if raw in (None, "") else [raw])
        return sorted(str(v) for v in given) == sorted(str(v) for v in self.values)

    def form_value(self, repeats: bool) -> Any:
        return [str(v) for v in self.values] if repeats else str(self.values[0])


Carried = Mapping[str, CarriedAnswer]


def as_answers(values: Mapping[str, Any]) -> dict[str, Answer]:
    """Raw form values as Answers, to evaluate the skip logic before they are validated."""
    answers: dict[str, Answer] = {}
    for key, raw in values.items():
        if key == DECLINED_KEY:
            continue
        given = tuple(raw) if isinstance(raw, list) else (raw,)
        given = tuple(v for v in given if v not in (None, ""))
        if given:
            answers[key] = Answer(given)
    return answers


def adopt(
    definition: Definition, data: dict[str, Any], carried: Carried, confirmed: Iterable[str]
) -> dict[str, Any]:
    """The form's data with each confirmed carried-over answer taken as this session's.

    A box ticked for a question the skip logic leaves out is ignored (its answer would be
    refused); a box ticked beside a different answer is an error at that question.
    """
    result = dict(data)
    errors: dict[str, list[str]] = {}
    for link_id in dict.fromkeys(confirmed):
        proposal = carried.get(link_id)
        if proposal is None:
            continue
        if link_id in result or link_id in result.get(DECLINED_KEY, []):
            if not proposal.same_as(result.get(link_id)):
                errors[link_id] = [
                    f"'Still true' is ticked for the carried-over answer ({proposal.text}) but "
                    "another answer is given: keep one."
                ]
            continue
        if enabled(definition, link_id, as_answers(result)):
            result[link_id] = proposal.form_value(definition.item(link_id).repeats)
    if errors:
        raise InvalidInput(errors)
    return result


def unconfirmed(
    definition: Definition, data: Mapping[str, Any], carried: Carried
) -> list[CarriedAnswer]:
    """Carried-over answers left unconfirmed and unchanged: they are not saved."""
    answers = as_answers(data)
    declined = set(data.get(DECLINED_KEY, []))
    return [
        proposal
        for link_id, proposal in carried.items()
        if link_id not in answers
        and link_id not in declined
        and enabled(definition, link_id, answers)
    ]

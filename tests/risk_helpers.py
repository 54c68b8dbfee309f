"""Building answer sources for the rules tests."""

from __future__ import annotations

from itertools import count
from typing import Any

from fhir_mappings.definitions.answers import DECLINED, Answer
from intake_ai.risk.rules import INTAKE_FORM, NOTE_FORM, AnswerSource

_serial = count(1)


def _answers(values: dict[str, Any]) -> dict[str, Answer]:
    answers = {}
    for key, value in values.items():
        link_id = key.replace("_", "-")
        if value == "declined":
            answers[link_id] = DECLINED
        else:
            answers[link_id] = Answer(tuple(value) if isinstance(value, list) else (value,))
    return answers


def intake(**values: Any) -> AnswerSource:
    n = next(_serial)
    return AnswerSource(f"QuestionnaireResponse/i{n}", f"intake {n}", INTAKE_FORM, _answers(values))


def note(**values: Any) -> AnswerSource:
    n = next(_serial)
    values.setdefault("any_use", "use-yes")
    return AnswerSource(f"QuestionnaireResponse/n{n}", f"note {n}", NOTE_FORM, _answers(values))

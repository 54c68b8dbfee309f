"""The intake schema refuses every class of bad input with a message for the field."""

from __future__ import annotations

import pytest

from fhir_mappings.definitions import INTAKE
from intake_ai.errors import InvalidInput
from intake_ai.forms.schema import load_answers
from tests.intake_helpers import FULL_INTAKE

CONSENTED = {"consent-record": "consent-agree", "consent-terms": "true"}


def errors_for(data: dict) -> dict[str, list[str]]:
    with pytest.raises(InvalidInput) as caught:
        load_answers(INTAKE, data)
    return caught.value.errors


def test_a_full_intake_loads() -> None:
    answers = load_answers(INTAKE, FULL_INTAKE)
    assert answers["tools"].values == ("tool-chatgpt", "tool-replika", "tool-other")
    assert answers["reassurance"].declined
    assert answers["privacy-tips"].value is True
    assert answers["research-opt-in"].value is False  # default off
    assert "purpose-shopping" not in answers  # not asked stays absent


def test_unknown_code() -> None:
    errors = errors_for({**CONSENTED, "days-per-week": "dpw-eight"})
    assert errors["days-per-week"] == ["'dpw-eight' is not one of the answers to this question."]


def test_unknown_code_in_a_multi_select() -> None:
    errors = errors_for({**CONSENTED, "tools": ["tool-chatgpt", "tool-hal9000"]})
    assert errors["tools"] == ["'tool-hal9000' is not one of the answers to this question."]


def test_wrong_type() -> None:
    errors = errors_for({**CONSENTED, "privacy-tips": "perhaps"})
    assert errors["privacy-tips"] == ["Answer yes or no."]


def test_unknown_field() -> None:
    errors = errors_for({**CONSENTED, "favourite-colour": "blue"})
    assert errors["favourite-colour"] == ["Unknown field."]


def test_answer_to_an_item_skipped_by_logic() -> None:
    errors = errors_for({**CONSENTED, "tools": ["tool-none"], "withdrawal": "reliance-2"})
    assert errors["withdrawal"] == [
        "This question is skipped because item 1 is 'None'; remove the answer or change that "
        "answer."
    ]


def test_follow_up_text_without_its_trigger_is_skipped() -> None:
    errors = errors_for({**CONSENTED, "tools": ["tool-chatgpt"], "tools-other": "Pi"})
    assert "skipped because item 1 is not 'Other'" in errors["tools-other"][0]


def test_none_cannot_be_combined() -> None:
    errors = errors_for({**CONSENTED, "tools": ["tool-none", "tool-claude"]})
    assert errors["tools"] == ["'None' cannot be combined with other answers."]


def test_missing_consent() -> None:
    errors = errors_for({"tools": ["tool-claude"]})
    assert errors["consent-record"] == ["This answer is required."]


def test_agreement_requires_the_acknowledgement() -> None:
    errors = errors_for({"consent-record": "consent-agree"})
    assert errors["consent-terms"] == [
        "The client must acknowledge this before anything is stored."
    ]


def test_consent_cannot_be_declined_away() -> None:
    errors = errors_for(
        {"consent-record": "consent-agree", "consent-terms": "true", "declined": ["consent-record"]}
    )
    assert "cannot be marked declined" in errors["form"][0]


def test_oversized_text() -> None:
    errors = errors_for({**CONSENTED, "tools": ["tool-other"], "tools-other": "x" * 201})
    assert errors["tools-other"] == ["Keep this under 200 characters."]


def test_declined_and_answered_at_once() -> None:
    errors = errors_for({**CONSENTED, "withdrawal": "reliance-1", "declined": ["withdrawal"]})
    assert errors["withdrawal"] == ["Marked as declined but also answered: keep one."]


def test_discuss_first_needs_no_acknowledgement() -> None:
    answers = load_answers(INTAKE, {"consent-record": "consent-discuss", "tools": ["tool-claude"]})
    assert "consent-terms" not in answers and "research-opt-in" not in answers

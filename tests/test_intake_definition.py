"""The intake definition is the one source: Questionnaire, terminology, form, schema and
extraction all follow it."""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace

import pytest
from flask import render_template

from fhir_mappings.codes import LOCAL_SYSTEM
from fhir_mappings.definitions import INTAKE
from fhir_mappings.definitions.answers import Answer
from fhir_mappings.definitions.model import Definition, Item
from fhir_mappings.extraction import ExtractionContext, extract_observations
from fhir_mappings.questionnaire import build_questionnaire
from fhir_mappings.terminology import code_system, concepts, value_sets
from intake_ai.forms.schema import schema_for
from intake_ai.forms.views import FormState

CONTEXT = ExtractionContext(
    "qr-1", "Patient/1", "Encounter/1", "2026-11-01T10:00:00Z", "Practitioner/1"
)


def _numbered(definition: Definition) -> list[str]:
    return [item.prefix for item in definition.walk() if item.prefix and item.prefix.isdigit()]


def test_intake_has_the_twenty_items_in_six_sections() -> None:
    assert [s.prefix for s in INTAKE.items] == ["A", "B", "C", "D", "E", "F"]
    assert _numbered(INTAKE) == [str(n) for n in range(1, 21)]


def test_every_answer_code_is_in_the_codesystem_and_a_valueset() -> None:
    system = code_system([INTAKE])
    codes = {c["code"] for c in system["concept"]}
    sets = {vs["id"]: vs for vs in value_sets([INTAKE])}
    for item in INTAKE.questions():
        assert item.link_id in codes
        if item.answers is not None:
            assert set(item.answers.codes) <= codes
            included = sets[item.answers.id]["compose"]["include"][0]
            assert [c["code"] for c in included["concept"]] == list(item.answers.codes)
            assert included["system"] == LOCAL_SYSTEM
    assert system["count"] == len(system["concept"]) == len(codes)


def test_a_code_with_two_meanings_is_refused() -> None:
    from fhir_mappings.concepts import Concept

    with pytest.raises(ValueError, match="two displays"):
        concepts([INTAKE], [Concept("tool-chatgpt", "Something else")])


def _reworded(text: str) -> Definition:
    days = INTAKE.item("days-per-week")
    section_a = INTAKE.items[0]
    children = tuple(
        replace(c, text=text) if c.link_id == days.link_id else c for c in section_a.children
    )
    return replace(
        INTAKE,
        items=(replace(section_a, children=children), *INTAKE.items[1:]),
        _index={},
        _parents={},
    )


def test_rewording_an_item_changes_questionnaire_codesystem_form_and_observations(app) -> None:
    wording = "How many days a week do you chat with an AI (reworded)?"
    definition = _reworded(wording)

    questionnaire = json.dumps(build_questionnaire(definition))
    assert wording in questionnaire
    assert wording not in json.dumps(build_questionnaire(INTAKE))

    concept = next(c for c in code_system([definition])["concept"] if c["code"] == "days-per-week")
    assert concept["definition"] == wording

    with app.test_request_context():
        html = render_template(
            "intake_ai/intake/form.html",
            state=FormState(definition, {}),
            client={"display_name": "x", "id": 1},
            encounter={"start": _now()},
            action="/x",
        )
    assert wording in html

    answers = {"days-per-week": Answer(("dpw-1-2",)), "consent-record": Answer(("consent-agree",))}
    observation = extract_observations(definition, answers, CONTEXT)[0]
    assert observation["code"]["text"] == wording

    schema = schema_for(definition)
    assert schema.definition.item("days-per-week").text == wording


def _now():  # type: ignore[no-untyped-def]
    from datetime import UTC, datetime

    return datetime.now(UTC)


def test_skip_logic_is_in_the_questionnaire_as_enable_when() -> None:
    questionnaire = build_questionnaire(INTAKE)
    section_b = next(i for i in questionnaire["item"] if i["linkId"] == "section-b")
    assert section_b["enableWhen"] == [
        {
            "question": "tools",
            "operator": "!=",
            "answerCoding": {"system": LOCAL_SYSTEM, "code": "tool-none"},
        }
    ]
    consent = next(i for i in questionnaire["item"] if i["linkId"] == "section-f")
    assert "enableWhen" not in consent  # "none" skips *to* consent, never past it


def test_questionnaire_carries_canonical_url_version_and_extraction_flags() -> None:
    questionnaire = build_questionnaire(INTAKE)
    assert questionnaire["url"].endswith("/Questionnaire/ai-use-intake")
    assert questionnaire["version"] == INTAKE.version
    tools = questionnaire["item"][1]["item"][0]
    assert tools["linkId"] == "tools" and tools["repeats"] is True
    assert {
        "url": "http://hl7.org/fhir/uv/sdc/StructureDefinition/"
        "sdc-questionnaire-observationExtract",
        "valueBoolean": True,
    } in tools["extension"]


#: Fingerprint of the intake's Questionnaire per version. If the test below fails, the
#: questions changed: give the definition a new version (stored responses keep pointing at
#: the version they answered), then record the new fingerprint here.
FINGERPRINTS = {"1.0.0": "a5ec9f3906259c44"}


def _fingerprint(definition: Definition) -> str:
    questionnaire = build_questionnaire(definition)
    return hashlib.sha256(json.dumps(questionnaire, sort_keys=True).encode()).hexdigest()[:16]


def test_changing_the_questions_requires_a_new_version() -> None:
    assert FINGERPRINTS.get(INTAKE.version) == _fingerprint(INTAKE), (
        "The intake's questions changed: bump INTAKE.version and record the new fingerprint."
    )


def test_linkids_are_unique_and_checked() -> None:
    with pytest.raises(ValueError, match="used twice"):
        Definition(
            "x",
            "X",
            "X",
            "1",
            "",
            (Item("a", "A", "string"), Item("a", "B", "string")),
            "p",
            "P",
            "2026-01-01",
        )

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
from fhir_mappings.definitions.intake import INTAKE_1_0_0, INTAKE_VERSIONS
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


def test_intake_has_the_twenty_items_in_six_sections_consent_first() -> None:
    assert [s.prefix for s in INTAKE.items] == ["F", "A", "B", "C", "D", "E"]
    # The numbering is each item's identity, not its place on the page.
    assert sorted(_numbered(INTAKE), key=int) == [str(n) for n in range(1, 21)]
    assert _numbered(INTAKE)[:2] == ["19", "20"]
    # The first version asked consent last; it is kept for the responses that answered it.
    assert [s.prefix for s in INTAKE_1_0_0.items] == ["A", "B", "C", "D", "E", "F"]
    assert _numbered(INTAKE_1_0_0) == [str(n) for n in range(1, 21)]
    assert [i.link_id for i in INTAKE.questions()] != [i.link_id for i in INTAKE_1_0_0.questions()]
    assert {i.link_id for i in INTAKE.questions()} == {i.link_id for i in INTAKE_1_0_0.questions()}


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
    section_a = INTAKE.item("section-a")
    children = tuple(
        replace(c, text=text) if c.link_id == days.link_id else c for c in section_a.children
    )
    return replace(
        INTAKE,
        items=tuple(replace(s, children=children) if s is section_a else s for s in INTAKE.items),
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


CONSENTED = {
    "question": "consent-record",
    "operator": "=",
    "answerCoding": {"system": LOCAL_SYSTEM, "code": "consent-agree"},
}
USES_AI = {
    "question": "tools",
    "operator": "!=",
    "answerCoding": {"system": LOCAL_SYSTEM, "code": "tool-none"},
}


def test_skip_logic_is_in_the_questionnaire_as_enable_when() -> None:
    questionnaire = build_questionnaire(INTAKE)
    sections = {i["linkId"]: i for i in questionnaire["item"] if i["type"] == "group"}
    # Consent first, asked unconditionally; every other section waits for "I agree".
    assert [i["linkId"] for i in questionnaire["item"]][:2] == ["preface", "section-f"]
    assert "enableWhen" not in sections["section-f"]
    assert sections["section-a"]["enableWhen"] == [CONSENTED]
    for link_id in ("section-b", "section-c", "section-d", "section-e"):
        assert sections[link_id]["enableWhen"] == [CONSENTED, USES_AI]
        assert sections[link_id]["enableBehavior"] == "all"
    # 1.0.0 asked consent last and never waited for it.
    old = {i["linkId"]: i for i in build_questionnaire(INTAKE_1_0_0)["item"]}
    assert old["section-b"]["enableWhen"] == [USES_AI]
    assert "enableWhen" not in old["section-a"]
    assert list(old)[-1] == "section-f"


def test_a_section_outside_the_gate_must_wait_for_it() -> None:
    section_a = INTAKE.item("section-a")
    ungated = replace(section_a, enable_when=())
    with pytest.raises(ValueError, match="asked after the gate"):
        replace(
            INTAKE,
            items=tuple(ungated if s is section_a else s for s in INTAKE.items),
            _index={},
            _parents={},
        )


def test_questionnaire_carries_canonical_url_version_and_extraction_flags() -> None:
    questionnaire = build_questionnaire(INTAKE)
    assert questionnaire["url"].endswith("/Questionnaire/ai-use-intake")
    assert questionnaire["version"] == INTAKE.version
    tools = questionnaire["item"][2]["item"][0]
    assert tools["linkId"] == "tools" and tools["repeats"] is True
    assert {
        "url": "http://hl7.org/fhir/uv/sdc/StructureDefinition/"
        "sdc-questionnaire-observationExtract",
        "valueBoolean": True,
    } in tools["extension"]


#: Fingerprint of the intake's Questionnaire per version. If the test below fails, the
#: questions changed: give the definition a new version (stored responses keep pointing at
#: the version they answered), then record the new fingerprint here. Both versions were
#: re-fingerprinted once without a new version when the published Questionnaires changed
#: how they render, not what they ask: options carried as answerOption (renderable with no
#: terminology server) and the purposes matrix's item control corrected from gtable to table;
#: linkIds, texts, codes and skip logic stayed the same (test_questionnaire_renders_offline).
#: Recorded again, questions unchanged, when the Questionnaires came to declare the
#: Observation category their answers were always extracted with
#: (sdc-questionnaire-observation-extract-category).
FINGERPRINTS = {"1.0.0": "189abf28c228eb67", "1.1.0": "9fcff6e64ff1627b"}


def _without_translations(node: object) -> object:
    """The resource without its translations (``_text`` and the like) and language: a
    translation added to a published version changes none of its questions."""
    if isinstance(node, dict):
        return {
            k: _without_translations(v)
            for k, v in node.items()
            if not k.startswith("_") and k != "language"
        }
    if isinstance(node, list):
        return [_without_translations(v) for v in node]
    return node


def _fingerprint(definition: Definition) -> str:
    questionnaire = _without_translations(build_questionnaire(definition))
    return hashlib.sha256(json.dumps(questionnaire, sort_keys=True).encode()).hexdigest()[:16]


@pytest.mark.parametrize("definition", INTAKE_VERSIONS, ids=lambda d: d.version)
def test_changing_the_questions_requires_a_new_version(definition: Definition) -> None:
    # A published version never changes: stored responses are read with it.
    assert FINGERPRINTS.get(definition.version) == _fingerprint(definition), (
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


@pytest.mark.parametrize("definition", INTAKE_VERSIONS, ids=lambda d: d.version)
def test_questionnaire_renders_offline(definition: Definition) -> None:
    """Every choice carries its options (answerOption, the codes of its answer list); with a
    terminology server named, it names the ValueSet instead, and the server is preferred."""
    offline = build_questionnaire(definition)
    online = build_questionnaire(definition, terminology_server="https://ehr.example/fhir")

    def items(node: dict) -> list[dict]:
        found = []
        for child in node.get("item", []):
            found += [child, *items(child)]
        return found

    by_id = {item["linkId"]: item for item in items(offline)}
    for item in definition.walk():
        served = by_id[item.link_id]
        if item.answers is not None:
            codes = [o["valueCoding"]["code"] for o in served["answerOption"]]
            assert codes == list(item.answers.codes) and "answerValueSet" not in served
    online_by_id = {item["linkId"]: item for item in items(online)}
    for item in definition.walk():
        if item.answers is not None:
            assert online_by_id[item.link_id]["answerValueSet"].endswith(
                f"/ValueSet/{item.answers.id}"
            )
            assert "answerOption" not in online_by_id[item.link_id]
    preferred = {
        "url": "http://hl7.org/fhir/uv/sdc/StructureDefinition/"
        "sdc-questionnaire-preferredTerminologyServer",
        "valueUrl": "https://ehr.example/fhir",
    }
    assert preferred in online["extension"]
    assert preferred not in offline["extension"]
    controls = [
        e["valueCodeableConcept"]["coding"][0]["code"]
        for item in items(offline)
        for e in item.get("extension", [])
        if e["url"].endswith("questionnaire-itemControl")
    ]
    assert "table" in controls and "gtable" not in controls

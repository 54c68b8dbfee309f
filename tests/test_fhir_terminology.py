"""Terminology operations on the module's CodeSystem and ValueSets: $expand (filter, paging,
displayLanguage), $lookup and $validate-code, type and instance level, GET and POST."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fhir.resources.R4B.parameters import Parameters
from fhir.resources.R4B.valueset import ValueSet
from sqlalchemy import func, select

from fhir_mappings.codes import LOCAL_SYSTEM
from fhir_mappings.definitions.answer_lists import COMFORT, RELIANCE
from fhir_mappings.terminology import valueset_url
from intake_ai.models import AuditRecord
from intake_ai.store.database import session
from tests.conftest import bearer
from tests.fhir_validator import run_validator


@pytest.fixture
def api(app, make):  # type: ignore[no-untyped-def]
    make.user("integrator", "ehr")
    client = app.test_client()
    client.headers = bearer(make.token("ehr", "system/*.read"))  # type: ignore[attr-defined]
    return client


def _get(api: Any, path: str, **params: Any) -> Any:
    return api.get(f"/fhir/{path}", query_string=params, headers=api.headers)


def _post(api: Any, path: str, parameters: list[dict[str, Any]]) -> Any:
    body = {"resourceType": "Parameters", "parameter": parameters}
    return api.post(
        f"/fhir/{path}",
        data=json.dumps(body),
        headers={**api.headers, "Content-Type": "application/fhir+json"},
    )


def _param(body: dict[str, Any], name: str) -> Any:
    for entry in body["parameter"]:
        if entry["name"] == name:
            return next(v for k, v in entry.items() if k.startswith("value"))
    return None


def test_expand_by_url_lists_every_answer_with_the_total(api) -> None:
    answer = _get(api, "ValueSet/$expand", url=valueset_url(COMFORT))
    assert answer.status_code == 200, answer.json
    expanded = ValueSet.model_validate(answer.json)  # an independent FHIR model reads it
    assert expanded.expansion.total == len(COMFORT.options)
    assert [c.code for c in expanded.expansion.contains] == list(COMFORT.codes)
    assert [c.display for c in expanded.expansion.contains] == [o.display for o in COMFORT.options]
    assert {c.system for c in expanded.expansion.contains} == {LOCAL_SYSTEM}


def test_expand_on_the_instance_and_by_post_give_the_same_codes(api) -> None:
    by_url = _get(api, "ValueSet/$expand", url=valueset_url(RELIANCE)).json
    instance = _get(api, f"ValueSet/{RELIANCE.id}/$expand").json
    posted = _post(api, "ValueSet/$expand", [{"name": "url", "valueUri": valueset_url(RELIANCE)}])
    assert posted.status_code == 200, posted.json
    codes = [c["code"] for c in by_url["expansion"]["contains"]]
    assert codes == list(RELIANCE.codes)
    assert [c["code"] for c in instance["expansion"]["contains"]] == codes
    assert [c["code"] for c in posted.json["expansion"]["contains"]] == codes


def test_expand_filters_by_words_of_the_display_and_pages(api) -> None:
    url = valueset_url(COMFORT)
    harder = _get(api, "ValueSet/$expand", url=url, filter="hard").json["expansion"]
    wanted = [o.code for o in COMFORT.options if "harder" in o.display.lower()]
    assert wanted and [c["code"] for c in harder["contains"]] == wanted
    assert harder["total"] == len(wanted)
    page = _get(api, "ValueSet/$expand", url=url, count=2, offset=1).json["expansion"]
    assert [c["code"] for c in page["contains"]] == list(COMFORT.codes[1:3])
    assert page["total"] == len(COMFORT.options) and page["offset"] == 1
    none = _get(api, "ValueSet/$expand", url=url, filter="zzzz").json["expansion"]
    assert none["total"] == 0 and "contains" not in none


def test_display_language_is_echoed_and_the_displays_stay_english(api) -> None:
    german = _get(api, "ValueSet/$expand", url=valueset_url(COMFORT), displayLanguage="de").json
    assert {"name": "displayLanguage", "valueCode": "de"} in german["expansion"]["parameter"]
    assert german["language"] == "en"
    assert german["expansion"]["contains"][0]["display"] == COMFORT.options[0].display
    bad = _get(api, "ValueSet/$expand", url=valueset_url(COMFORT), displayLanguage="no tag!")
    assert bad.status_code == 400 and bad.json["resourceType"] == "OperationOutcome"


@pytest.mark.parametrize(
    ("params", "status", "expression"),
    [
        ({"url": "http://example.org/ValueSet/nothing"}, 404, "url"),
        ({}, 400, "url"),
        ({"url": valueset_url(COMFORT), "count": "-1"}, 400, "count"),
        ({"url": valueset_url(COMFORT), "sort": "x"}, 400, "sort"),
    ],
)
def test_expand_answers_an_outcome_naming_the_parameter(api, params, status, expression) -> None:
    answer = _get(api, "ValueSet/$expand", **params)
    assert answer.status_code == status
    assert answer.json["resourceType"] == "OperationOutcome"
    assert answer.json["issue"][0]["expression"] == [expression]


def test_lookup_gives_display_and_unknowns_an_outcome(api) -> None:
    option = COMFORT.options[0]
    found = _get(api, "CodeSystem/$lookup", system=LOCAL_SYSTEM, code=option.code)
    assert found.status_code == 200, found.json
    Parameters.model_validate(found.json)
    assert _param(found.json, "display") == option.display
    assert _param(found.json, "name") == "AIChatUse"
    posted = _post(api, "CodeSystem/ai-use/$lookup", [{"name": "code", "valueCode": option.code}])
    assert _param(posted.json, "display") == option.display
    unknown_code = _get(api, "CodeSystem/$lookup", system=LOCAL_SYSTEM, code="no-such-code")
    assert unknown_code.status_code == 404
    assert unknown_code.json["issue"][0]["code"] == "not-found"
    unknown_system = _get(api, "CodeSystem/$lookup", system="http://example.org/cs", code="a")
    assert unknown_system.status_code == 404
    assert unknown_system.json["issue"][0]["expression"] == ["system"]


def test_value_set_validate_code(api) -> None:
    url = valueset_url(COMFORT)
    option = COMFORT.options[1]
    good = _get(api, "ValueSet/$validate-code", url=url, system=LOCAL_SYSTEM, code=option.code)
    assert _param(good.json, "result") is True and _param(good.json, "display") == option.display
    other = RELIANCE.options[0].code
    outside = _get(api, "ValueSet/$validate-code", url=url, system=LOCAL_SYSTEM, code=other)
    assert outside.status_code == 200 and _param(outside.json, "result") is False
    wrong_display = _post(
        api,
        f"ValueSet/{COMFORT.id}/$validate-code",
        [
            {
                "name": "coding",
                "valueCoding": {"system": LOCAL_SYSTEM, "code": option.code, "display": "Nope"},
            }
        ],
    )
    assert _param(wrong_display.json, "result") is False
    assert option.display in _param(wrong_display.json, "message")
    unknown = _get(api, "ValueSet/$validate-code", url="http://example.org/vs", code="a")
    assert unknown.status_code == 404 and unknown.json["resourceType"] == "OperationOutcome"


def test_code_system_validate_code(api) -> None:
    option = RELIANCE.options[2]
    good = _get(api, "CodeSystem/$validate-code", url=LOCAL_SYSTEM, code=option.code)
    assert _param(good.json, "result") is True
    instance = _get(api, "CodeSystem/ai-use/$validate-code", code="no-such-code")
    assert _param(instance.json, "result") is False
    unknown = _get(api, "CodeSystem/$validate-code", url="http://example.org/cs", code="a")
    assert unknown.status_code == 404


def test_operations_need_a_token_and_the_read_scope_and_are_audited(app, api, make) -> None:
    url = valueset_url(COMFORT)
    anonymous = app.test_client().get("/fhir/ValueSet/$expand", query_string={"url": url})
    assert anonymous.status_code == 401
    make.user("integrator", "narrow")
    narrow = bearer(make.token("narrow", "system/Observation.read"))
    refused = app.test_client().get(
        "/fhir/ValueSet/$expand", query_string={"url": url}, headers=narrow
    )
    assert refused.status_code == 403
    with app.app_context():
        before = session().scalar(select(func.count()).select_from(AuditRecord))
    assert _get(api, "ValueSet/$expand", url=url).status_code == 200
    with app.app_context():
        entries = (
            session().scalars(select(AuditRecord).order_by(AuditRecord.id.desc()).limit(1)).all()
        )
        after = session().scalar(select(func.count()).select_from(AuditRecord))
    assert after == before + 1
    assert entries[0].operation == "expand" and entries[0].entity == f"ValueSet/{COMFORT.id}"


def test_capability_statement_lists_the_terminology_operations(api) -> None:
    statement = _get(api, "metadata").json
    by_type = {r["type"]: r for r in statement["rest"][0]["resource"]}
    names = {t: {o["name"] for o in by_type[t]["operation"]} for t in ("ValueSet", "CodeSystem")}
    assert {"expand", "validate-code"} <= names["ValueSet"]
    assert {"lookup", "validate-code"} <= names["CodeSystem"]


def test_expansions_pass_the_external_validators(api, tmp_path) -> None:
    expanded = [
        _get(api, "ValueSet/$expand", url=valueset_url(answers)).json
        for answers in (COMFORT, RELIANCE)
    ]
    looked_up = _get(api, "CodeSystem/$lookup", system=LOCAL_SYSTEM, code=COMFORT.codes[0]).json
    run_validator([*expanded, looked_up], tmp_path)

"""The bad-input battery: every kind of hostile or broken input gets a clear 4xx, is never
stored, and text that is stored comes back verbatim and is rendered escaped."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest

from fhir_mappings.definitions import INTAKE, SESSION_NOTE
from fhir_mappings.definitions.model import Definition, Item
from intake_ai.fhir_api.search_params import PARAMETERS
from tests.intake_helpers import (
    CALM_NOTE,
    FULL_INTAKE,
    count_clinical,
    field_errors,
    review_answers,
    submit_intake,
    submit_note,
)
from tests.test_fhir_write import FHIR, note_response, practitioner

#: Script, attribute, SQL and template injection in one line (under every field's limit).
HOSTILE = (
    "<script>alert('x')</script> \" onmouseover=\"alert(1) "
    "'; DROP TABLE intake_resource; -- {{ 7*7 }}"
)
RAW_MARKERS = ("<script>alert(", 'onmouseover="alert')
ESCAPED = "&lt;script&gt;alert("

SEARCH_VALUES = [
    HOSTILE,
    "' OR '1'='1",
    "1 OR 1=1",
    "Patient/1; DELETE FROM intake_client",
    "9" * 40,
    "²",
    "-1",
    "|",
    "http://x|",
    ",",
    "gt2026-13-45",
    "eq2026-02-30",
    "ge9999-12-31",
    "2026-11-24T10:00",
    "le2026-11-24T25:00:00Z",
    "x" * 2001,
    "%",
    "_",
    "*",
]


def assert_outcome(response: Any, status: int | tuple[int, ...] = 400) -> dict[str, Any]:
    wanted = status if isinstance(status, tuple) else (status,)
    assert response.status_code in wanted, response.get_data(as_text=True)[:500]
    body = response.json
    assert body["resourceType"] == "OperationOutcome"
    assert body["issue"][0]["diagnostics"]
    return body


# The FHIR API ---------------------------------------------------------------------------


@pytest.mark.parametrize("resource_type", sorted(PARAMETERS))
def test_hostile_search_values_never_cause_a_server_error(client, world, resource_type) -> None:
    names = [p.name for p in PARAMETERS[resource_type]] + [
        "_id",
        "_lastUpdated",
        "_count",
        "_sort",
        "_include",
        "_summary",
        "_cursor",
    ]
    for name in names:
        for value in SEARCH_VALUES:
            response = client.get(
                f"/fhir/{resource_type}", query_string={name: value}, headers=world.integrator
            )
            assert response.status_code in (200, 400, 406), (name, value, response.status_code)
            if response.status_code == 200:
                bundle = response.json
                assert bundle["resourceType"] == "Bundle"
                # An injected condition must match nothing, never everything.
                if "OR" in value or "DROP" in value:
                    assert bundle["total"] == 0, (name, value)
            else:
                assert_outcome(response, (400, 406))


def test_hostile_values_in_audit_event_searches(app, client, make, world) -> None:
    make.user("admin", "root")
    make.user("integrator", "ehr-audit")
    for user in ("root", "ehr-audit"):
        headers = {"Authorization": f"Bearer {make.token(user, 'system/AuditEvent.read')}"}
        for name in ("date", "patient", "_count", "_cursor", "entity"):
            # An admin's view of the trail names no clients: a patient search is refused.
            allowed = (403,) if (user, name) == ("root", "patient") else (200, 400)
            for value in SEARCH_VALUES:
                response = client.get(
                    "/fhir/AuditEvent", query_string={name: value}, headers=headers
                )
                assert response.status_code in allowed, (user, name, value)
                if response.status_code != 200:
                    assert_outcome(response, allowed)


def test_unknown_and_duplicate_search_parameters(client, world) -> None:
    unknown = assert_outcome(client.get("/fhir/Observation?colour=blue", headers=world.integrator))
    assert "colour" in unknown["issue"][0]["diagnostics"]
    twice = assert_outcome(
        client.get("/fhir/Observation?_count=5&_count=6", headers=world.integrator)
    )
    assert "_count appears more than once" in twice["issue"][0]["diagnostics"]
    lenient = client.get(
        "/fhir/Observation?colour=blue",
        headers={**world.integrator, "Prefer": "handling=lenient"},
    )
    assert lenient.status_code == 200
    # The same parameter twice is an AND, as FHIR defines it.
    both = client.get(
        f"/fhir/Observation?patient={world.agreed}&patient={world.second}",
        headers=world.integrator,
    )
    assert both.status_code == 200 and both.json["total"] == 0


@pytest.mark.parametrize(
    "query",
    ["code=%FF%FE", "%C3%28=1", "patient=Patient%2F1%00", "_lastUpdated=ge2026%0B"],
    ids=["invalid-utf8-value", "invalid-utf8-name", "nul", "control-character"],
)
def test_search_text_that_is_not_text_is_a_400(client, world, query) -> None:
    body = assert_outcome(
        client.get("/fhir/Observation", query_string=query, headers=world.integrator)
    )
    assert "not valid UTF-8" in body["issue"][0]["diagnostics"]
    posted = client.post(
        "/fhir/Observation/_search",
        data=query,
        headers={**world.integrator, "Content-Type": "application/x-www-form-urlencoded"},
    )
    assert_outcome(posted)


def _with_reliance(world: Any, author: int, value: object) -> dict[str, Any]:
    return note_response(world, author, value)


def _deep(levels: int) -> dict[str, Any]:
    item: dict[str, Any] = {"linkId": "section-use"}
    for _ in range(levels):
        item = {"linkId": "section-use", "item": [item]}
    return item


BROKEN_RESPONSES = {
    # name: (change to a valid note response, status, expected element path or None)
    "status-wrong-type": (lambda r: r.update(status=5), "QuestionnaireResponse.status"),
    "status-unknown-code": (lambda r: r.update(status="finished"), "QuestionnaireResponse.status"),
    "item-not-a-list": (lambda r: r.update(item="answers"), "QuestionnaireResponse.item"),
    "authored-not-a-date": (
        lambda r: r.update(authored="yesterday"),
        "QuestionnaireResponse.authored",
    ),
    "authored-impossible-date": (
        lambda r: r.update(authored="2026-02-30T10:00:00Z"),
        "QuestionnaireResponse.authored",
    ),
    "subject-not-a-reference": (
        lambda r: r.update(subject="Patient/1"),
        "QuestionnaireResponse.subject",
    ),
    "answer-unknown-code": (
        lambda r: r["item"][0]["item"][0]["answer"][0]["valueCoding"].update(code="use-maybe"),
        "QuestionnaireResponse.item[0].item[0]",
    ),
    "answer-wrong-type": (
        lambda r: r["item"][0]["item"][1]["answer"][0].update(valueInteger="ten"),
        "QuestionnaireResponse.item[0].item[1].answer[0].valueInteger",
    ),
    "answer-out-of-range": (
        lambda r: r["item"][0]["item"][1]["answer"][0].update(valueInteger=99),
        "QuestionnaireResponse.item[0].item[1]",
    ),
    "nul-in-text": (
        lambda r: r["item"][0]["item"].append(
            {"linkId": "themes-other", "answer": [{"valueString": "a\x00b"}]}
        ),
        "QuestionnaireResponse.item[0].item[3].answer[0].valueString",
    ),
    "lone-surrogate": (
        lambda r: r.update(language="\ud800"),
        "QuestionnaireResponse.language",
    ),
    "deeply-nested": (lambda r: r["item"].append(_deep(200)), None),
    "unknown-element": (lambda r: r.update(colour="blue"), "QuestionnaireResponse.colour"),
}


@pytest.mark.parametrize("case", sorted(BROKEN_RESPONSES))
def test_broken_resources_are_refused_with_their_path_and_store_nothing(
    app, client, world, case
) -> None:
    before = count_clinical(app)
    change, path = BROKEN_RESPONSES[case]
    resource = note_response(world, practitioner(app, "dr-a"))
    change(resource)
    body = json.dumps(resource)  # escapes the surrogate and NUL as JSON allows
    response = client.post(
        "/fhir/QuestionnaireResponse", data=body, headers={**world.clinician, **FHIR}
    )
    outcome = assert_outcome(response)
    if path is not None:
        expressions = [e for issue in outcome["issue"] for e in issue.get("expression", [])]
        assert any(e.startswith(path) for e in expressions), outcome
    assert count_clinical(app) == before


def test_an_oversized_body_without_a_length_header_is_413_and_stores_nothing(
    app, client, world
) -> None:
    before = count_clinical(app)
    app.config["INTAKE_AI_FHIR_MAX_BODY"] = 2000
    resource = note_response(world, practitioner(app, "dr-a"))
    resource["item"][0]["item"].append(
        {"linkId": "themes-other", "answer": [{"valueString": "x" * 5000}]}
    )

    # No Content-Length: the limit must hold while reading, not only on the header.
    response = client.post(
        "/fhir/QuestionnaireResponse",
        input_stream=io.BytesIO(json.dumps(resource).encode()),
        headers={**world.clinician, **FHIR},
    )
    assert_outcome(response, 413)
    assert count_clinical(app) == before


def test_hostile_text_through_the_api_is_stored_verbatim(app, client, world) -> None:
    resource = note_response(world, practitioner(app, "dr-a"))
    resource["item"][0]["item"].append(
        {"linkId": "themes", "answer": [{"valueCoding": {"code": "theme-other"}}]}
    )
    resource["item"][0]["item"].append(
        {"linkId": "themes-other", "answer": [{"valueString": HOSTILE}]}
    )
    created = client.post(
        "/fhir/QuestionnaireResponse",
        data=json.dumps(resource),
        headers={**world.clinician, **FHIR},
    )
    assert created.status_code == 201, created.json
    read = client.get(created.headers["Location"], headers=world.clinician).json
    texts = [
        answer.get("valueString")
        for section in read["item"]
        for item in section.get("item", [])
        for answer in item.get("answer", [])
    ]
    assert HOSTILE in texts
    # The tables the SQL fragment names are still there and still hold everything.
    assert count_clinical(app)["QuestionnaireResponse"] >= 5


# Forms ----------------------------------------------------------------------------------


def _enabled_base(definition: Definition, base: dict[str, Any], item: Item) -> dict[str, Any]:
    """``base`` with whatever answers enable ``item`` (its own conditions and its parents')."""
    data = dict(base)
    for condition in item.enable_when:
        if condition.operator == "=":
            trigger = definition.item(condition.question)
            data[condition.question] = [condition.answer] if trigger.repeats else condition.answer
            break  # one condition of an "any" list is enough
    return data


def _garbage(item: Item) -> tuple[Any, str]:
    """A bad answer for the item and a fragment of the message it must get."""
    if item.kind == "choice":
        return ("not-an-answer-code", "is not one of the answers")
    if item.kind == "boolean":
        return ("perhaps", "yes or no")
    if item.kind == "integer":
        return ("ten", "whole number")
    if item.kind == "date":
        return ("2026-02-30", "date")
    assert item.max_length is not None
    return ("x" * (item.max_length + 1), f"under {item.max_length} characters")


def _cases(definition: Definition) -> list[Any]:
    return [
        pytest.param(item.link_id, id=item.link_id)
        for item in definition.questions()
        if item.link_id not in ("consent-terms", "research-opt-in")
    ]


@pytest.fixture
def first_visit(make, auth):  # type: ignore[no-untyped-def]
    make.user("supervisor", "sup")
    make.user("clinician", "dr-a", supervisor="sup")
    client_id = make.client("dr-a")
    auth.login("dr-a")
    return client_id, make.encounter(client_id, "dr-a")


@pytest.mark.parametrize("link_id", _cases(INTAKE))
def test_every_intake_item_refuses_a_bad_answer_at_its_field(
    app, client, first_visit, link_id
) -> None:
    _client_id, encounter_id = first_visit
    item = INTAKE.item(link_id)
    value, message = _garbage(item)
    data = {**_enabled_base(INTAKE, FULL_INTAKE, item), link_id: value}
    response = client.post(f"/sessions/{encounter_id}/intake", data={**data, "action": "save"})
    assert response.status_code == 400
    errors = field_errors(response.get_data(as_text=True), link_id)
    assert any(message in e for e in errors), errors
    assert count_clinical(app) == {}


@pytest.mark.parametrize("link_id", _cases(SESSION_NOTE))
def test_every_note_item_refuses_a_bad_answer_at_its_field(
    app, client, first_visit, make, link_id
) -> None:
    client_id, intake_encounter = first_visit
    submit_intake(client, intake_encounter, FULL_INTAKE)
    before = count_clinical(app)
    encounter_id = make.encounter(client_id, "dr-a")
    item = SESSION_NOTE.item(link_id)
    value, message = _garbage(item)
    data = {**_enabled_base(SESSION_NOTE, CALM_NOTE, item), link_id: value}
    response = client.post(f"/sessions/{encounter_id}/note", data={**data, "action": "save"})
    assert response.status_code == 400
    errors = field_errors(response.get_data(as_text=True), link_id)
    assert any(message in e for e in errors), errors
    assert count_clinical(app) == before


@pytest.mark.parametrize(
    "answers",
    [
        "{not json",
        "[1, 2]",
        '"text"',
        '{"tools": {"nested": {"deeper": 1}}}',
        '{"reliance-rating": [1, [2, [3]]]}',
        "[" * 5000 + "]" * 5000,
        json.dumps({"helped-detail": "x" * 100_000}),
    ],
    ids=["malformed", "a-list", "a-string", "nested-object", "nested-list", "deep", "huge"],
)
def test_a_tampered_review_step_is_refused(app, client, first_visit, answers) -> None:
    _client_id, encounter_id = first_visit
    response = client.post(
        f"/sessions/{encounter_id}/intake", data={"answers": answers, "action": "save"}
    )
    assert response.status_code == 400
    assert "Nothing was saved" in response.get_data(as_text=True)
    assert count_clinical(app) == {}


@pytest.mark.parametrize(
    "raw",
    [b"helped-detail=%FF%FE", b"tools-other=a%00b", b"%C3%28=1"],
    ids=["invalid-utf8", "nul", "invalid-utf8-name"],
)
def test_form_text_that_is_not_text_is_refused_naming_the_field(
    app, client, first_visit, raw
) -> None:
    _client_id, encounter_id = first_visit
    body = raw + b"&action=save&consent-record=consent-agree&consent-terms=true"
    response = client.post(
        f"/sessions/{encounter_id}/intake",
        data=body,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "not valid UTF-8" in page and "nothing was saved" in page
    if b"%C3%28" not in raw:
        assert raw.split(b"=")[0].decode() in page
    assert count_clinical(app) == {}


def test_out_of_range_ids_in_urls_are_404_not_errors(app, client, first_visit) -> None:
    huge = "9" * 30
    for url in (
        f"/clients/{huge}",
        f"/sessions/{huge}/intake",
        f"/sessions/{huge}/note",
        f"/records/QuestionnaireResponse/{huge}/history",
        f"/records/QuestionnaireResponse/1/_history/{huge}",
        f"/notes/{huge}",
        f"/intake/{huge}",
        f"/flags/{huge}/acknowledge",
        f"/indicator/{huge}/review",
    ):
        assert client.get(url).status_code == 404, url
    assert client.get(f"/supervision?clinician={huge}").status_code in (403, 404)


def test_every_free_text_field_keeps_hostile_text_and_renders_it_escaped(
    app, client, first_visit, make
) -> None:
    client_id, encounter_id = first_visit
    # The client's display name, through the registration form.
    registered = client.post(
        "/clients/new", data={"ehr_patient_id": "EHR-HOSTILE", "display_name": HOSTILE[:60]}
    )
    assert registered.status_code == 302
    # Intake free text.
    intake = {
        **FULL_INTAKE,
        "tools-other": HOSTILE,
        "helped-detail": HOSTILE,
        "advice-conflict": "yes",
        "advice-conflict-detail": HOSTILE,
    }
    review = client.post(f"/sessions/{encounter_id}/intake", data={**intake, "action": "review"})
    assert_escaped(review.get_data(as_text=True))
    saved = client.post(
        f"/sessions/{encounter_id}/intake",
        data={"answers": review_answers(review.get_data(as_text=True)), "action": "save"},
    )
    assert saved.status_code == 302
    # Session-note free text, the annotation, and an override reason.
    note_encounter = make.encounter(client_id, "dr-a")
    note = {
        **CALM_NOTE,
        "themes": ["theme-other"],
        "themes-other": HOSTILE,
        "advice-fit": "fit-conflict-safety",
        "advice-fit-detail": HOSTILE,
        "alliance-comment": HOSTILE,
    }
    stored = submit_note(
        client,
        note_encounter,
        note,
        review={"review": "override", "band": "band-high", "reason": HOSTILE},
        annotation=HOSTILE,
    )
    assert stored.status_code == 302, stored.get_data(as_text=True)[:2000]
    # A flag raised by hand, acknowledged with a note; an annotation; a deletion reason.
    assert (
        client.post(
            f"/clients/{client_id}/flags/new",
            data={"kind": "flag-replace-therapy", "reason": HOSTILE},
        ).status_code
        == 302
    )
    records = stored_records(app)
    flag = records["Flag"][0]
    owner = practitioner(app, "dr-a")
    acknowledged = client.post(
        f"/flags/{flag['id']}/acknowledge",
        data={"note": HOSTILE, "owner": str(owner), "base_version": flag["meta"]["versionId"]},
    )
    assert acknowledged.status_code == 302
    panel = next(
        o for o in records["Observation"] if o["code"]["coding"][0]["code"].endswith("panel")
    )
    client.post(
        f"/records/Observation/{panel['id']}/annotations", data={"text": HOSTILE, "shared": "true"}
    )
    note_response_id = next(
        r["id"] for r in records["QuestionnaireResponse"] if "session-note" in r["questionnaire"]
    )
    intake_response_id = next(
        r["id"] for r in records["QuestionnaireResponse"] if "intake" in r["questionnaire"]
    )
    marked = client.post(
        f"/records/Observation/{panel['id']}/entered-in-error", data={"reason": HOSTILE}
    )
    assert marked.status_code == 302

    # Every stored copy is exactly what was typed.
    texts = json.dumps(stored_records(app))
    assert texts.count(json.dumps(HOSTILE)[1:-1]) >= 10
    # Every page that shows it shows it escaped.
    for url in (
        f"/clients/{client_id}",
        "/clients",
        f"/intake/{intake_response_id}",
        f"/notes/{note_response_id}",
        f"/records/QuestionnaireResponse/{note_response_id}/history",
        f"/records/Observation/{panel['id']}/history",
        f"/flags/{flag['id']}/acknowledge",
    ):
        page = client.get(url)
        assert page.status_code == 200, url
        assert_escaped(page.get_data(as_text=True), url)


def assert_escaped(page: str, where: str = "") -> None:
    for marker in RAW_MARKERS:
        assert marker not in page, where
    assert ESCAPED in page, where


def stored_records(app) -> dict[str, list[dict[str, Any]]]:  # type: ignore[no-untyped-def]
    from sqlalchemy import select

    from intake_ai.models import StoredResource
    from intake_ai.store import resources as resource_store
    from intake_ai.store.database import session

    found: dict[str, list[dict[str, Any]]] = {}
    with app.app_context():
        rows = session().scalars(
            select(StoredResource)
            .where(StoredResource.is_current, StoredResource.deleted.is_(False))
            .order_by(StoredResource.pk)
        )
        for row in rows:
            found.setdefault(row.resource_type, []).append(resource_store.load(row))
    return found

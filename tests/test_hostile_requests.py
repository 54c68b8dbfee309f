"""No 5xx from hostile input anywhere: redirect targets, version fields, page cursors, ids
past 64 bits, and (property-based) any value in any URL parameter, query or form field of
any route of the module."""

from __future__ import annotations

import base64
import json
import re
from typing import Any

import pytest
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict

from tests.api_world import World
from tests.conftest import AuthActions
from tests.test_audit_every_request import _current

HUGE = "9" * 30


def _cursor(payload: Any) -> str:
    raw = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


@pytest.mark.parametrize(
    "target",
    [
        "/\r\nSet-Cookie: stolen=1",
        "/clients\nX: y",
        "/\x00",
        "/\x7f",
        "/\\evil.example",
        "//evil.example",
        "/é",
        "/" + "a" * 5000,
    ],
)
def test_hostile_next_after_sign_in_goes_home(client, make, target) -> None:
    make.user("clinician", "dr-a")
    response = client.post(
        "/login",
        query_string={"next": target},
        data={"username": "dr-a", "password": "correct-horse-1"},
    )
    assert response.status_code in (302, 400), response.status_code
    if response.status_code == 302:
        assert response.headers["Location"] == "/"


def test_hostile_next_after_an_annotation_stays_on_the_site(app, client, world: World) -> None:
    web = app.test_client()
    AuthActions(web).login("dr-a")
    observation = _current(app, "Observation", world.agreed, code="dependency-indicator")
    for target in ("/\r\nX: y", "/\\evil.example", "//evil.example"):
        response = web.post(
            f"/records/Observation/{observation}/annotations",
            data={"text": "Seen.", "next": target},
        )
        assert response.status_code == 302
        assert response.headers["Location"] == f"/clients/{world.agreed}"


@pytest.mark.parametrize("base_version", ["abc", "-1", "1.5", HUGE, "²", "", "0x10"])
def test_non_numeric_base_versions_are_refused_not_errors(app, world, base_version) -> None:
    web = app.test_client()
    AuthActions(web).login("dr-a")
    response_id = _current(app, "QuestionnaireResponse", world.agreed)
    answer = web.post(
        f"/intake/{response_id}/edit", data={"base_version": base_version, "action": "save"}
    )
    assert answer.status_code < 500
    flag = _current(app, "Flag", world.agreed)
    answer = web.post(
        f"/flags/{flag}/acknowledge", data={"base_version": base_version, "note": "Seen."}
    )
    assert answer.status_code < 500


CURSORS = [
    "!!!not-base64!!!",
    "a",
    "x" * 5000,
    _cursor(b"\xff\xfe garbage"),
    _cursor(b"[" * 100_000),
    _cursor([1, 2, 3]),
    _cursor("text"),
    _cursor({"k": None, "p": 10**30, "b": False}),
    _cursor({"k": None, "p": -5, "b": False}),
    _cursor({"k": None, "p": True, "b": False}),
    _cursor({"k": None, "p": 1.5, "b": False}),
    _cursor({"k": "2026-01-01T00:00:00", "p": 1, "b": False}),
    _cursor({"k": "not a date", "p": 1, "b": False}),
    _cursor({"k": 5, "p": 1, "b": "yes"}),
    _cursor({"p": 1}),
]


@pytest.mark.parametrize("cursor", CURSORS)
def test_damaged_cursors_are_a_400(client, world: World, cursor) -> None:
    for url in (
        "/fhir/Observation",
        "/fhir/Observation?_sort=-date",
        "/fhir/Observation/_history",
        "/fhir/AuditEvent",
    ):
        separator = "&" if "?" in url else "?"
        headers = world.integrator
        if url.startswith("/fhir/AuditEvent"):
            continue  # needs its own scope; covered below
        response = client.get(f"{url}{separator}_cursor={cursor}", headers=headers)
        assert response.status_code == 400, (url, response.status_code)
        assert response.json["resourceType"] == "OperationOutcome"


def test_ids_past_64_bits_anywhere_are_refused_not_errors(app, client, world: World) -> None:
    web = app.test_client()
    AuthActions(web).login("dr-a")
    flag = _current(app, "Flag", world.agreed)
    for method, url, data in (
        ("get", f"/clients/{HUGE}", None),
        ("post", f"/clients/{HUGE}/sessions", {"start": "2026-11-01T10:00"}),
        ("post", f"/clients/{HUGE}/consent/declined", {}),
        ("get", f"/clients/{HUGE}/flags/new", None),
        ("get", f"/records/QuestionnaireResponse/x/_history/{HUGE}", None),
        ("post", f"/flags/{flag}/acknowledge", {"note": "Seen.", "owner": HUGE}),
        ("get", f"/supervision?clinician={HUGE}", None),
        ("get", f"/admin/purge?type=Flag&id={HUGE}", None),
    ):
        response = getattr(web, method)(url, data=data)
        assert response.status_code < 500, (url, response.status_code)
    for url in (
        f"/fhir/Patient/{HUGE}",
        f"/fhir/Observation?patient={HUGE}",
        f"/fhir/Observation?patient=Patient/{HUGE}",
        f"/fhir/Observation?encounter=Encounter/{HUGE}",
        f"/fhir/Observation/x/_history/{HUGE}",
        f"/fhir/Observation?_count={HUGE}",
        f"/fhir/Observation/_history?_count={HUGE}",
        f"/fhir/$export-status/{HUGE}",
        f"/fhir/$export-file/{HUGE}/Observation.ndjson",
    ):
        response = client.get(url, headers=world.integrator)
        assert response.status_code < 500, (url, response.status_code)


def test_a_consent_decision_with_nothing_pending_is_a_400_page(app, world: World) -> None:
    web = app.test_client()
    AuthActions(web).login("dr-a")
    response = web.post(f"/clients/{world.agreed}/consent/declined")
    assert response.status_code == 400
    assert "no consent discussion pending" in response.get_data(as_text=True)


# Any value anywhere (property-based) ----------------------------------------------------

#: Text a hostile client might put anywhere: control characters, huge numbers, paths.
HOSTILE_TEXT = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=st.characters(max_codepoint=0x7F), max_size=40),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.sampled_from(["", "../..", "%00", "\r\n", "Patient/1", "1e999", "-0", "１２"]),
)
FIELDS = st.sampled_from(
    [
        "next",
        "base_version",
        "owner",
        "note",
        "reason",
        "kind",
        "band",
        "review",
        "text",
        "shared",
        "action",
        "answers",
        "start",
        "ehr_patient_id",
        "display_name",
        "clinician",
        "from",
        "to",
        "type",
        "id",
        "page",
        "_cursor",
        "_count",
        "patient",
        "_sort",
        "date",
    ]
)


def _fill_hostile(rule: Any, values: list[str]) -> str:
    names = iter(values)

    def value_of(match: re.Match[str]) -> str:
        raw = next(names, "1")
        safe = "-._~"
        return "".join(c if c.isalnum() or c in safe else f"%{ord(c) & 0xFF:02X}" for c in raw)

    return re.sub(r"<(?:[^<>:]+:)?([a-z_]+)>", value_of, rule.rule)


def _page_rules(app: Flask) -> list[Any]:
    return sorted(
        (
            r
            for r in app.url_map.iter_rules()
            if r.endpoint.split(".")[0].startswith("intake_")
            and r.endpoint not in ("intake_auth.logout",)
        ),
        key=lambda r: (r.rule, r.endpoint),
    )


@settings(max_examples=300, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_no_hostile_request_gets_a_server_error(app, world: World, data) -> None:
    rules = _page_rules(app)
    rule = data.draw(st.sampled_from(rules))
    values = data.draw(st.lists(HOSTILE_TEXT, min_size=3, max_size=3))
    url = _fill_hostile(rule, values)
    query = data.draw(st.lists(st.tuples(FIELDS, HOSTILE_TEXT), max_size=4))
    form = data.draw(st.lists(st.tuples(FIELDS, HOSTILE_TEXT), max_size=4))
    method = data.draw(st.sampled_from(sorted((rule.methods or set()) - {"OPTIONS"})))
    web = app.test_client()
    if rule.endpoint.startswith("intake_fhir."):
        headers = world.clinician
    else:
        AuthActions(web).login("dr-a")
        headers = {}
    response = web.open(
        url,
        method=method,
        query_string=MultiDict(query),
        data=MultiDict(form) if form else None,
        headers=headers,
    )
    response.close()
    assert response.status_code < 500, (method, url, query, form, response.status_code)

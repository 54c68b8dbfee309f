"""The module's own operations against the OperationDefinitions it serves: each definition is
served read-only at its canonical URL and named by the CapabilityStatement, and the operation
answers every out-parameter it declares, in the declared type, and refuses what it does not
declare with an OperationOutcome naming the element."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from flask.testing import FlaskClient
from sqlalchemy import select

from fhir_mappings.codes import CANONICAL_BASE
from fhir_mappings.operations import CHECKIN_LINK, operation_definition
from intake_ai.models import CheckIn
from intake_ai.store.database import session
from tests.checkin_helpers import agreed_client
from tests.conftest import bearer
from tests.fhir_validator import run_validator

FHIR = {"Content-Type": "application/fhir+json"}
#: The FHIR R4 instant: to the second at least, with a zone.
INSTANT = re.compile(
    r"\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:([0-5]\d|60)"
    r"(\.\d+)?(Z|[+-]((0\d|1[0-3]):[0-5]\d|14:00))"
)


def _of_type(value: Any, fhir_type: str) -> bool:
    if fhir_type == "instant":
        return isinstance(value, str) and INSTANT.fullmatch(value) is not None
    if fhir_type in ("uri", "url"):
        parts = urlsplit(value) if isinstance(value, str) else None
        return parts is not None and bool(parts.scheme and parts.netloc)
    if fhir_type == "string":
        return isinstance(value, str) and value != ""
    raise AssertionError(f"no check for the type {fhir_type}")


def served_definition(api: FlaskClient, headers: dict[str, str], url: str) -> dict[str, Any]:
    """The OperationDefinition the server serves at a canonical URL (a search by url)."""
    found = api.get("/fhir/OperationDefinition", query_string={"url": url}, headers=headers)
    assert found.status_code == 200, found.json
    [entry] = found.json["entry"]
    return entry["resource"]


def call_as_defined(
    api: FlaskClient, headers: dict[str, str], definition: dict[str, Any], instance: str
) -> dict[str, Any]:
    """POST the operation at ``instance`` with a value for every in-parameter, and check
    the answer holds every out-parameter of the definition, in its declared type and
    cardinality, and nothing else; returns the answer."""
    samples = {"string": "Sam"}
    body = {
        "resourceType": "Parameters",
        "parameter": [
            {"name": p["name"], f"value{p['type'][0].upper()}{p['type'][1:]}": samples[p["type"]]}
            for p in definition["parameter"]
            if p["use"] == "in"
        ],
    }
    answered = api.post(f"{instance}/${definition['code']}", headers={**headers, **FHIR}, json=body)
    assert answered.status_code == 200, answered.json
    assert answered.json["resourceType"] == "Parameters"
    given = answered.json["parameter"]
    out = [p for p in definition["parameter"] if p["use"] == "out"]
    assert {g["name"] for g in given} <= {p["name"] for p in out}, given
    for declared in out:
        values = [g for g in given if g["name"] == declared["name"]]
        maximum = len(values) + 1 if declared["max"] == "*" else int(declared["max"])
        assert declared["min"] <= len(values) <= maximum, (declared["name"], given)
        key = f"value{declared['type'][0].upper()}{declared['type'][1:]}"
        for value in values:
            assert set(value) == {"name", key}, (declared["name"], value)
            assert _of_type(value[key], declared["type"]), (declared["name"], value)
    return answered.json


def _links(app) -> int:  # type: ignore[no-untyped-def]
    with app.app_context():
        return len(session().scalars(select(CheckIn)).all())


def test_the_checkin_link_definition_is_served_read_only_at_its_canonical_url(app, make) -> None:
    make.user("integrator", "ehr")
    reader = bearer(make.token("ehr", "system/*.read", "system/*.write"))
    api = app.test_client()
    built = operation_definition(CHECKIN_LINK)
    assert built["url"] == f"{CANONICAL_BASE}/OperationDefinition/checkin-link"
    read = api.get("/fhir/OperationDefinition/checkin-link", headers=reader)
    assert read.status_code == 200, read.json
    assert {k: v for k, v in read.json.items() if k != "meta"} == built
    assert served_definition(api, reader, built["url"])["id"] == "checkin-link"
    assert (
        built["kind"],
        built["code"],
        built["resource"],
        (built["system"], built["type"], built["instance"]),
        built["affectsState"],
    ) == ("operation", "checkin-link", ["Encounter"], (False, False, True), True)
    declared = {(p["use"], p["name"]): p for p in built["parameter"]}
    assert set(declared) == {("in", "firstName"), ("out", "url"), ("out", "expires")}
    assert (declared["in", "firstName"]["type"], declared["in", "firstName"]["min"]) == (
        "string",
        0,
    )
    assert all(p["documentation"] for p in built["parameter"])
    # Read-only, even with a write scope.
    body = {k: v for k, v in read.json.items() if k != "meta"}
    for method, path in (
        ("PUT", "/fhir/OperationDefinition/checkin-link"),
        ("POST", "/fhir/OperationDefinition"),
        ("DELETE", "/fhir/OperationDefinition/checkin-link"),
    ):
        refused = api.open(path, method=method, headers={**reader, **FHIR}, json=body)
        assert refused.status_code == 405, (method, refused.status_code)
        assert refused.json["resourceType"] == "OperationOutcome"
    # The CapabilityStatement names it on Encounter and serves OperationDefinition reads.
    rest = api.get("/fhir/metadata").json["rest"][0]
    resources = {r["type"]: r for r in rest["resource"]}
    assert {"name": "checkin-link", "definition": built["url"]} in resources["Encounter"][
        "operation"
    ]
    served = {i["code"] for i in resources["OperationDefinition"]["interaction"]}
    assert "read" in served and not served & {"create", "update", "delete", "patch"}


def test_the_checkin_link_answers_as_its_definition_declares(app, make, tmp_path) -> None:
    _client_id, upcoming, _web = agreed_client(app, make)
    own = bearer(make.token("dr-a", "system/*.read", "system/*.write"))
    api = app.test_client()
    definition = served_definition(api, own, CHECKIN_LINK.url)
    answered = call_as_defined(api, own, definition, f"/fhir/Encounter/{upcoming}")
    url = next(p["valueUri"] for p in answered["parameter"] if p["name"] == "url")
    assert "Hello, Sam" in app.test_client().get(urlsplit(url).path).get_data(as_text=True)
    # What an integrator reads and what the operation answered pass both validators.
    run_validator([definition, api.get("/fhir/metadata").json, answered], tmp_path)


def test_the_checkin_link_refuses_what_its_definition_does_not_declare(app, make) -> None:
    _client_id, upcoming, _web = agreed_client(app, make)
    own = bearer(make.token("dr-a", "system/*.read", "system/*.write"))
    api = app.test_client()
    where = f"/fhir/Encounter/{upcoming}/$checkin-link"
    first = {"name": "firstName", "valueString": "Sam"}
    refusals = [
        # A misspelt or unknown parameter was once ignored, and the link issued without it.
        ("Parameters.parameter[1].name", [first, {"name": "firstname", "valueString": "Sam"}]),
        ("Parameters.parameter[0].name", [{"name": "lang", "valueCode": "es"}]),
        ("Parameters.parameter[0].valueString", [{"name": "firstName", "valueBoolean": True}]),
        ("Parameters.parameter[0].valueString", [{"name": "firstName", "valueString": 3}]),
        (
            "Parameters.parameter[1].valueString",
            [first, {"name": "firstName", "resource": {"resourceType": "Patient"}}],
        ),
        ("Parameters.parameter[1].name", [first, first]),  # max 1
    ]
    for path, parameters in refusals:
        refused = api.post(
            where,
            headers={**own, **FHIR},
            json={"resourceType": "Parameters", "parameter": parameters},
        )
        assert refused.status_code == 400, (path, refused.json)
        assert refused.json["resourceType"] == "OperationOutcome"
        expressions = [e for i in refused.json["issue"] for e in i.get("expression", [])]
        assert path in expressions, (path, refused.json)
    assert _links(app) == 0
    # Not a Parameters resource at all.
    wrong = api.post(where, headers={**own, **FHIR}, json={"resourceType": "Patient"})
    assert wrong.status_code == 400 and wrong.json["resourceType"] == "OperationOutcome"
    assert _links(app) == 0
    # The same body with the declared names and types is answered.
    fine = api.post(
        where, headers={**own, **FHIR}, json={"resourceType": "Parameters", "parameter": [first]}
    )
    assert fine.status_code == 200, fine.json
    assert _links(app) == 1


def test_a_session_already_started_is_refused_before_the_body_is_trusted(app, make) -> None:
    """The definition's checks add to the operation's own: a good body for a session in
    the past is still refused."""
    client_id, _upcoming, _web = agreed_client(app, make)
    past = make.encounter(client_id, "dr-a", start=datetime.now(UTC) - timedelta(hours=2))
    own = bearer(make.token("dr-a", "system/*.read", "system/*.write"))
    refused = app.test_client().post(
        f"/fhir/Encounter/{past}/$checkin-link",
        headers={**own, **FHIR},
        json={
            "resourceType": "Parameters",
            "parameter": [{"name": "firstName", "valueString": "Sam"}],
        },
    )
    assert 400 <= refused.status_code < 500 and refused.json["resourceType"] == "OperationOutcome"
    assert _links(app) == 0

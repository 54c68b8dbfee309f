"""Scopes hold on every path: a conditional create hands back nothing the token may not
read (and audits the read it does hand back); bulk export files, status and cancellation
belong to the token that started the export, not merely to its user."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest
from sqlalchemy import select

from intake_ai.models import AuditRecord
from intake_ai.store.database import session
from tests.conftest import bearer
from tests.test_fhir_consent import FHIR, intake_resource, user_id
from tests.test_fhir_export import ASYNC, local
from tests.test_fhir_write import note_response


def audit_entries(app, operation: str, entity: str) -> list[AuditRecord]:  # type: ignore[no-untyped-def]
    with app.app_context():
        rows = list(
            session().scalars(
                select(AuditRecord).where(
                    AuditRecord.operation == operation, AuditRecord.entity == entity
                )
            )
        )
        session().expunge_all()
        return rows


def test_conditional_create_hands_nothing_to_a_token_that_may_not_read(
    app, client, make, world
) -> None:
    note = note_response(world, user_id(app, "dr-a"))
    criteria = {"If-None-Exist": f"encounter=Encounter/{world.encounters['open']}"}
    created = client.post(
        "/fhir/QuestionnaireResponse",
        data=json.dumps(note),
        headers={**world.clinician, **FHIR, **criteria},
    )
    assert created.status_code == 201
    # The same clinician, with a token that may create and update responses but not read.
    write_only = bearer(make.token("dr-a", "system/QuestionnaireResponse.cu"))
    again = client.post(
        "/fhir/QuestionnaireResponse",
        data=json.dumps(note),
        headers={**write_only, **FHIR, **criteria},
    )
    assert again.status_code == 403, again.json
    assert again.json["resourceType"] == "OperationOutcome"
    assert "item" not in again.json and created.json["id"] not in again.get_data(as_text=True)
    assert (
        client.get(
            f"/fhir/QuestionnaireResponse/{created.json['id']}", headers=write_only
        ).status_code
        == 403
    )
    refused = audit_entries(app, "update", "/fhir/QuestionnaireResponse")
    assert [r.outcome for r in refused] == ["4"]


def test_a_conditional_create_that_hands_back_a_match_audits_the_read(app, client, world) -> None:
    note = note_response(world, user_id(app, "dr-a"))
    criteria = {"If-None-Exist": f"encounter=Encounter/{world.encounters['open']}"}
    headers = {**world.clinician, **FHIR, **criteria}
    created = client.post("/fhir/QuestionnaireResponse", data=json.dumps(note), headers=headers)
    matched = client.post("/fhir/QuestionnaireResponse", data=json.dumps(note), headers=headers)
    assert (created.status_code, matched.status_code) == (201, 200)
    assert matched.json["id"] == created.json["id"]
    reference = f"QuestionnaireResponse/{created.json['id']}"
    [read] = audit_entries(app, "read", reference)
    assert (read.agent_name, read.client_id, read.outcome) == ("dr-a", world.agreed, "0")
    assert read.token_id is not None


def start_export(client, headers) -> str:  # type: ignore[no-untyped-def]
    started = client.get("/fhir/$export", headers={**headers, **ASYNC})
    assert started.status_code == 202, started.json
    return local(started.headers["Content-Location"])


@pytest.mark.parametrize("other_scopes", [("system/*.read",), ("system/Patient.read",)])
def test_export_belongs_to_the_token_that_started_it(
    app, client, make, world, other_scopes: tuple[str, ...]
) -> None:
    started_by = world.integrator
    status_url = start_export(client, started_by)
    manifest = client.get(status_url, headers=started_by).json
    file_url = local(next(o["url"] for o in manifest["output"] if o["type"] == "Patient"))
    # Another token of the very same user, with the same scopes or narrower ones.
    other = bearer(make.token("ehr", *other_scopes))
    poll = client.get(status_url, headers=other)
    assert poll.status_code == 404 and poll.json["resourceType"] == "OperationOutcome"
    download = client.get(file_url, headers=other)
    assert download.status_code == 404 and download.json["resourceType"] == "OperationOutcome"
    assert b'"resourceType":"Patient"' not in download.data
    cancel = client.delete(status_url, headers=other)
    assert cancel.status_code == 404
    # The token that started it still has it all, uncancelled.
    assert client.get(status_url, headers=started_by).status_code == 200
    assert client.get(file_url, headers=started_by).status_code == 200
    # A job this other token starts is not the first token's either.
    if other_scopes == ("system/Patient.read",):
        narrow = start_export(client, other)
        assert client.get(narrow, headers=started_by).status_code == 404
        assert client.get(narrow, headers=other).status_code == 200


# Plain HTTP against a real server process ----------------------------------------------


def _call(url: str, token: str, method: str = "GET", body: bytes | None = None) -> tuple[int, dict]:
    headers = {**bearer(token), "Accept": "application/fhir+json"}
    if body is not None:
        headers["Content-Type"] = "application/fhir+json"
    if "$export" in url and method == "GET" and "status" not in url:
        headers["Prefer"] = "respond-async"
    request = urllib.request.Request(url, data=body, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as reply:
            text = reply.read()
            location = reply.headers.get("Content-Location")
            payload = json.loads(text) if text else {}
            if location:
                payload["_location"] = location
            return reply.status, payload
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


@pytest.mark.slow
def test_over_http_an_integrator_neither_decides_consent_nor_borrows_an_export(
    app, make, migrated
) -> None:
    from tests.test_processes import server

    make.user("clinician", "dr-a")
    make.user("integrator", "ehr")
    client_id = make.client("dr-a")
    encounter_id = make.encounter(client_id, "dr-a")
    writer = make.token("ehr", "system/*.read", "system/QuestionnaireResponse.write")
    other = make.token("ehr", "system/*.read")
    body = json.dumps(intake_resource(client_id, encounter_id, user_id(app, "dr-a"))).encode()
    with server(migrated, workers=1) as base:
        status, outcome = _call(f"{base}/QuestionnaireResponse", writer, "POST", body)
        assert status == 403 and outcome["issue"][0]["code"] == "forbidden"
        assert _call(f"{base}/Patient/{client_id}", writer)[0] == 404
        status, started = _call(f"{base}/$export", writer)
        assert status == 202
        status_url = started["_location"]
        assert _call(status_url, writer)[0] == 200
        assert _call(status_url, other)[0] == 404
        assert _call(status_url, other, "DELETE")[0] == 404
        assert _call(status_url, writer)[0] == 200

"""Content negotiation on every interaction (JSON or 406), _pretty, and POST [base] with a
batch Bundle answered entry by entry under the same access rules."""

from __future__ import annotations

import json

import pytest
from fhir.resources.R4B.bundle import Bundle
from sqlalchemy import func, select

from intake_ai.models import AuditRecord
from intake_ai.store.database import session


def _interactions(world) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    patient = f"Patient/{world.agreed}"
    return [
        ("GET", "/fhir/metadata"),
        ("GET", f"/fhir/{patient}"),
        ("GET", f"/fhir/{patient}/_history/1"),
        ("GET", f"/fhir/{patient}/_history"),
        ("GET", "/fhir/Patient/_history"),
        ("GET", "/fhir/Observation?_count=1"),
        ("GET", "/fhir/AuditEvent"),
        ("POST", "/fhir/Observation/_search"),
        ("POST", "/fhir"),
        ("GET", "/fhir/$export"),
    ]


@pytest.mark.parametrize(
    "asks",
    [
        {"query": "_format=xml"},
        {"query": "_format=application/fhir%2Bxml"},
        {"headers": {"Accept": "application/fhir+xml"}},
        {"headers": {"Accept": "application/xml, text/xml;q=0.5"}},
    ],
)
def test_xml_is_406_with_an_outcome_on_every_interaction(client, world, asks) -> None:
    for method, url in _interactions(world):
        query = asks.get("query")
        target = url + (("&" if "?" in url else "?") + query if query else "")
        response = client.open(
            target, method=method, headers={**world.integrator, **asks.get("headers", {})}
        )
        assert response.status_code == 406, (method, target, response.status_code)
        assert response.mimetype == "application/fhir+json"
        assert response.json["resourceType"] == "OperationOutcome"
        assert response.json["issue"][0]["code"] == "not-supported"


@pytest.mark.parametrize(
    "accept",
    [
        "application/fhir+json",
        "application/json",
        "*/*",
        "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
        "application/fhir+xml;q=1.0, application/fhir+json;q=0.9",
    ],
)
def test_json_acceptable_is_served(client, world, accept: str) -> None:
    for url in ("/fhir/metadata", f"/fhir/Patient/{world.agreed}", "/fhir/Patient/_history"):
        response = client.get(url, headers={**world.integrator, "Accept": accept})
        assert response.status_code == 200, (url, accept)


def test_pretty_indents_the_same_json(client, world) -> None:
    for url in (f"/fhir/Patient/{world.agreed}", "/fhir/metadata"):
        compact = client.get(url, headers=world.integrator)
        pretty = client.get(url + "?_pretty=true", headers=world.integrator)
        assert b"\n  " in pretty.data and b"\n  " not in compact.data
        assert json.loads(pretty.data) == json.loads(compact.data)
    searched = client.get("/fhir/Patient?_pretty=true", headers=world.integrator)
    assert searched.status_code == 200 and b"\n  " in searched.data
    assert client.get("/fhir/Patient?_pretty=maybe", headers=world.integrator).status_code == 400


def _batch(client, headers, *requests: dict) -> object:  # type: ignore[no-untyped-def]
    body = {
        "resourceType": "Bundle",
        "type": "batch",
        "entry": [{"request": r} for r in requests],
    }
    return client.post(
        "/fhir",
        headers={**headers, "Content-Type": "application/fhir+json"},
        data=json.dumps(body),
    )


def test_a_batch_answers_reads_and_searches_entry_by_entry(app, client, world) -> None:
    with app.app_context():
        before = session().scalar(select(func.count()).select_from(AuditRecord))
    response = _batch(
        client,
        world.integrator,
        {"method": "GET", "url": f"Patient/{world.agreed}"},
        {"method": "GET", "url": f"http://localhost/fhir/Patient/{world.agreed}/_history/1"},
        {"method": "GET", "url": f"Observation?patient={world.agreed}&_count=2"},
        {"method": "GET", "url": f"Patient/{world.agreed}/_history"},
        {"method": "GET", "url": "metadata"},
        {"method": "GET", "url": f"Patient/{world.undecided}"},  # did not agree: not there
        {"method": "GET", "url": "Observation?nonsense=1"},
        {"method": "PUT", "url": f"Patient/{world.agreed}"},
        {"method": "GET", "url": "Goal/1"},
    )
    assert response.status_code == 200, response.json
    answer = response.json
    Bundle.model_validate(answer)  # an independent model of R4 accepts the response
    assert answer["type"] == "batch-response"
    entries = answer["entry"]
    statuses = [e["response"]["status"].split()[0] for e in entries]
    assert statuses == ["200", "200", "200", "200", "200", "404", "400", "405", "404"]
    assert entries[0]["resource"]["id"] == str(world.agreed)
    assert entries[1]["response"]["etag"] == 'W/"1"'
    assert entries[2]["resource"]["type"] == "searchset"
    assert len([e for e in entries[2]["resource"]["entry"] if e["search"]["mode"] == "match"]) == 2
    assert entries[3]["resource"]["type"] == "history"
    assert entries[4]["resource"]["resourceType"] == "CapabilityStatement"
    for refused in entries[5:]:
        assert "resource" not in refused
        assert refused["response"]["outcome"]["resourceType"] == "OperationOutcome"
    # The same answer as for an id that does not exist.
    assert entries[5]["response"]["outcome"]["issue"][0]["diagnostics"] == (
        f"Patient/{world.undecided} is not known"
    )
    assert "nonsense" in entries[6]["response"]["outcome"]["issue"][0]["diagnostics"]
    assert entries[7]["response"]["outcome"]["issue"][0]["expression"] == [
        "Bundle.entry[7].request.method"
    ]
    with app.app_context():
        after = session().scalar(select(func.count()).select_from(AuditRecord))
    # One record per entry, refusals included; the public CapabilityStatement is not
    # audited, in a batch as on its own (audit.NOT_AUDITED).
    assert after - before == len(entries) - 1


def test_a_batch_keeps_each_callers_access(client, world) -> None:
    entries = _batch(
        client, world.clinician, {"method": "GET", "url": f"Patient/{world.other}"}
    ).json["entry"]
    assert entries[0]["response"]["status"].startswith("404")


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"resourceType": "Bundle", "type": "transaction", "entry": []}, 400),
        ({"resourceType": "Patient"}, 400),
        ({"resourceType": "Bundle", "type": "batch", "entry": {"x": 1}}, 400),
    ],
)
def test_what_is_not_a_batch_is_refused_with_an_outcome(client, world, body, status) -> None:
    for url in ("/fhir", "/fhir/"):
        response = client.post(
            url,
            headers={**world.integrator, "Content-Type": "application/fhir+json"},
            data=json.dumps(body),
        )
        assert response.status_code == status
        assert response.json["resourceType"] == "OperationOutcome"


def test_a_batch_needs_a_token(client) -> None:
    response = client.post("/fhir", headers={"Content-Type": "application/fhir+json"}, data="{}")
    assert response.status_code == 401

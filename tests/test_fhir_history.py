"""History in time: instance, type and system history honour _since and _at (versions
changed since an instant; versions current at some moment of a period), refuse garbage
with a 400 OperationOutcome, and keep every access rule."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from intake_ai.store import resources as resource_store
from intake_ai.store.database import transaction
from tests.conftest import bearer

V2 = datetime(2030, 1, 1, tzinfo=UTC)
V3 = datetime(2031, 1, 1, tzinfo=UTC)


@pytest.fixture
def versions(app, world):  # type: ignore[no-untyped-def]
    """Patient/agreed gets versions 2 (2030) and 3 (2031); version 1 is from today."""
    with app.app_context(), transaction():
        for moment, gender in ((V2, "other"), (V3, "unknown")):
            patient = resource_store.load(resource_store.current("Patient", str(world.agreed)))
            resource_store.save({**patient, "gender": gender}, now=moment)
    return f"Patient/{world.agreed}"


def versions_of(client, headers, url: str) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    response = client.get(url, headers=headers)
    assert response.status_code == 200, response.json
    assert response.json["type"] == "history"
    assert response.json["total"] == len(response.json.get("entry", []))
    return [
        (e["fullUrl"].rsplit("/fhir/", 1)[1], e["resource"]["meta"]["versionId"])
        for e in response.json.get("entry", [])
    ]


@pytest.mark.parametrize(
    ("query", "expect"),
    [
        ("", ["3", "2", "1"]),
        ("_since=2029-06-01T00:00:00Z", ["3", "2"]),
        ("_since=2030-01-01T00:00:00.001Z", ["3"]),
        ("_since=2032-01-01T00:00:00Z", []),
        ("_at=2030-06-01T00:00:00Z", ["2"]),
        ("_at=2030", ["2"]),
        ("_at=2031", ["3"]),  # version 2 ended as 2031 began
        ("_at=2035-01-01", ["3"]),  # still current
        ("_at=2020", []),  # before the record existed
        ("_since=2029-01-01T00:00:00Z&_at=2040", ["3"]),
    ],
)
def test_instance_history_in_time(client, world, versions, query: str, expect) -> None:
    found = versions_of(client, world.integrator, f"/fhir/{versions}/_history?{query}")
    assert [v for _url, v in found] == expect


def test_type_and_system_history_in_time(client, world, versions) -> None:
    by_type = versions_of(
        client, world.integrator, "/fhir/Patient/_history?_since=2029-01-01T00:00:00Z"
    )
    assert by_type == [(versions, "3"), (versions, "2")]
    current_in_2030 = versions_of(client, world.integrator, "/fhir/Patient/_history?_at=2030-02")
    # Every other client's first version is still current then; of this one, version 2.
    assert [v for url, v in current_in_2030 if url == versions] == ["2"]
    assert {v for url, v in current_in_2030 if url != versions} == {"1"}
    system = versions_of(client, world.integrator, "/fhir/_history?_since=2029-01-01T00:00:00Z")
    assert system == by_type
    everything = client.get("/fhir/_history?_count=500", headers=world.integrator).json
    kinds = {e["resource"]["resourceType"] for e in everything["entry"]}
    assert {"Patient", "Observation", "QuestionnaireResponse", "Encounter"} <= kinds


def test_system_history_keeps_access_and_scopes(client, world, make) -> None:
    def clients_in(headers) -> set[str]:  # type: ignore[no-untyped-def]
        page = client.get("/fhir/_history?_count=500", headers=headers).json
        found = set()
        for entry in page.get("entry", []):
            resource = entry["resource"]
            if resource["resourceType"] == "Patient":
                found.add(resource["id"])
            elif "subject" in resource:
                found.add(resource["subject"]["reference"].removeprefix("Patient/"))
        return found

    own = clients_in(world.clinician)
    assert str(world.agreed) in own and str(world.other) not in own
    assert str(world.undecided) not in clients_in(world.integrator)
    flags_only = bearer(make.token("ehr", "system/Flag.read"))
    page = client.get("/fhir/_history?_count=500", headers=flags_only).json
    assert {e["resource"]["resourceType"] for e in page["entry"]} == {"Flag"}
    audit_only = bearer(make.token("ehr", "system/AuditEvent.read"))
    assert client.get("/fhir/_history", headers=audit_only).status_code == 403


@pytest.mark.parametrize(
    "query",
    [
        "_since=garbage",
        "_since=ge2026-01-01",
        "_at=yesterday",
        "_at=2026-02-30",
        "_since=2026-01-01T10:00",
        "_since=2026-01-01&_since=2026-02-01",
    ],
)
def test_garbage_in_time_is_400_naming_the_parameter(client, world, query: str) -> None:
    for url in (
        f"/fhir/Patient/{world.agreed}/_history",
        "/fhir/Patient/_history",
        "/fhir/_history",
    ):
        response = client.get(f"{url}?{query}", headers=world.integrator)
        assert response.status_code == 400, (url, query)
        outcome = response.json
        assert outcome["resourceType"] == "OperationOutcome"
        assert query.split("=")[0] in outcome["issue"][0]["diagnostics"]

"""What the API serves is valid FHIR R4, and the CapabilityStatement claims only what is served."""

from __future__ import annotations

import json

import pytest

from fhir_mappings.validation import validate
from intake_ai.fhir_api.capability import interactions
from tests.conftest import bearer
from tests.fhir_validator import run_validator


@pytest.fixture
def seeded(runner, make):  # type: ignore[no-untyped-def]
    result = runner.invoke(args=["seed-demo", "--clients", "6", "--sessions", "4", "--seed", "3"])
    assert result.exit_code == 0, result.output
    return bearer(make.token("demo-integrator", "system/*.read", "system/AuditEvent.read"))


def _pages(client, headers, url: str) -> list[dict]:  # type: ignore[no-untyped-def]
    bundles = []
    while url:
        response = client.get(url.replace("http://localhost", ""), headers=headers)
        assert response.status_code == 200, response.json
        bundles.append(response.json)
        url = next(
            (link["url"] for link in response.json.get("link", []) if link["relation"] == "next"),
            None,
        )
    return bundles


def test_everything_served_passes_both_validators(client, seeded, tmp_path) -> None:
    served: list[dict] = [client.get("/fhir/metadata").json]
    types = [r["type"] for r in served[0]["rest"][0]["resource"]]
    for resource_type in types:
        for page in _pages(client, seeded, f"/fhir/{resource_type}?_count=200"):
            served.append(page)
            served += [e["resource"] for e in page.get("entry", [])]
    observation = next(r for r in served if r.get("resourceType") == "Observation")
    served.append(
        client.get(f"/fhir/Observation/{observation['id']}/_history", headers=seeded).json
    )
    served += _pages(
        client,
        seeded,
        "/fhir/QuestionnaireResponse?_count=5&_include=QuestionnaireResponse:questionnaire",
    )
    served.append(client.get("/fhir/Observation/_history?_count=50", headers=seeded).json)
    served.append(client.get("/fhir/Observation?colour=1", headers=seeded).json)  # an outcome
    kinds = {r["resourceType"] for r in served}
    assert {
        "CapabilityStatement",
        "Bundle",
        "OperationOutcome",
        "Patient",
        "Practitioner",
        "Encounter",
        "Questionnaire",
        "QuestionnaireResponse",
        "Observation",
        "Consent",
        "Flag",
        "CodeSystem",
        "ValueSet",
        "StructureDefinition",
        "OperationDefinition",
        "AuditEvent",
    } <= kinds
    for resource in served:
        if resource["resourceType"] not in ("Bundle", "CapabilityStatement", "OperationOutcome"):
            assert validate(resource) == [], resource
    run_validator(served, tmp_path)


def test_exported_files_pass_both_validators(client, seeded, tmp_path) -> None:
    started = client.get("/fhir/$export", headers={**seeded, "Prefer": "respond-async"})
    manifest = client.get(
        started.headers["Content-Location"].replace("http://localhost", ""), headers=seeded
    ).json
    resources = []
    for output in manifest["output"]:
        data = client.get(output["url"].replace("http://localhost", ""), headers=seeded).data
        resources += [json.loads(line) for line in data.splitlines()]
    assert len(resources) > 100
    run_validator(resources, tmp_path)


def test_capability_statement_claims_only_what_is_served(client, seeded) -> None:
    statement = client.get("/fhir/metadata").json
    for entry in statement["rest"][0]["resource"]:
        kind = entry["type"]
        assert [i["code"] for i in entry["interaction"]] == list(interactions(kind))
        for param in entry.get("searchParam", []):
            value = {"date": "ge2000-01-01", "reference": "1", "token": "x", "uri": "http://x"}[
                param["type"]
            ]
            response = client.get(f"/fhir/{kind}?{param['name']}={value}", headers=seeded)
            assert response.status_code == 200, (kind, param["name"], response.json)
        for include in entry.get("searchInclude", []):
            assert client.get(f"/fhir/{kind}?_include={include}", headers=seeded).status_code == 200
        if "history-type" in [i["code"] for i in entry["interaction"]]:
            assert client.get(f"/fhir/{kind}/_history", headers=seeded).status_code == 200
    for kind in ("Goal", "MedicationRequest"):
        assert client.get(f"/fhir/{kind}", headers=seeded).status_code == 404

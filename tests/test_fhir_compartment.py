"""The Patient compartment: Patient/{id}/{type} searches that client's records of a type,
Patient/{id}/$everything pages through all of them; both under the same access, consent
and scope rules as a search, and audited naming the client."""

from __future__ import annotations

import pytest
from fhir.resources.R4B.bundle import Bundle
from sqlalchemy import select

from intake_ai.models import AuditRecord
from intake_ai.store.database import session
from tests.conftest import bearer


def ids(bundle: dict) -> list[str]:
    return [e["fullUrl"] for e in bundle.get("entry", []) if e["search"]["mode"] == "match"]


@pytest.mark.parametrize(
    ("kind", "query"),
    [
        ("Observation", "code=withdrawal"),
        ("Observation", "_count=500"),
        ("QuestionnaireResponse", ""),
        ("Flag", "status=active"),
        ("Encounter", "_sort=-date"),
        ("Consent", ""),
    ],
)
def test_a_compartment_search_is_the_search_for_that_patient(
    client, world, kind: str, query: str
) -> None:
    inside = client.get(f"/fhir/Patient/{world.agreed}/{kind}?{query}", headers=world.integrator)
    plain = client.get(f"/fhir/{kind}?patient={world.agreed}&{query}", headers=world.integrator)
    assert inside.status_code == plain.status_code == 200
    assert inside.json["total"] == plain.json["total"] > 0
    assert ids(inside.json) == ids(plain.json)


def test_a_compartment_keeps_access_consent_and_scopes(client, world, make) -> None:
    for headers, patient in (
        (world.clinician, world.other),  # another clinician's client
        (world.integrator, world.undecided),  # has not agreed
        (world.integrator, 999_999),  # does not exist
    ):
        for path in ("Observation", "$everything"):
            response = client.get(f"/fhir/Patient/{patient}/{path}", headers=headers)
            assert response.status_code == 404, (patient, path)
            assert response.json["resourceType"] == "OperationOutcome"
    flags_only = bearer(make.token("ehr", "system/Flag.read"))
    assert client.get(f"/fhir/Patient/{world.agreed}/Flag", headers=flags_only).status_code == 200
    refused = client.get(f"/fhir/Patient/{world.agreed}/Observation", headers=flags_only)
    assert refused.status_code == 403


def test_everything_pages_through_every_record_of_the_client(app, client, world) -> None:
    url = f"/fhir/Patient/{world.agreed}/$everything?_count=10"
    seen: list[str] = []
    kinds: set[str] = set()
    pages = 0
    total = None
    while url:
        page = client.get(url.replace("http://localhost", ""), headers=world.integrator)
        assert page.status_code == 200, page.json
        Bundle.model_validate(page.json)
        total = page.json["total"]
        seen += ids(page.json)
        kinds |= {e["resource"]["resourceType"] for e in page.json.get("entry", [])}
        for entry in page.json.get("entry", []):
            resource = entry["resource"]
            owner = resource.get("subject") or resource.get("patient")
            if owner is not None:
                assert owner["reference"] == f"Patient/{world.agreed}"
        url = next((x["url"] for x in page.json["link"] if x["relation"] == "next"), None)
        pages += 1
    assert pages > 2 and len(seen) == len(set(seen)) == total
    assert kinds == {
        "Patient",
        "Observation",
        "QuestionnaireResponse",
        "Consent",
        "Flag",
        "Encounter",
    }
    with app.app_context():
        entries = (
            session().scalars(select(AuditRecord).where(AuditRecord.operation == "operation")).all()
        )
        assert len(entries) == pages and {e.client_id for e in entries} == {world.agreed}
        session().rollback()


def test_everything_types_and_since(client, world) -> None:
    base = f"/fhir/Patient/{world.agreed}/$everything"
    flags = client.get(f"{base}?_type=Flag,Patient&_count=500", headers=world.integrator).json
    assert {e["resource"]["resourceType"] for e in flags["entry"]} == {"Flag", "Patient"}
    later = client.get(f"{base}?_since=2100-01-01T00:00:00Z", headers=world.integrator).json
    assert later["total"] == 0
    for bad in ("_type=Goal", "_since=soon", "colour=blue", "_count=many"):
        response = client.get(f"{base}?{bad}", headers=world.integrator)
        assert response.status_code == 400, bad
        assert response.json["resourceType"] == "OperationOutcome"

"""Chained patient identifiers, references as absolute URLs, and the :missing, :not and
type modifiers; what does not apply (:exact, :contains: no string parameters) is refused
with the reason. Checked through the test client and through fhirpy over HTTP."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from tests.live_server import live_url  # noqa: F401 (a fixture)

SYSTEM = "urn:intake-ai:host-patient-id"


def matches(client, headers, query: str) -> list[dict]:  # type: ignore[no-untyped-def]
    response = client.get(f"/fhir/{query}", headers=headers)
    assert response.status_code == 200, response.json
    bundle = response.json
    found = [e["resource"] for e in bundle.get("entry", []) if e["search"]["mode"] == "match"]
    assert bundle["total"] == len(found) or "next" in {x["relation"] for x in bundle["link"]}
    return found


def subjects(resources: list[dict]) -> set[str]:
    return {r["subject"]["reference"] for r in resources}


@pytest.mark.parametrize(
    "name", ["patient.identifier", "subject.identifier", "subject:Patient.identifier"]
)
def test_chained_patient_identifier(client, world, name: str) -> None:
    found = matches(
        client,
        world.integrator,
        f"Observation?{name}={quote(SYSTEM + '|EHR-AGREED')}&_count=500",
    )
    direct = matches(client, world.integrator, f"Observation?patient={world.agreed}&_count=500")
    assert found and [r["id"] for r in found] == [r["id"] for r in direct]
    both = matches(
        client,
        world.integrator,
        f"Observation?{name}=EHR-AGREED,EHR-SECOND&_count=500",
    )
    assert subjects(both) == {f"Patient/{world.agreed}", f"Patient/{world.second}"}
    assert matches(client, world.integrator, f"Observation?{name}=other-system|EHR-AGREED") == []


def test_a_chain_keeps_access_and_consent(client, world) -> None:
    # The undecided client's identifier finds nothing for the integrator, and dr-b's client
    # nothing for dr-a, exactly as a search by id.
    assert matches(client, world.integrator, "Observation?patient.identifier=EHR-UNDECIDED") == []
    assert matches(client, world.clinician, "Flag?patient.identifier=EHR-OTHER") == []
    assert matches(client, world.clinician, "Flag?patient.identifier=EHR-AGREED")


def test_references_as_absolute_urls(client, world) -> None:
    ours = f"http://localhost/fhir/Patient/{world.agreed}"
    found = matches(client, world.integrator, f"Observation?subject={quote(ours)}&_count=500")
    assert subjects(found) == {f"Patient/{world.agreed}"}
    elsewhere = f"https://ehr.example.org/fhir/Patient/{world.agreed}"
    assert matches(client, world.integrator, f"Observation?subject={quote(elsewhere)}") == []
    typed = matches(client, world.integrator, f"Observation?subject:Patient={world.agreed}")
    assert subjects(typed) == {f"Patient/{world.agreed}"}


def test_missing(client, world) -> None:
    everything = matches(client, world.integrator, "QuestionnaireResponse?_count=500")
    with_encounter = matches(
        client, world.integrator, "QuestionnaireResponse?encounter:missing=false&_count=500"
    )
    without = matches(
        client, world.integrator, "QuestionnaireResponse?encounter:missing=true&_count=500"
    )
    assert len(with_encounter) + len(without) == len(everything)
    assert all("encounter" in r for r in with_encounter) and all(
        "encounter" not in r for r in without
    )
    flags = matches(client, world.integrator, "Flag?date:missing=false&_count=500")
    assert flags and all("period" in f for f in flags)
    assert client.get("/fhir/Flag?date:missing=maybe", headers=world.integrator).status_code == 400


def test_not(client, world) -> None:
    every = matches(client, world.integrator, f"Observation?patient={world.agreed}&_count=500")
    not_withdrawal = matches(
        client,
        world.integrator,
        f"Observation?patient={world.agreed}&code:not=withdrawal&_count=500",
    )
    codes = [r["code"]["coding"][0]["code"] for r in not_withdrawal]
    assert "withdrawal" not in codes
    withdrawal = [r for r in every if r["code"]["coding"][0]["code"] == "withdrawal"]
    assert withdrawal and len(not_withdrawal) == len(every) - len(withdrawal)
    active = matches(client, world.integrator, "Flag?status:not=inactive&_count=500")
    assert active and {f["status"] for f in active} <= {"active", "entered-in-error"}


@pytest.mark.parametrize(
    ("query", "fragment"),
    [
        ("Observation?code:exact=x", "applies to string parameters"),
        ("Observation?code:contains=x", "applies to string parameters"),
        ("Observation?code:text=x", "'text' modifier is not supported"),
        ("Observation?subject:Group=1", "'Group' modifier is not supported"),
        ("Observation?date:not=2026", "'not' modifier is not supported"),
        ("Observation?code.identifier=x", "chaining is supported through a patient"),
        ("Observation?patient.name=x", "chaining is supported through a patient"),
        ("Observation?colour:missing=true", "modifiers are not supported here"),
    ],
)
def test_what_does_not_apply_is_refused_with_the_reason(client, world, query, fragment) -> None:
    response = client.get(f"/fhir/{query}", headers=world.integrator)
    assert response.status_code == 400
    assert fragment in response.json["issue"][0]["diagnostics"], response.json


def test_fhirpy_chains_and_modifiers(world, live_url) -> None:  # noqa: F811
    from fhirpy import SyncFHIRClient

    fhir = SyncFHIRClient(
        f"{live_url}/fhir", authorization=world.integrator["Authorization"], extra_headers={}
    )
    chained = (
        fhir.resources("Observation")
        .search(subject__Patient__identifier=f"{SYSTEM}|EHR-AGREED")
        .limit(500)
        .fetch()
    )
    assert chained and {o["subject"]["reference"] for o in chained} == {f"Patient/{world.agreed}"}
    no_encounter = (
        fhir.resources("QuestionnaireResponse").search(encounter__missing=True).fetch_all()
    )
    assert all("encounter" not in r for r in no_encounter)
    not_calm = fhir.resources("Flag").search(status__not="inactive").fetch_all()
    assert all(f["status"] != "inactive" for f in not_calm)

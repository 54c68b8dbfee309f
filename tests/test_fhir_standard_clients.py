"""fhirpy, a FHIR client of its own, over HTTP: its count(), first(), paging through every
page, and its helpers for includes, elements and sorting all work against the server's
strict parameter checking."""

from __future__ import annotations

import pytest

from tests.live_server import live_url  # noqa: F401 (a fixture)


@pytest.fixture
def fhir(world, live_url):  # type: ignore[no-untyped-def]  # noqa: F811
    from fhirpy import SyncFHIRClient

    return SyncFHIRClient(f"{live_url}/fhir", authorization=world.integrator["Authorization"])


def test_count_and_first(client, world, fhir) -> None:
    direct = client.get(f"/fhir/Observation?patient={world.agreed}", headers=world.integrator)
    total = direct.json["total"]
    observations = fhir.resources("Observation").search(patient=world.agreed)
    assert total > 10 and observations.count() == total  # fhirpy sends _totalMethod=count
    assert fhir.resources("Observation").search(patient=world.undecided).count() == 0
    first = observations.sort("-date").first()
    assert first is not None and first["subject"]["reference"] == f"Patient/{world.agreed}"
    assert fhir.resources("Observation").search(_total="accurate").count() >= total
    assert fhir.resources("Observation").search(_summary="count").count() >= total


def test_fetch_all_follows_every_page(world, fhir) -> None:
    searched = fhir.resources("Observation").search(patient=world.agreed)
    every = searched.limit(7).fetch_all()
    assert len(every) == searched.count()
    assert len({o["id"] for o in every}) == len(every)


def test_include_revinclude_and_elements_helpers(world, fhir) -> None:
    with_responses = (
        fhir.resources("Observation")
        .search(patient=world.agreed)
        .include("Observation", "derived-from")
        .limit(5)
        .fetch_raw()
    )
    modes = {e["search"]["mode"] for e in with_responses["entry"]}
    assert modes == {"match", "include"}
    back = (
        fhir.resources("QuestionnaireResponse")
        .search(patient=world.agreed)
        .revinclude("Observation", "derived-from")
        .fetch_raw()
    )
    assert {e["resource"]["resourceType"] for e in back["entry"]} == {
        "QuestionnaireResponse",
        "Observation",
    }
    slim = fhir.resources("Observation").search(patient=world.agreed).elements("status").first()
    assert slim is not None and "valueCodeableConcept" not in slim and slim["status"]

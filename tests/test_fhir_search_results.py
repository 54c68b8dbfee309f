"""What a search answer carries: _include (typed, wildcard, :iterate), _revinclude,
_elements and _summary (copies marked SUBSETTED), _total; each included resource under the
caller's access rules."""

from __future__ import annotations

import pytest
from fhir.resources.R4B.bundle import Bundle

SUBSETTED = ("http://terminology.hl7.org/CodeSystem/v3-ObservationValue", "SUBSETTED")


def answer(client, headers, query: str) -> dict:  # type: ignore[no-untyped-def]
    response = client.get(f"/fhir/{query}", headers=headers)
    assert response.status_code == 200, response.json
    Bundle.model_validate(response.json)
    return response.json


def by_mode(bundle: dict, mode: str) -> list[dict]:
    return [e["resource"] for e in bundle.get("entry", []) if e["search"]["mode"] == mode]


def subsetted(resource: dict) -> bool:
    return any(
        (t.get("system"), t.get("code")) == SUBSETTED for t in resource["meta"].get("tag", [])
    )


def test_revinclude_observations_derived_from_a_response(client, world) -> None:
    found = answer(
        client,
        world.integrator,
        f"QuestionnaireResponse?patient={world.agreed}&_revinclude=Observation:derived-from",
    )
    responses = {f"QuestionnaireResponse/{r['id']}" for r in by_mode(found, "match")}
    derived = by_mode(found, "include")
    assert responses and derived
    assert {o["derivedFrom"][0]["reference"] for o in derived} <= responses
    # Every Observation extracted from these responses, and only those.
    expected = answer(client, world.integrator, f"Observation?patient={world.agreed}&_count=500")
    from_these = [
        o
        for o in by_mode(expected, "match")
        if o.get("derivedFrom") and o["derivedFrom"][0]["reference"] in responses
    ]
    assert {o["id"] for o in derived} == {o["id"] for o in from_these}


def test_revinclude_by_patient_keeps_consent_and_access(client, world) -> None:
    own = answer(
        client, world.clinician, "Patient?_revinclude=Flag:patient&_revinclude=Consent:patient"
    )
    included = by_mode(own, "include")
    subjects = {(r.get("subject") or r.get("patient"))["reference"] for r in included}
    assert f"Patient/{world.agreed}" in subjects and f"Patient/{world.other}" not in subjects
    integrator = by_mode(answer(client, world.integrator, "Patient?_revinclude=*"), "include")
    assert all(
        (r.get("subject") or r.get("patient"))["reference"] != f"Patient/{world.undecided}"
        for r in integrator
    )
    assert {r["resourceType"] for r in integrator} >= {"Observation", "Flag", "Encounter"}


def test_typed_wildcard_and_iterated_includes(client, world) -> None:
    query = f"Observation?patient={world.agreed}&_count=5"
    typed = by_mode(
        answer(client, world.integrator, query + "&_include=Observation:subject:Patient"),
        "include",
    )
    assert [r["resourceType"] for r in typed] == ["Patient"]
    wildcard = by_mode(answer(client, world.integrator, query + "&_include=*"), "include")
    assert {"Patient", "Encounter", "QuestionnaireResponse"} <= {
        r["resourceType"] for r in wildcard
    }
    # Without :iterate an include must start from the type searched.
    plain = client.get(
        f"/fhir/{query}&_include=QuestionnaireResponse:questionnaire", headers=world.integrator
    )
    assert plain.status_code == 400
    iterated = by_mode(
        answer(
            client,
            world.integrator,
            query
            + "&_include=Observation:derived-from"
            + "&_include:iterate=QuestionnaireResponse:questionnaire",
        ),
        "include",
    )
    assert {r["resourceType"] for r in iterated} == {"QuestionnaireResponse", "Questionnaire"}


def test_an_include_never_shows_what_the_caller_may_not_see(client, world) -> None:
    theirs = answer(client, world.clinician, "Encounter?_include=*&_revinclude=*&_count=500")
    seen = {
        (r.get("subject") or r.get("patient") or {"reference": f"Patient/{r['id']}"})["reference"]
        for r in by_mode(theirs, "include") + by_mode(theirs, "match")
        if r["resourceType"] != "Practitioner"
    }
    assert f"Patient/{world.other}" not in seen


@pytest.mark.parametrize(
    ("query", "fragment"),
    [
        ("Observation?_include=Observation:focus", "not supported"),
        ("Observation?_include=Flag:subject", "not supported"),
        ("Observation?_include=Observation:subject:Group", "points to Patient"),
        ("Observation?_include:deep=*", "only modifier of _include"),
        ("Observation?_revinclude=Flag:subject", "not supported"),
        ("Patient?_revinclude:iterate=Flag:subject", "takes no modifier"),
        ("Observation?_elements=colour", "has no element 'colour'"),
        ("Observation?_elements=status&_summary=true", "cannot be combined"),
        ("Observation?_total=maybe", "_total"),
    ],
)
def test_bad_result_parameters_are_400(client, world, query: str, fragment: str) -> None:
    response = client.get(f"/fhir/{query}", headers=world.integrator)
    assert response.status_code == 400
    assert fragment in response.json["issue"][0]["diagnostics"]


def test_elements_keep_only_what_is_asked_and_say_so(client, world) -> None:
    found = answer(
        client, world.integrator, f"Observation?patient={world.agreed}&_elements=subject,effective"
    )
    for resource in by_mode(found, "match"):
        # Mandatory elements (code, status) stay, as FHIR asks of _elements.
        assert set(resource) <= {
            "resourceType",
            "id",
            "meta",
            "subject",
            "effectiveDateTime",
            "code",
            "status",
        }
        assert "effectiveDateTime" in resource and subsetted(resource)
        assert "valueCodeableConcept" not in resource and "valueInteger" not in resource


@pytest.mark.parametrize("mode", ["true", "text", "data", "false"])
def test_summary_modes(client, world, mode: str) -> None:
    query = f"QuestionnaireResponse?patient={world.agreed}&_count=3"
    full = by_mode(answer(client, world.integrator, query), "match")
    cut = by_mode(answer(client, world.integrator, f"{query}&_summary={mode}"), "match")
    assert [r["id"] for r in cut] == [r["id"] for r in full]
    for whole, part in zip(full, cut, strict=True):
        if mode == "false":
            assert part == whole
            continue
        assert subsetted(part)
        if mode == "true":
            # QuestionnaireResponse.item is not a summary element; its status and subject are.
            assert "item" not in part and part["status"] == whole["status"]
            assert part["subject"] == whole["subject"]
        elif mode == "text":
            assert set(part) <= {"resourceType", "id", "meta", "text", "status"}
        else:
            assert "text" not in part and part["item"] == whole["item"]


def test_total_none_and_accurate(client, world) -> None:
    query = f"Observation?patient={world.agreed}&_count=2"
    accurate = answer(client, world.integrator, f"{query}&_total=accurate")
    none = answer(client, world.integrator, f"{query}&_total=none")
    assert accurate["total"] > 2 and "total" not in none
    assert [e["fullUrl"] for e in none["entry"]] == [e["fullUrl"] for e in accurate["entry"]]
    counted = answer(client, world.integrator, f"{query}&_summary=count&_total=accurate")
    assert counted["total"] == accurate["total"] and "entry" not in counted

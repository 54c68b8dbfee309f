"""Writes: QuestionnaireResponse create/update with extraction, If-Match, If-None-Exist,
Observation annotation updates, $validate, and every class of error."""

from __future__ import annotations

import json

import pytest

from fhir_mappings.definitions.session_note import SESSION_NOTE
from fhir_mappings.questionnaire import questionnaire_canonical

FHIR = {"Content-Type": "application/fhir+json"}


def practitioner(app, username: str) -> int:  # type: ignore[no-untyped-def]
    from intake_ai.models import User
    from intake_ai.store.database import session

    with app.app_context():
        return session().query(User).filter_by(username=username).one().id


def note_response(world, author: int, reliance: object = 4) -> dict:  # type: ignore[no-untyped-def]
    return {
        "resourceType": "QuestionnaireResponse",
        "questionnaire": questionnaire_canonical(SESSION_NOTE),
        "status": "completed",
        "subject": {"reference": f"Patient/{world.agreed}"},
        "encounter": {"reference": f"Encounter/{world.encounters['open']}"},
        "author": {"reference": f"Practitioner/{author}"},
        "item": [
            {
                "linkId": "section-use",
                "item": [
                    {"linkId": "any-use", "answer": [{"valueCoding": {"code": "use-yes"}}]},
                    {"linkId": "reliance-rating", "answer": [{"valueInteger": reliance}]},
                    {
                        "linkId": "crisis-use",
                        "answer": [{"valueCoding": {"code": "crisis-distress"}}],
                    },
                ],
            }
        ],
    }


def post(client, headers, resource, extra=None):  # type: ignore[no-untyped-def]
    return client.post(
        "/fhir/QuestionnaireResponse",
        data=json.dumps(resource),
        headers={**headers, **FHIR, **(extra or {})},
    )


def test_create_extracts_scores_and_flags(app, client, world) -> None:
    response = post(client, world.clinician, note_response(world, practitioner(app, "dr-a")))
    assert response.status_code == 201
    created = response.json
    assert response.headers["Location"].endswith(
        f"/QuestionnaireResponse/{created['id']}/_history/1"
    )
    assert response.headers["ETag"] == 'W/"1"'
    observations = client.get(
        f"/fhir/Observation?encounter={world.encounters['open']}&_count=100",
        headers=world.clinician,
    ).json
    found = {e["resource"]["code"]["coding"][0]["code"] for e in observations["entry"]}
    assert {"reliance-rating", "crisis-use", "session-note-panel", "dependency-indicator"} <= found
    # Crisis use again: the client's crisis flag (raised by an earlier note and not yet
    # acknowledged) stays the one open flag of its kind, rather than a second one.
    flags = client.get(
        f"/fhir/Flag?patient={world.agreed}&status=active", headers=world.clinician
    ).json
    crisis = [
        e for e in flags["entry"] if e["resource"]["code"]["coding"][0]["code"] == "flag-crisis-use"
    ]
    assert len(crisis) == 1


def test_if_none_exist_creates_once(app, client, world) -> None:
    resource = note_response(world, practitioner(app, "dr-a"))
    criteria = {"If-None-Exist": f"encounter=Encounter/{world.encounters['open']}"}
    first = post(client, world.clinician, resource, criteria)
    second = post(client, world.clinician, resource, criteria)
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json["id"] == second.json["id"]
    many = post(client, world.clinician, resource, {"If-None-Exist": f"patient={world.agreed}"})
    assert many.status_code == 412


@pytest.mark.parametrize(
    ("change", "path", "fragment"),
    [
        (
            lambda r: r["item"][0]["item"][1]["answer"][0].update(valueInteger="four"),
            "QuestionnaireResponse.item[0].item[1].answer[0].valueInteger",
            "valid integer",
        ),
        (
            lambda r: r["item"][0]["item"][1]["answer"][0].update(valueInteger=11),
            "QuestionnaireResponse.item[0].item[1]",
            "whole number from 0 to 10",
        ),
        (
            lambda r: r["item"][0]["item"][2]["answer"][0]["valueCoding"].update(
                code="crisis-maybe"
            ),
            "QuestionnaireResponse.item[0].item[2]",
            "not one of the answers",
        ),
        (
            lambda r: r["item"][0]["item"].append({"linkId": "favourite-colour"}),
            "QuestionnaireResponse.item[0].item[3].linkId",
            "is not an item of",
        ),
        (
            lambda r: r["item"][0]["item"][0]["answer"][0]["valueCoding"].update(code="use-no"),
            "QuestionnaireResponse.item[0].item[1]",
            "skipped because",
        ),
        (
            lambda r: r.update(questionnaire="http://example.org/Questionnaire/other|1"),
            "QuestionnaireResponse.questionnaire",
            "must be one of",
        ),
        (
            lambda r: r.update(subject={"reference": "Patient/999"}),
            "QuestionnaireResponse.encounter",
            "not a session of this subject",
        ),
        (
            lambda r: r.update(status="in-progress"),
            "QuestionnaireResponse.status",
            "must be 'completed'",
        ),
        (lambda r: r.update(status="nonsense"), "QuestionnaireResponse.status", "is not one of"),
        (lambda r: r.update(authored="yesterday"), "QuestionnaireResponse.authored", ""),
    ],
)
def test_invalid_responses_name_the_element(
    app, client, world, change, path: str, fragment: str
) -> None:
    resource = note_response(world, practitioner(app, "dr-a"))
    change(resource)
    response = post(client, world.clinician, resource)
    assert response.status_code == 400, response.json
    issues = response.json["issue"]
    assert any(
        path in issue.get("expression", [""])[0] and fragment in issue["diagnostics"]
        for issue in issues
    ), issues
    assert (
        client.get(
            f"/fhir/QuestionnaireResponse?encounter={world.encounters['open']}",
            headers=world.clinician,
        ).json["total"]
        == 0
    )


def test_author_must_be_the_clinician_of_record(app, client, world) -> None:
    resource = note_response(world, practitioner(app, "dr-b"))
    response = post(client, world.clinician, resource)
    assert response.status_code == 400
    assert response.json["issue"][0]["expression"] == ["QuestionnaireResponse.author"]


def test_update_with_if_match_and_stale_versions(app, client, world) -> None:
    created = post(client, world.clinician, note_response(world, practitioner(app, "dr-a"))).json
    changed = {**created, "status": "amended"}
    changed["item"][0]["item"][1]["answer"][0]["valueInteger"] = 8
    headers = {**world.clinician, **FHIR, "If-Match": 'W/"1"'}
    url = f"/fhir/QuestionnaireResponse/{created['id']}"
    first = client.put(url, data=json.dumps(changed), headers=headers)
    assert first.status_code == 200 and first.headers["ETag"] == 'W/"2"'
    assert first.json["status"] == "amended"
    stale = client.put(url, data=json.dumps(changed), headers=headers)
    assert stale.status_code == 412 and stale.json["issue"][0]["code"] == "conflict"
    reliance = client.get(
        f"/fhir/Observation?encounter={world.encounters['open']}&code=reliance-rating",
        headers=world.clinician,
    ).json
    assert reliance["entry"][0]["resource"]["valueInteger"] == 8
    assert reliance["entry"][0]["resource"]["status"] == "amended"
    missing = client.put(
        "/fhir/QuestionnaireResponse/unknown",
        data=json.dumps({**changed, "id": "unknown"}),
        headers=headers,
    )
    assert missing.status_code == 404


def test_observation_updates_change_annotations_only(app, client, world, make) -> None:
    panel = client.get(
        f"/fhir/Observation?code=session-note-panel&patient={world.agreed}&_count=1",
        headers=world.clinician,
    ).json["entry"][0]["resource"]
    url = f"/fhir/Observation/{panel['id']}"
    version = panel["meta"]["versionId"]
    body = {k: v for k, v in panel.items() if k != "meta"}
    body["note"] = [*panel.get("note", []), {"text": "Added from the EHR"}]
    headers = {**world.clinician, **FHIR, "If-Match": f'W/"{version}"'}
    added = client.put(url, data=json.dumps(body), headers=headers)
    assert added.status_code == 200
    [note] = [n for n in added.json["note"] if n["text"] == "Added from the EHR"]
    assert note["authorReference"]["reference"] == f"Practitioner/{practitioner(app, 'dr-a')}"
    stale = client.put(url, data=json.dumps(body), headers=headers)
    assert stale.status_code == 412
    sneaky = {**{k: v for k, v in added.json.items() if k != "meta"}, "status": "cancelled"}
    refused = client.put(url, data=json.dumps(sneaky), headers={**world.clinician, **FHIR})
    assert refused.status_code == 400
    assert refused.json["issue"][0]["expression"] == ["Observation.status"]
    # Someone else's annotation cannot be removed.
    make.user("clinician", "dr-c")
    from intake_ai.models import CareAssignment
    from intake_ai.store.database import session, transaction

    with app.app_context(), transaction():
        session().add(
            CareAssignment(clinician_id=practitioner(app, "dr-c"), client_id=world.agreed)
        )
    from tests.conftest import bearer

    other = bearer(make.token("dr-c", "system/*.*"))
    removed = {**{k: v for k, v in added.json.items() if k != "meta"}, "note": []}
    assert client.put(url, data=json.dumps(removed), headers={**other, **FHIR}).status_code == 403


@pytest.mark.parametrize(
    ("headers", "body", "status", "code"),
    [
        ({"Content-Type": "text/plain"}, "{}", 415, "not-supported"),
        ({"Content-Type": "application/xml"}, "<x/>", 415, "not-supported"),
        (FHIR, "{not json", 400, "structure"),
        (FHIR, "[1, 2]", 400, "structure"),
        (FHIR, '{"resourceType": "Patient"}', 400, "invalid"),
        (FHIR, b"\xff\xfe\x00", 400, "structure"),
        (FHIR, "[" * 10000 + "]" * 10000, 400, "structure"),
    ],
)
def test_bad_bodies(client, world, headers, body, status: int, code: str) -> None:
    response = client.post(
        "/fhir/QuestionnaireResponse", data=body, headers={**world.clinician, **headers}
    )
    assert response.status_code == status
    assert response.json["issue"][0]["code"] == code


def test_oversized_body_is_413(app, client, world) -> None:
    app.config["INTAKE_AI_FHIR_MAX_BODY"] = 1000
    response = client.post(
        "/fhir/QuestionnaireResponse", data="x" * 1001, headers={**world.clinician, **FHIR}
    )
    assert response.status_code == 413 and response.json["issue"][0]["code"] == "too-long"


def test_unsupported_interactions_and_unknown_types(client, world) -> None:
    deleted = client.delete(f"/fhir/Patient/{world.agreed}", headers=world.clinician)
    assert deleted.status_code == 405 and deleted.json["resourceType"] == "OperationOutcome"
    unknown = client.get("/fhir/MedicationRequest", headers=world.clinician)
    assert unknown.status_code == 404 and unknown.json["resourceType"] == "OperationOutcome"


def test_validate_operation(app, client, world) -> None:
    url = "/fhir/Observation/$validate"
    bad = {
        "resourceType": "Observation",
        "status": "final",
        "code": {"text": "x"},
        "valueQuantity": {"value": "abc"},
    }
    report = client.post(url, data=json.dumps(bad), headers={**world.clinician, **FHIR})
    assert report.status_code == 200
    assert report.json["issue"][0]["expression"] == ["Observation.valueQuantity.value"]
    good = {
        "resourceType": "Parameters",
        "parameter": [
            {
                "name": "resource",
                "resource": {
                    "resourceType": "Observation",
                    "status": "final",
                    "code": {"text": "x"},
                },
            }
        ],
    }
    fine = client.post(url, data=json.dumps(good), headers={**world.clinician, **FHIR}).json
    assert fine["issue"][0]["severity"] == "information"
    answers = note_response(world, practitioner(app, "dr-a"), reliance=99)
    checked = client.post(
        "/fhir/QuestionnaireResponse/$validate",
        data=json.dumps(answers),
        headers={**world.clinician, **FHIR},
    ).json
    assert "0 to 10" in checked["issue"][0]["diagnostics"]
    assert (
        client.get(
            f"/fhir/QuestionnaireResponse?encounter={world.encounters['open']}",
            headers=world.clinician,
        ).json["total"]
        == 0
    )

"""SDC extraction: ``$extract`` answers what a real save stores without storing it, and
the stored Observations carry what the Questionnaire declares (category, code) and what
the response says (authored, author, subject, encounter)."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import func, select

from fhir_mappings.codes import SDC_OBSERVATION_EXTRACT_CATEGORY
from intake_ai.models import StoredResource
from intake_ai.store.database import session
from tests.test_fhir_write import FHIR, note_response, practitioner

#: What differs between two saves of the same answers besides ids: when each was made.
VOLATILE = ("meta", "issued", "recorded", "lastUpdated")


def _rows_after(app, pk: int) -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
    with app.app_context():
        rows = session().scalars(
            select(StoredResource)
            .where(StoredResource.pk > pk, StoredResource.is_current)
            .order_by(StoredResource.pk)
        )
        return [json.loads(r.content) for r in rows if r.content is not None]


def _last_pk(app) -> int:  # type: ignore[no-untyped-def]
    with app.app_context():
        return session().scalar(select(func.max(StoredResource.pk))) or 0


def _without_ids(resources: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The resources with every id they were given (and references to them) renamed by
    position, and what records the time of saving left out."""
    text = json.dumps(resources)
    for position, resource in enumerate(resources):
        text = text.replace(resource["id"], f"id-{position}")

    def strip(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: strip(v) for k, v in value.items() if k not in VOLATILE}
        if isinstance(value, list):
            return [strip(v) for v in value]
        return value

    return [strip(r) for r in json.loads(text)]


def test_extract_returns_what_a_save_stores_and_stores_nothing(app, client, world) -> None:
    body = note_response(world, practitioner(app, "dr-a"))
    body["authored"] = "2026-09-22T10:40:00Z"
    before = _last_pk(app)
    extracted = client.post(
        "/fhir/QuestionnaireResponse/$extract",
        data=json.dumps(
            {
                "resourceType": "Parameters",
                "parameter": [{"name": "questionnaire-response", "resource": body}],
            }
        ),
        headers={**world.clinician, **FHIR},
    )
    assert extracted.status_code == 200, extracted.json
    bundle = extracted.json
    assert bundle["type"] == "transaction"
    assert _last_pk(app) == before  # nothing stored
    kinds = {e["resource"]["resourceType"] for e in bundle["entry"]}
    assert {"QuestionnaireResponse", "Observation"} <= kinds
    assert all(e["request"]["method"] == "PUT" for e in bundle["entry"])

    saved = client.post(
        "/fhir/QuestionnaireResponse", data=json.dumps(body), headers={**world.clinician, **FHIR}
    )
    assert saved.status_code == 201
    stored = _rows_after(app, before)
    assert _without_ids([e["resource"] for e in bundle["entry"]]) == _without_ids(stored)


def test_extracted_observations_follow_the_questionnaire_and_the_response(
    app, client, world
) -> None:
    body = note_response(world, practitioner(app, "dr-a"))
    body["authored"] = "2026-09-22T10:40:00Z"
    saved = client.post(
        "/fhir/QuestionnaireResponse", data=json.dumps(body), headers={**world.clinician, **FHIR}
    ).json
    canonical = body["questionnaire"]
    url, version = canonical.split("|")
    questionnaire = client.get(f"/fhir/Questionnaire?url={url}", headers=world.clinician).json
    declared: dict[str, tuple[Any, Any]] = {}

    def walk(items: list[dict[str, Any]]) -> None:
        for item in items:
            for ext in item.get("extension", []):
                if ext["url"] == SDC_OBSERVATION_EXTRACT_CATEGORY:
                    declared[item["linkId"]] = (ext["valueCodeableConcept"], item["code"])
            walk(item.get("item", []))

    q = next(e["resource"] for e in questionnaire["entry"] if e["resource"]["version"] == version)
    walk(q["item"])
    panel_category = next(
        e["valueCodeableConcept"]
        for e in q["extension"]
        if e["url"] == SDC_OBSERVATION_EXTRACT_CATEGORY
    )
    found = client.get(
        f"/fhir/Observation?encounter={world.encounters['open']}&_count=100",
        headers=world.clinician,
    )
    observations = [
        e["resource"]
        for e in found.json["entry"]
        if e["resource"].get("derivedFrom", [{}])[0].get("reference")
        == f"QuestionnaireResponse/{saved['id']}"
        and e["resource"]["code"]["coding"][0]["code"] != "dependency-indicator"
    ]
    assert len(observations) >= 3
    for observation in observations:
        link_id = observation["code"]["coding"][0]["code"]
        if link_id in declared:
            category, code = declared[link_id]
            assert observation["category"] == [category]
            # The item's codes, without their translations (a display's Spanish stays on
            # the Questionnaire; the Observation carries the coding itself).
            untranslated = [{k: v for k, v in c.items() if not k.startswith("_")} for c in code]
            assert observation["code"]["coding"] == untranslated
        else:  # the panel: the Questionnaire's own category
            assert observation["category"] == [panel_category]
        assert observation["effectiveDateTime"] == body["authored"]
        assert observation["issued"]
        assert observation["performer"] == [body["author"]]
        assert observation["subject"] == body["subject"]
        assert observation["encounter"] == body["encounter"]


def test_what_the_ehr_writes_and_extract_serve_validates(app, client, world, tmp_path) -> None:
    from tests.fhir_validator import run_validator

    dr_a = practitioner(app, "dr-a")
    body = note_response(world, dr_a)
    body["authored"] = "2026-09-22T10:40:00Z"
    post = {**world.clinician, **FHIR}
    extracted = client.post(
        "/fhir/QuestionnaireResponse/$extract", data=json.dumps(body), headers=post
    ).json
    saved = client.post("/fhir/QuestionnaireResponse", data=json.dumps(body), headers=post).json
    served = [extracted, saved]
    for query in (
        f"Observation?encounter={world.encounters['open']}&_count=100",
        f"Patient?_id={world.agreed}",
        f"Encounter?patient={world.agreed}",
        "Questionnaire?_count=50",
    ):
        found = client.get(f"/fhir/{query}", headers=world.clinician)
        assert found.status_code == 200, query
        served.append(found.json)
    run_validator(served, tmp_path)

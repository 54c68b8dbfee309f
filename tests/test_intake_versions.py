"""Both intake versions stay published, and intakes stored against 1.0.0 (consent asked
last) keep reading correctly: answers, pages, the indicator, FHIR reads and $validate."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from fhir_mappings.definitions import INTAKE, definition_of
from fhir_mappings.definitions.intake import INTAKE_1_0_0
from fhir_mappings.questionnaire import questionnaire_canonical, questionnaire_url
from fhir_mappings.response import answers_of
from intake_ai.forms.schema import load_answers
from intake_ai.intake import service as intake_service
from intake_ai.models import StoredResource
from intake_ai.store import resources as resource_store
from intake_ai.store.database import session
from tests.conftest import bearer
from tests.intake_helpers import FULL_INTAKE, review_answers, submit_intake

FHIR = {"Content-Type": "application/fhir+json"}


@pytest.fixture
def two_intakes(app, make, auth, client, monkeypatch):  # type: ignore[no-untyped-def]
    """One intake stored as the pages stored it under 1.0.0, one under 1.1.0: same answers."""
    make.user("clinician", "dr-a")
    old_client, new_client = make.client("dr-a"), make.client("dr-a")
    old_session, new_session = (
        make.encounter(old_client, "dr-a"),
        make.encounter(new_client, "dr-a"),
    )
    auth.login("dr-a")
    with monkeypatch.context() as patch:
        patch.setattr(intake_service, "INTAKE", INTAKE_1_0_0)  # the service as it was
        assert submit_intake(client, old_session, FULL_INTAKE).status_code == 302
    assert submit_intake(client, new_session, FULL_INTAKE).status_code == 302
    return {"old": old_client, "new": new_client}


def _stored(app, client_id: int, resource_type: str, code: str | None = None) -> dict:  # type: ignore[no-untyped-def]
    with app.app_context():
        query = select(StoredResource).where(
            StoredResource.resource_type == resource_type,
            StoredResource.client_id == client_id,
            StoredResource.is_current,
        )
        if code:
            query = query.where(StoredResource.code == code)
        [row] = session().scalars(query).all()
        return resource_store.load(row)


def test_stored_1_0_0_response_names_its_version_and_reads_with_it(app, two_intakes) -> None:
    old = _stored(app, two_intakes["old"], "QuestionnaireResponse")
    new = _stored(app, two_intakes["new"], "QuestionnaireResponse")
    assert old["questionnaire"] == questionnaire_canonical(INTAKE_1_0_0)
    assert new["questionnaire"] == questionnaire_canonical(INTAKE)
    assert definition_of(old) is INTAKE_1_0_0 and definition_of(new) is INTAKE
    # Same answers either way; only the order on the page (and in the response) differs.
    assert answers_of(INTAKE_1_0_0, old) == answers_of(INTAKE, new)
    assert answers_of(INTAKE_1_0_0, old) == load_answers(INTAKE, FULL_INTAKE)
    assert [i["linkId"] for i in old["item"]][-1] == "section-f"
    assert [i["linkId"] for i in new["item"]][0] == "section-f"


def test_the_indicator_is_the_same_for_either_version(app, two_intakes) -> None:
    scores = [
        _stored(app, two_intakes[k], "Observation", "dependency-indicator")["valueInteger"]
        for k in ("old", "new")
    ]
    assert scores[0] == scores[1] > 0


def test_the_page_of_a_1_0_0_intake_shows_it_as_asked(client, two_intakes, app) -> None:
    old = _stored(app, two_intakes["old"], "QuestionnaireResponse")
    page = client.get(f"/intake/{old['id']}").get_data(as_text=True)
    assert "form version 1.0.0" in page
    assert page.index("Tools and pattern") < page.index("<h3>Consent</h3>")
    assert "5–6 days" in page and "ChatGPT, Replika, Other" in page


def test_both_questionnaire_versions_are_published_and_read_over_fhir(
    client, make, two_intakes
) -> None:
    headers = bearer(make.token("dr-a", "system/*.read"))
    for definition in (INTAKE_1_0_0, INTAKE):
        read = client.get(
            f"/fhir/Questionnaire/ai-use-intake-{definition.version}", headers=headers
        )
        assert read.status_code == 200
        assert read.json["version"] == definition.version
    by_url = client.get(
        f"/fhir/Questionnaire?url={questionnaire_url(INTAKE)}", headers=headers
    ).json
    assert sorted(e["resource"]["version"] for e in by_url["entry"]) == ["1.0.0", "1.1.0"]


def test_fhir_read_and_validate_of_a_1_0_0_response(app, client, make, two_intakes) -> None:
    old = _stored(app, two_intakes["old"], "QuestionnaireResponse")
    headers = {**bearer(make.token("dr-a", "system/*.read")), **FHIR}
    read = client.get(f"/fhir/QuestionnaireResponse/{old['id']}", headers=headers)
    assert read.status_code == 200 and read.json["questionnaire"].endswith("|1.0.0")
    report = client.post(
        "/fhir/QuestionnaireResponse/$validate", data=json.dumps(read.json), headers=headers
    ).json
    assert [i["severity"] for i in report["issue"]] == ["information"], report
    # The same body with a bad answer is reported against 1.0.0's items.
    bad = json.loads(json.dumps(read.json))
    bad["item"][0]["item"][2]["answer"] = [{"valueCoding": {"code": "dpw-eight"}}]
    report = client.post(
        "/fhir/QuestionnaireResponse/$validate", data=json.dumps(bad), headers=headers
    ).json
    assert "is not one of the answers" in report["issue"][0]["diagnostics"]


def test_editing_a_1_0_0_intake_stores_the_current_version(app, client, two_intakes) -> None:
    old = _stored(app, two_intakes["old"], "QuestionnaireResponse")
    changed = {**FULL_INTAKE, "days-per-week": "dpw-every-day"}
    review = client.post(
        f"/intake/{old['id']}/edit", data={**changed, "action": "review", "base_version": "1"}
    )
    assert "Days of use per week: 5–6 days → Every day" in review.get_data(as_text=True)
    saved = client.post(
        f"/intake/{old['id']}/edit",
        data={
            "answers": review_answers(review.get_data(as_text=True)),
            "action": "save",
            "base_version": "1",
            "change_reason": "Client corrected the days",
        },
    )
    assert saved.status_code == 302
    edited = _stored(app, two_intakes["old"], "QuestionnaireResponse")
    assert edited["questionnaire"] == questionnaire_canonical(INTAKE)
    history = client.get(f"/records/QuestionnaireResponse/{old['id']}/history")
    text = " ".join(history.get_data(as_text=True).split())
    assert "Days of use per week: 5–6 days → Every day" in text
    # Version 1 is still read with 1.0.0.
    first = client.get(f"/records/QuestionnaireResponse/{old['id']}/_history/1")
    assert "5–6 days" in first.get_data(as_text=True)


def test_api_creates_keep_their_consent_behaviour_for_either_version(app, client, make) -> None:
    """An integrator posting 'discuss first' with other answers: only the decision is kept,
    for 1.0.0 as before and for 1.1.0 (whose sections wait for consent)."""
    make.user("clinician", "dr-a")
    headers = {**bearer(make.token("dr-a", "system/*.read", "system/*.write")), **FHIR}
    with app.app_context():
        from intake_ai import directory

        author = directory.find_user("dr-a").id
    for definition in (INTAKE_1_0_0, INTAKE):
        client_id = make.client("dr-a")
        encounter = make.encounter(client_id, "dr-a")
        body = {
            "resourceType": "QuestionnaireResponse",
            "questionnaire": questionnaire_canonical(definition),
            "status": "completed",
            "subject": {"reference": f"Patient/{client_id}"},
            "encounter": {"reference": f"Encounter/{encounter}"},
            "author": {"reference": f"Practitioner/{author}"},
            "item": [
                {
                    "linkId": "section-a",
                    "item": [
                        {
                            "linkId": "days-per-week",
                            "answer": [{"valueCoding": {"code": "dpw-5-6"}}],
                        }
                    ],
                },
                {
                    "linkId": "section-f",
                    "item": [
                        {
                            "linkId": "consent-record",
                            "answer": [{"valueCoding": {"code": "consent-discuss"}}],
                        }
                    ],
                },
            ],
        }
        created = client.post("/fhir/QuestionnaireResponse", data=json.dumps(body), headers=headers)
        # "Discuss first" stores only the Consent, and says so in an OperationOutcome.
        assert created.status_code == 200, created.json
        assert created.json["resourceType"] == "OperationOutcome"
        assert "'proposed'" in created.json["issue"][0]["diagnostics"]

"""The intake as a clinician uses it: form, review, save, consent gate, drafts, edits."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from fhir_mappings.definitions import INTAKE
from fhir_mappings.questionnaire import questionnaire_canonical
from intake_ai.models import Client, ConsentState, Draft, StoredResource
from intake_ai.store import resources as resource_store
from intake_ai.store.database import session
from tests.intake_helpers import (
    FULL_INTAKE,
    count_clinical,
    field_errors,
    review_answers,
    submit_intake,
)


@pytest.fixture
def visit(make, auth):  # type: ignore[no-untyped-def]
    """A signed-in clinician with a client and an open first session."""
    make.user("supervisor", "sup")
    make.user("clinician", "dr-a", supervisor="sup")
    client_id = make.client("dr-a")
    encounter_id = make.encounter(client_id, "dr-a")
    auth.login("dr-a")
    return client_id, encounter_id


def _current(app, resource_type: str) -> list[dict]:  # type: ignore[no-untyped-def]
    with app.app_context():
        rows = (
            session()
            .scalars(
                select(StoredResource).where(
                    StoredResource.resource_type == resource_type,
                    StoredResource.is_current,
                )
            )
            .all()
        )
        return [resource_store.load(r) for r in rows]


def test_form_shows_all_twenty_items_grouped_in_sections(client, visit) -> None:
    _client_id, encounter_id = visit
    page = client.get(f"/sessions/{encounter_id}/intake").get_data(as_text=True)
    for number in range(1, 21):
        assert f"<legend>{number}. " in page
    for title in ("A. Tools and pattern", "B. Purposes", "F. Consent"):
        assert title in page
    assert INTAKE.preface in page
    assert page.count('name="declined"') >= 18  # every askable item can be declined


def test_review_stores_nothing(app, client, visit) -> None:
    _client_id, encounter_id = visit
    review = client.post(
        f"/sessions/{encounter_id}/intake", data={**FULL_INTAKE, "action": "review"}
    )
    assert review.status_code == 200
    page = review.get_data(as_text=True)
    assert "What will be stored" in page
    assert "25 observations extracted" in page
    assert count_clinical(app) == {}


def test_save_stores_response_observations_panel_and_consent(app, client, visit) -> None:
    client_id, encounter_id = visit
    response = submit_intake(client, encounter_id, FULL_INTAKE)
    assert response.status_code == 302
    # 25 answers + the panel + the dependency-risk indicator scored from them.
    assert count_clinical(app) == {"QuestionnaireResponse": 1, "Observation": 27, "Consent": 1}

    [qr] = _current(app, "QuestionnaireResponse")
    assert qr["status"] == "completed"
    assert qr["questionnaire"] == questionnaire_canonical(INTAKE)
    assert qr["subject"] == {"reference": f"Patient/{client_id}"}
    assert qr["encounter"] == {"reference": f"Encounter/{encounter_id}"}
    assert qr["author"]["reference"].startswith("Practitioner/")
    assert qr["source"] == {"reference": f"Patient/{client_id}"}
    assert qr["authored"].endswith("Z")

    observations = [
        o
        for o in _current(app, "Observation")
        if o["code"]["coding"][0]["code"] != "dependency-indicator"
    ]
    panel = next(o for o in observations if "hasMember" in o)
    members = [o for o in observations if o is not panel]
    assert len(panel["hasMember"]) == len(members) == 25
    assert {m["reference"] for m in panel["hasMember"]} == {
        f"Observation/{o['id']}" for o in members
    }
    for observation in observations:
        assert observation["derivedFrom"] == [{"reference": f"QuestionnaireResponse/{qr['id']}"}]
        assert observation["category"][0]["coding"][0]["code"] == "survey"
        assert observation["encounter"] == {"reference": f"Encounter/{encounter_id}"}
    by_code = {}
    for o in members:
        by_code.setdefault(o["code"]["coding"][0]["code"], []).append(o)
    assert len(by_code["tools"]) == 3
    assert by_code["privacy-tips"][0]["valueBoolean"] is True
    assert by_code["days-per-week"][0]["valueCodeableConcept"]["coding"][0]["code"] == "dpw-5-6"
    declined = by_code["reassurance"][0]
    assert "valueCodeableConcept" not in declined
    assert declined["dataAbsentReason"]["coding"][0]["code"] == "asked-declined"
    ordinal = by_code["withdrawal"][0]["valueCodeableConcept"]["coding"][0]["extension"][0]
    assert ordinal["valueDecimal"] == 3

    [consent] = _current(app, "Consent")
    assert consent["status"] == "active"
    assert consent["sourceReference"] == {"reference": f"QuestionnaireResponse/{qr['id']}"}
    assert consent["provision"]["provision"][0]["type"] == "deny"  # research opt-in off
    actors = [a["reference"]["reference"] for a in consent["provision"]["actor"]]
    assert len(actors) == 2  # the clinician and their supervisor
    with app.app_context():
        assert session().get(Client, client_id).consent_state is ConsentState.ACTIVE
    page = client.get(f"/clients/{client_id}").get_data(as_text=True)
    assert "Agreed" in page and "not agreed (default)" in page


def test_discuss_first_stores_only_the_consent(app, client, visit) -> None:
    client_id, encounter_id = visit
    answers = {**FULL_INTAKE, "consent-record": "consent-discuss"}
    answers.pop("consent-terms")
    review = client.post(f"/sessions/{encounter_id}/intake", data={**answers, "action": "review"})
    shown = " ".join(review.get_data(as_text=True).split())
    assert "Only that decision is stored" in shown
    assert "The other 23 answers are <strong>not</strong> stored" in shown
    submit_intake(client, encounter_id, answers)
    assert count_clinical(app) == {"Consent": 1}
    [consent] = _current(app, "Consent")
    assert consent["status"] == "proposed"
    assert "sourceReference" not in consent
    page = client.get(f"/clients/{client_id}").get_data(as_text=True)
    assert "Discussion pending" in page
    client.post(f"/clients/{client_id}/consent/declined")
    [consent] = _current(app, "Consent")
    assert consent["status"] == "rejected"
    assert count_clinical(app) == {"Consent": 2}  # two versions of the one Consent


def test_draft_is_refused_before_consent_and_resumed_after(app, client, visit) -> None:
    _client_id, encounter_id = visit
    early = client.post(
        f"/sessions/{encounter_id}/intake", data={"tools": ["tool-claude"], "action": "draft"}
    )
    assert early.status_code == 400
    assert "Nothing was stored" in field_errors(early.get_data(as_text=True), "consent-record")[0]
    with app.app_context():
        assert session().scalars(select(Draft)).first() is None
    saved = client.post(
        f"/sessions/{encounter_id}/intake",
        data={"tools": ["tool-claude"], "consent-record": "consent-agree", "action": "draft"},
    )
    assert saved.status_code == 302
    resumed = client.get(f"/sessions/{encounter_id}/intake").get_data(as_text=True)
    assert "resumed from a saved draft" in resumed
    assert 'value="tool-claude" checked' in resumed
    assert count_clinical(app) == {}  # a draft is not part of the record
    submit_intake(client, encounter_id, FULL_INTAKE)
    with app.app_context():
        assert session().scalars(select(Draft)).first() is None


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"days-per-week": "dpw-eight"}, "days-per-week", "is not one of the answers"),
        ({"privacy-tips": "perhaps"}, "privacy-tips", "Answer yes or no."),
        ({"tools": ["tool-none"]}, "days-per-week", "skipped because item 1 is 'None'"),
        ({"consent-record": ""}, "consent-record", "This answer is required."),
        ({"helped-detail": "x" * 2001}, "helped-detail", "Keep this under 2000 characters."),
    ],
    ids=["unknown-code", "wrong-type", "skipped-by-logic", "missing-consent", "oversized-text"],
)
def test_bad_input_is_shown_at_its_field_and_nothing_is_stored(
    app, client, visit, change, field, message
) -> None:
    _client_id, encounter_id = visit
    data = {**FULL_INTAKE, **change}
    for action in ("review", "save"):
        response = client.post(f"/sessions/{encounter_id}/intake", data={**data, "action": action})
        assert response.status_code == 400
        page = response.get_data(as_text=True)
        assert any(message in m for m in field_errors(page, field)), field_errors(page, field)
        assert "Nothing was saved" in page
    # Even a tampered review step is checked again before anything is stored.
    tampered = client.post(
        f"/sessions/{encounter_id}/intake", data={"answers": json.dumps(data), "action": "save"}
    )
    assert tampered.status_code == 400
    assert count_clinical(app) == {}


def test_edit_stores_new_versions_and_keeps_history(app, client, visit) -> None:
    _client_id, encounter_id = visit
    submit_intake(client, encounter_id, FULL_INTAKE)
    [qr] = _current(app, "QuestionnaireResponse")
    before = {
        o["id"]: o
        for o in _current(app, "Observation")
        if o["code"]["coding"][0]["code"] != "dependency-indicator"
    }

    edit_page = client.get(f"/intake/{qr['id']}/edit").get_data(as_text=True)
    assert 'value="dpw-5-6" checked' in edit_page
    changed = {**FULL_INTAKE, "days-per-week": "dpw-every-day", "when": ["when-evening"]}
    review = client.post(
        f"/intake/{qr['id']}/edit", data={**changed, "action": "review", "base_version": "1"}
    )
    saved = client.post(
        f"/intake/{qr['id']}/edit",
        data={
            "answers": review_answers(review.get_data(as_text=True)),
            "action": "save",
            "base_version": "1",
            "change_reason": "Client corrected how often they use it",
        },
    )
    assert saved.status_code == 302

    [qr2] = _current(app, "QuestionnaireResponse")
    assert (qr2["status"], qr2["meta"]["versionId"]) == ("amended", "2")
    after = {
        o["id"]: o
        for o in _current(app, "Observation")
        if o["code"]["coding"][0]["code"] != "dependency-indicator"
    }
    assert set(after) == set(before)
    statuses = {
        o["code"]["coding"][0]["code"] + ":" + o["meta"]["versionId"]: o["status"]
        for o in after.values()
        if o["status"] != "final"
    }
    days = next(o for o in after.values() if o["code"]["coding"][0]["code"] == "days-per-week")
    assert (days["status"], days["meta"]["versionId"]) == ("amended", "2")
    midnight = [
        o
        for o in after.values()
        if o.get("valueCodeableConcept", {}).get("coding", [{}])[0].get("code")
        == "when-after-midnight"
    ]
    assert midnight[0]["status"] == "entered-in-error"
    unchanged = next(o for o in after.values() if o["code"]["coding"][0]["code"] == "framing")
    assert (unchanged["status"], unchanged["meta"]["versionId"]) == ("final", "1")
    assert len(statuses) == 3  # days amended, after-midnight retired, panel amended
    # The indicator is derived from the response but is not one of its answers: it is
    # re-scored (one point less: no use after midnight), never retired by the amendment.
    [indicator] = [
        o
        for o in _current(app, "Observation")
        if o["code"]["coding"][0]["code"] == "dependency-indicator"
    ]
    assert (indicator["status"], indicator["valueInteger"]) == ("amended", 10)

    history = client.get(f"/records/QuestionnaireResponse/{qr['id']}/history")
    assert "Open version 1" in history.get_data(as_text=True)
    first = client.get(f"/records/QuestionnaireResponse/{qr['id']}/_history/1")
    assert "5–6 days" in first.get_data(as_text=True)
    current = client.get(f"/intake/{qr['id']}").get_data(as_text=True)
    assert "Every day" in current and "5–6 days" not in current


def test_stale_edit_is_refused_with_a_message(app, client, visit) -> None:
    _client_id, encounter_id = visit
    submit_intake(client, encounter_id, FULL_INTAKE)
    [qr] = _current(app, "QuestionnaireResponse")
    for days, expect in (("dpw-every-day", 302), ("dpw-1-2", 409)):
        data = {**FULL_INTAKE, "days-per-week": days}
        response = client.post(
            f"/intake/{qr['id']}/edit",
            data={
                "answers": json.dumps(data),
                "action": "save",
                "base_version": "1",
                "change_reason": "Corrected",
            },
        )
        assert response.status_code == expect
    assert "Someone saved this intake after you opened it" in response.get_data(as_text=True)
    [current] = _current(app, "QuestionnaireResponse")
    assert current["meta"]["versionId"] == "2"


def test_second_intake_is_refused(app, client, visit, make) -> None:
    client_id, encounter_id = visit
    submit_intake(client, encounter_id, FULL_INTAKE)
    other_session = make.encounter(client_id, "dr-a")
    again = client.post(
        f"/sessions/{other_session}/intake",
        data={"answers": json.dumps(FULL_INTAKE), "action": "save"},
    )
    assert again.status_code == 400
    assert count_clinical(app)["QuestionnaireResponse"] == 1


def test_other_clinicians_cannot_record_or_read(app, client, visit, make, auth) -> None:
    _client_id, encounter_id = visit
    submit_intake(client, encounter_id, FULL_INTAKE)
    [qr] = _current(app, "QuestionnaireResponse")
    make.user("clinician", "dr-b")
    auth.logout()
    auth.login("dr-b")
    # Another clinician's records read as not there (404), exactly like unknown ones.
    assert client.get(f"/sessions/{encounter_id}/intake").status_code == 404
    assert client.get(f"/intake/{qr['id']}").status_code == 404
    assert client.get(f"/records/QuestionnaireResponse/{qr['id']}/history").status_code == 404


def test_supervisor_reads_the_intake_without_free_text(client, visit, app, auth) -> None:
    _client_id, encounter_id = visit
    submit_intake(client, encounter_id, FULL_INTAKE)
    [qr] = _current(app, "QuestionnaireResponse")
    auth.logout()
    auth.login("sup")
    page = client.get(f"/intake/{qr['id']}").get_data(as_text=True)
    assert "5–6 days" in page
    assert "Planned an apology" not in page
    assert "Edit answers" not in page
    assert client.get(f"/intake/{qr['id']}/edit").status_code == 403


def test_a_failure_midway_leaves_nothing_behind(app, client, visit, monkeypatch) -> None:
    _client_id, encounter_id = visit
    review = client.post(
        f"/sessions/{encounter_id}/intake", data={**FULL_INTAKE, "action": "review"}
    )
    carried = review_answers(review.get_data(as_text=True))
    original = resource_store.save
    calls = {"n": 0}

    def failing_save(resource, **kwargs):  # type: ignore[no-untyped-def]
        # The response is stored first; fail on the first extracted Observation.
        if resource["resourceType"] == "Observation":
            calls["n"] += 1
            raise RuntimeError("database went away")
        return original(resource, **kwargs)

    monkeypatch.setattr(resource_store, "save", failing_save)
    with pytest.raises(RuntimeError):
        client.post(f"/sessions/{encounter_id}/intake", data={"answers": carried, "action": "save"})
    assert calls["n"] == 1
    assert count_clinical(app) == {}

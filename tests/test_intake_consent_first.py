"""Consent first at intake (version 1.1.0): the rest is not shown until the client agrees,
and "discuss first" keeps only the decision, without JavaScript too."""

from __future__ import annotations

import re

import pytest

from tests.intake_helpers import FULL_INTAKE, count_clinical, field_errors, submit_intake


@pytest.fixture
def visit(make, auth):  # type: ignore[no-untyped-def]
    make.user("clinician", "dr-a")
    client_id = make.client("dr-a")
    encounter_id = make.encounter(client_id, "dr-a")
    auth.login("dr-a")
    return client_id, encounter_id


def _sections(page: str) -> list[tuple[str, bool]]:
    """(section id, rendered hidden) in page order."""
    found = re.findall(r'<fieldset class="section" id="q-(section-[a-f])"([^>]*)>', page)
    return [(link_id, " hidden" in attributes) for link_id, attributes in found]


def test_the_form_opens_on_consent_alone(client, visit) -> None:
    _client_id, encounter_id = visit
    page = client.get(f"/sessions/{encounter_id}/intake").get_data(as_text=True)
    sections = _sections(page)
    assert sections[0] == ("section-f", False)
    # Everything else is rendered hidden and disabled: not shown, not sent, even without JS.
    assert sections[1:] == [(f"section-{s}", True) for s in "abcde"]
    assert re.search(r'id="q-section-a"[^>]* hidden disabled', page)
    assert 'name="action" value="continue"' in page
    assert "form version 1.1.0" in page


def test_continue_after_agreeing_opens_the_rest_and_stores_nothing(app, client, visit) -> None:
    _client_id, encounter_id = visit
    agreed = {"consent-record": "consent-agree", "consent-terms": "true", "action": "continue"}
    page = client.post(f"/sessions/{encounter_id}/intake", data=agreed)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert all(not hidden for _link, hidden in _sections(html))
    assert 'value="consent-agree" checked' in html
    assert count_clinical(app) == {}


def test_continue_without_a_decision_asks_for_it(client, visit) -> None:
    _client_id, encounter_id = visit
    page = client.post(f"/sessions/{encounter_id}/intake", data={"action": "continue"})
    assert page.status_code == 400
    html = page.get_data(as_text=True)
    assert "This answer is required." in field_errors(html, "consent-record")
    assert _sections(html)[1] == ("section-a", True)


def test_discuss_first_goes_to_a_review_of_the_decision_only(app, client, visit) -> None:
    client_id, encounter_id = visit
    page = client.post(
        f"/sessions/{encounter_id}/intake",
        data={"consent-record": "consent-discuss", "action": "continue"},
    )
    html = " ".join(page.get_data(as_text=True).split())
    assert "Only that decision is stored" in html and "not</strong> stored" not in html
    submit_intake(client, encounter_id, {"consent-record": "consent-discuss"})
    assert count_clinical(app) == {"Consent": 1}
    assert "Discussion pending" in client.get(f"/clients/{client_id}").get_data(as_text=True)


def test_answers_sent_behind_a_closed_gate_are_dropped_never_stored(app, client, visit) -> None:
    _client_id, encounter_id = visit
    # A client that typed into the hidden sections anyway (or a tampered post).
    answers = {k: v for k, v in FULL_INTAKE.items() if k != "consent-terms"}
    response = submit_intake(client, encounter_id, {**answers, "consent-record": "consent-discuss"})
    assert response.status_code == 302
    assert count_clinical(app) == {"Consent": 1}


def test_the_page_flow_still_reaches_a_full_intake(app, client, visit) -> None:
    _client_id, encounter_id = visit
    assert submit_intake(client, encounter_id, FULL_INTAKE).status_code == 302
    assert count_clinical(app)["QuestionnaireResponse"] == 1

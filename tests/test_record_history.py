"""Edits ask for a reason, stored with the version; history shows who, when, why and what
changed in words; the entered-in-error and purge pages name the record and offer Cancel."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from fhir_mappings.codes import EXT_CHANGE_REASON
from intake_ai.models import StoredResource
from intake_ai.store import resources as resource_store
from intake_ai.store.database import session
from tests.intake_helpers import CALM_NOTE, FULL_INTAKE, review_answers, submit_intake, submit_note

REASON = "Client corrected how often they use it"


@pytest.fixture
def noted(make, auth, client):  # type: ignore[no-untyped-def]
    """dr-a's client (supervised by sup) with an intake and a calm note of Nov 19, 2026."""
    make.user("supervisor", "sup")
    make.user("clinician", "dr-a", supervisor="sup")
    client_id = make.client("dr-a")
    auth.login("dr-a")
    intake = make.encounter(client_id, "dr-a", start=datetime(2026, 11, 12, 10, tzinfo=UTC))
    submit_intake(client, intake, FULL_INTAKE)
    session_id = make.encounter(client_id, "dr-a", start=datetime(2026, 11, 19, 10, tzinfo=UTC))
    submit_note(client, session_id, CALM_NOTE)
    return client_id, _note_id(client.application)


def _note_id(app) -> str:  # type: ignore[no-untyped-def]
    with app.app_context():
        return (
            session()
            .scalars(
                select(StoredResource.resource_id).where(
                    StoredResource.resource_type == "QuestionnaireResponse",
                    StoredResource.code.contains("session-note"),
                    StoredResource.is_current,
                )
            )
            .one()
        )


def _versions(app, note_id: str) -> list[dict]:  # type: ignore[no-untyped-def]
    with app.app_context():
        rows = resource_store.history("QuestionnaireResponse", note_id)
        return [resource_store.load(r) for r in reversed(rows)]


def _edit(client, note_id: str, reason: str | None, **changes: str):  # type: ignore[no-untyped-def]
    review = client.post(
        f"/notes/{note_id}/edit",
        data={**CALM_NOTE, **changes, "action": "review", "base_version": "1"},
    )
    data = {"answers": review_answers(review.get_data(as_text=True)), "action": "save"}
    data["base_version"] = "1"
    if reason is not None:
        data["change_reason"] = reason
    return review, client.post(f"/notes/{note_id}/edit", data=data)


def test_an_edit_without_a_reason_is_refused_and_stores_nothing(app, client, noted) -> None:
    _client_id, note_id = noted
    for reason in (None, "   ", "x" * 501):
        _review, saved = _edit(client, note_id, reason, **{"days-per-week": "dpw-5-6"})
        assert saved.status_code == 400
        page = saved.get_data(as_text=True)
        assert "Nothing was saved yet." in page
        assert re.search(r'id="q-change-reason".*?class="error"', page, re.S)
        assert 'name="answers"' in page  # still the review step: nothing to type again
    assert len(_versions(app, note_id)) == 1


def test_the_review_of_an_edit_says_what_changes(client, noted) -> None:
    _client_id, note_id = noted
    review, _saved = _edit(client, note_id, None, **{"days-per-week": "dpw-5-6"})
    page = review.get_data(as_text=True)
    assert "Days of use per week: 1–2 days → 5–6 days" in page
    assert "Why are you changing this record?" in page


def test_the_reason_is_stored_with_its_version(app, client, noted, make) -> None:
    _client_id, note_id = noted
    _review, saved = _edit(client, note_id, f"  {REASON} ", **{"days-per-week": "dpw-5-6"})
    assert saved.status_code == 302
    first, second = _versions(app, note_id)
    assert "extension" not in first
    assert second["extension"] == [{"url": EXT_CHANGE_REASON, "valueString": REASON}]
    assert (second["status"], second["meta"]["versionId"]) == ("amended", "2")
    from tests.conftest import bearer

    read = client.get(
        f"/fhir/QuestionnaireResponse/{note_id}",
        headers=bearer(make.token("dr-a", "system/*.read")),
    )
    assert read.json["extension"][0]["valueString"] == REASON


def _history_rows(page: str) -> dict[str, str]:
    rows = re.findall(r'<tr id="version-(\d+)">(.*?)</tr>', page, re.S)
    return {n: " ".join(re.sub(r"<[^>]+>", " ", body).split()) for n, body in rows}


def test_history_shows_author_time_reason_and_a_readable_diff(app, client, noted) -> None:
    _client_id, note_id = noted
    _edit(client, note_id, REASON, **{"days-per-week": "dpw-5-6", "reliance-rating": "6"})
    page = client.get(f"/records/QuestionnaireResponse/{note_id}/history").get_data(as_text=True)
    rows = _history_rows(page)
    assert set(rows) == {"1", "2"}
    assert "Dr-A (clinician)" in rows["2"] and "Dr-A (clinician)" in rows["1"]
    assert REASON in rows["2"] and "first version" in rows["1"]
    assert "Days of use per week: 1–2 days → 5–6 days" in rows["2"]
    assert "Reliance on AI to cope (0-10): 1 → 6" in rows["2"]
    assert "Status: completed → amended" in rows["2"]
    assert re.search(r"\w{3} \d{1,2}, 2026, \d\d:\d\d", rows["2"])  # when, in the clinic's locale
    assert "{" not in rows["2"] and "dpw-" not in rows["2"]  # words, never JSON or codes


def test_history_of_an_entered_in_error_note_shows_why(app, client, noted) -> None:
    _client_id, note_id = noted
    _edit(client, note_id, REASON, **{"days-per-week": "dpw-5-6"})
    client.post(
        f"/records/QuestionnaireResponse/{note_id}/entered-in-error",
        data={"reason": "Recorded for the wrong session"},
    )
    page = client.get(f"/records/QuestionnaireResponse/{note_id}/history").get_data(as_text=True)
    latest = _history_rows(page)["3"]
    assert "Recorded for the wrong session" in latest and REASON not in latest
    assert "Status: amended → entered-in-error" in latest
    # The edit's reason stays with the version it explains, not the ones after it.
    marked = _versions(app, note_id)[-1]
    assert EXT_CHANGE_REASON not in [e["url"] for e in marked["extension"]]


def test_a_supervisor_sees_that_a_reason_was_given_not_its_text(client, noted, auth) -> None:
    _client_id, note_id = noted
    _edit(client, note_id, REASON, **{"days-per-week": "dpw-5-6"})
    auth.logout()
    auth.login("sup")
    page = client.get(f"/records/QuestionnaireResponse/{note_id}/history").get_data(as_text=True)
    row = _history_rows(page)["2"]
    assert REASON not in row and "shared with the clinician only" in row
    assert "Days of use per week: 1–2 days → 5–6 days" in row  # structured answers are shown


def _which(page: str) -> str:
    match = re.search(r'<dl class="answers which-record" id="which-record">(.*?)</dl>', page, re.S)
    assert match, "the page does not say which record"
    return " ".join(re.sub(r"<[^>]+>", " ", match.group(1)).split())


def _cancel(page: str) -> str:
    match = re.search(r'<a href="([^"]*)">Cancel</a>', page)
    assert match, "no Cancel"
    return match.group(1)


def test_entered_in_error_page_names_the_record_and_cancels_back(client, noted) -> None:
    client_id, note_id = noted
    url = f"/records/QuestionnaireResponse/{note_id}/entered-in-error"
    page = client.get(url, headers={"Referer": f"http://localhost/clients/{client_id}"})
    which = _which(page.get_data(as_text=True))
    assert "Between-session AI use note" in which
    assert "Nov 19, 2026" in which and "Client 1" in which
    assert _cancel(page.get_data(as_text=True)) == f"/clients/{client_id}"
    # With no page to go back to, Cancel goes to the note itself; never to another site.
    for headers in ({}, {"Referer": "http://evil.example/x"}):
        page = client.get(url, headers=headers).get_data(as_text=True)
        assert _cancel(page) == f"/notes/{note_id}"
    page = client.get(url + "?next=//evil.example/").get_data(as_text=True)
    assert _cancel(page) == f"/notes/{note_id}"
    # After a refused attempt (no reason) the page still knows where Cancel goes.
    refused = client.post(url, data={"reason": "", "back": f"/clients/{client_id}"})
    assert refused.status_code == 400
    assert _cancel(refused.get_data(as_text=True)) == f"/clients/{client_id}"


def test_purge_page_names_the_record_for_its_clinician_and_for_an_admin(
    client, noted, make, auth
) -> None:
    _client_id, note_id = noted
    url = f"/records/QuestionnaireResponse/{note_id}/purge"
    page = client.get(url, headers={"Referer": f"http://localhost/notes/{note_id}"})
    html = page.get_data(as_text=True)
    which = _which(html)
    assert "Between-session AI use note" in which and "Nov 19, 2026" in which
    assert "Client 1" in which
    assert _cancel(html) == f"/notes/{note_id}"
    auth.logout()
    make.user("admin", "root")
    auth.login("root")
    html = client.get(url).get_data(as_text=True)
    which = _which(html)
    assert "Between-session AI use note" in which and "Client 1" not in which
    assert "EHR patient id" in which  # the admin names the client by pseudonym and EHR id
    assert _cancel(html) == "/admin"

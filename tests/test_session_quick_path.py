"""The one-minute session note: "no AI use" in one click, the quick items first with the
rest under "more", and carried-over answers that count only once confirmed or changed."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from fhir_mappings.definitions.session_note import SESSION_NOTE
from fhir_mappings.response import answers_of
from intake_ai.models import StoredResource
from intake_ai.store import resources as resource_store
from intake_ai.store.database import session
from tests.intake_helpers import FULL_INTAKE, field_errors, review_answers, submit_intake


@pytest.fixture
def followed(make, auth, client):  # type: ignore[no-untyped-def]
    """A client whose intake (Nov 12, 2026) said 5-6 days, 2-4 hours; a session open."""
    make.user("clinician", "dr-a")
    client_id = make.client("dr-a")
    auth.login("dr-a")
    intake = make.encounter(client_id, "dr-a", start=datetime(2026, 11, 12, 10, tzinfo=UTC))
    submit_intake(client, intake, FULL_INTAKE)
    return client_id, make.encounter(
        client_id, "dr-a", start=datetime(2026, 11, 19, 10, tzinfo=UTC)
    )


def _notes(app) -> list[dict]:  # type: ignore[no-untyped-def]
    with app.app_context():
        rows = session().scalars(
            select(StoredResource).where(
                StoredResource.resource_type == "QuestionnaireResponse",
                StoredResource.is_current,
                StoredResource.code.contains("session-note"),
            )
        )
        return [resource_store.load(r) for r in rows]


def test_no_ai_use_is_one_click_and_a_note_like_any_other(app, client, followed) -> None:
    _client_id, encounter_id = followed
    form = client.get(f"/sessions/{encounter_id}/note").get_data(as_text=True)
    assert f'action="/sessions/{encounter_id}/note/no-use"' in form
    saved = client.post(f"/sessions/{encounter_id}/note/no-use")
    assert saved.status_code == 302
    [note] = _notes(app)
    assert saved.headers["Location"].endswith(f"/notes/{note['id']}")
    assert answers_of(SESSION_NOTE, note) == {"any-use": answers_of(SESSION_NOTE, note)["any-use"]}
    assert answers_of(SESSION_NOTE, note)["any-use"].values == ("use-no",)
    page = client.get(saved.headers["Location"]).get_data(as_text=True)
    assert "no AI use since the last session" in page  # the flash: reviewable here
    assert f"/notes/{note['id']}/edit" in page and "entered-in-error" in page
    # Nothing else is asked: a second click saves no second note.
    again = client.post(f"/sessions/{encounter_id}/note/no-use", follow_redirects=True)
    assert "Nothing was saved: This session already has a note" in again.get_data(as_text=True)
    assert len(_notes(app)) == 1


def test_no_ai_use_needs_consent_like_any_note(app, client, make, auth) -> None:
    make.user("clinician", "dr-a")
    auth.login("dr-a")
    client_id = make.client("dr-a")
    encounter_id = make.encounter(client_id, "dr-a")
    refused = client.post(f"/sessions/{encounter_id}/note/no-use", follow_redirects=True)
    assert "Nothing was saved" in refused.get_data(as_text=True)
    assert _notes(app) == []


def _outside_more(page: str) -> str:
    return page[: page.index('<details class="more"')]


def _inside_more(page: str) -> str:
    start = page.index('<details class="more"')
    return page[start : page.index("</details>", start)]


def test_the_quick_items_come_first_and_the_rest_is_folded(client, followed) -> None:
    _client_id, encounter_id = followed
    page = client.get(f"/sessions/{encounter_id}/note").get_data(as_text=True)
    quick = _outside_more(page)
    for link_id in (
        "any-use",
        "days-per-week",
        "time-per-day",
        "reliance-rating",
        "distress-unavailable",
        "crisis-use",
        "themes",
        "advice-fit",
        "plan",
    ):
        assert f'id="q-{link_id}"' in quick, link_id
    more = _inside_more(page)
    for link_id in ("tools", "main-purposes", "reply-use", "framing", "human-contact"):
        assert f'id="q-{link_id}"' in more and f'id="q-{link_id}"' not in quick, link_id
    assert '<details class="more" id="more">' in page  # closed: nothing in it answered
    assert 'value="use-yes" checked' not in page  # any-use is no longer pre-set


def test_carried_over_answers_are_marked_and_not_answers(client, followed) -> None:
    _client_id, encounter_id = followed
    page = client.get(f"/sessions/{encounter_id}/note").get_data(as_text=True)
    carried = re.search(r'<p class="carried" id="carried-days-per-week">(.*?)</p>', page, re.S)
    assert carried and "from the intake of Nov 12, 2026" in carried.group(1)
    assert "5–6 days" in carried.group(1) and "Still true" in carried.group(1)
    assert 'value="dpw-5-6" checked' not in page
    assert 'value="tool-chatgpt" checked' not in page


def test_unconfirmed_carried_answers_are_not_saved_and_are_listed(app, client, followed) -> None:
    _client_id, encounter_id = followed
    posted = {
        "any-use": "use-yes",
        "reliance-rating": "4",
        "confirmed": ["time-per-day"],  # "still true" for the time; nothing else
        "action": "review",
    }
    review = client.post(f"/sessions/{encounter_id}/note", data=posted)
    assert review.status_code == 200
    html = review.get_data(as_text=True)
    carried = json.loads(review_answers(html))
    assert carried["time-per-day"] == "tpd-2-4h"  # confirmed: this session's answer
    for link_id in ("days-per-week", "tools", "framing"):
        assert link_id not in carried
    listed = re.search(r'id="unconfirmed">(.*?)</section>', html, re.S)
    assert listed and "Days of use per week: 5–6 days" in listed.group(1)
    assert "AI chat tools used" in listed.group(1) and "Relational framing" in listed.group(1)
    assert "Time per day of use" not in listed.group(1)
    saved = client.post(
        f"/sessions/{encounter_id}/note",
        data={"answers": review_answers(html), "action": "save"},
    )
    assert saved.status_code == 302
    [note] = _notes(app)
    answers = answers_of(SESSION_NOTE, note)
    assert answers["time-per-day"].values == ("tpd-2-4h",)
    assert "days-per-week" not in answers and "tools" not in answers


def test_a_changed_answer_counts_without_confirming(client, followed) -> None:
    _client_id, encounter_id = followed
    review = client.post(
        f"/sessions/{encounter_id}/note",
        data={"any-use": "use-yes", "days-per-week": "dpw-every-day", "action": "review"},
    )
    html = review.get_data(as_text=True)
    assert json.loads(review_answers(html))["days-per-week"] == "dpw-every-day"
    listed = re.search(r'id="unconfirmed">(.*?)</section>', html, re.S)
    assert listed and "Days of use per week" not in listed.group(1)


def test_confirming_beside_another_answer_is_an_error_at_the_question(client, followed) -> None:
    _client_id, encounter_id = followed
    page = client.post(
        f"/sessions/{encounter_id}/note",
        data={
            "any-use": "use-yes",
            "days-per-week": "dpw-1-2",
            "confirmed": "days-per-week",
            "action": "review",
        },
    )
    assert page.status_code == 400
    errors = field_errors(page.get_data(as_text=True), "days-per-week")
    assert any("'Still true' is ticked" in e and "5–6 days" in e for e in errors), errors


def test_confirming_a_question_the_skip_logic_leaves_out_is_ignored(app, client, followed) -> None:
    _client_id, encounter_id = followed
    review = client.post(
        f"/sessions/{encounter_id}/note",
        data={"any-use": "use-no", "confirmed": ["days-per-week", "tools"], "action": "review"},
    )
    assert review.status_code == 200
    html = review.get_data(as_text=True)
    assert json.loads(review_answers(html)) == {"any-use": "use-no"}
    assert 'id="unconfirmed"' not in html  # not asked at all: nothing to confirm


def test_a_draft_keeps_confirmed_answers_and_shows_them_ticked(client, followed) -> None:
    _client_id, encounter_id = followed
    client.post(
        f"/sessions/{encounter_id}/note",
        data={"any-use": "use-yes", "confirmed": "time-per-day", "action": "draft"},
    )
    page = client.get(f"/sessions/{encounter_id}/note").get_data(as_text=True)
    assert "resumed from a saved draft" in page
    assert 'value="tpd-2-4h" checked' in page
    assert re.search(r'name="confirmed" value="time-per-day"[^>]* checked', page)
    assert not re.search(r'name="confirmed" value="days-per-week"[^>]* checked', page)

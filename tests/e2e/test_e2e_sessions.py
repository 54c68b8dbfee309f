"""Three sessions in a real browser: the indicator rises, a red flag appears and is
acknowledged with a note, and an edit shows up in the note's history."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from tests.conftest import AuthActions
from tests.e2e.conftest import sign_in
from tests.intake_helpers import FULL_INTAKE, submit_intake

pytestmark = pytest.mark.e2e

LIGHTER_INTAKE = {
    **FULL_INTAKE,
    "days-per-week": "dpw-1-2",
    "time-per-day": "tpd-15-60m",
    "when": ["when-evening"],
    "withdrawal": "reliance-1",
    "displacement": "reliance-1",
    "comfort-vs-people": "comfort-same",
    "purpose-emotional-support": "freq-sometimes",
    "purpose-company": "freq-never",
}


def _score(page) -> int:  # type: ignore[no-untyped-def]
    text = page.locator("#indicator").inner_text()
    return int(re.search(r"Score (\d+) of 18", text).group(1))


def _open_session_and_note(page, day: str) -> None:  # type: ignore[no-untyped-def]
    page.get_by_label("Session date and time").fill(f"{day}T10:00")
    page.get_by_role("button", name="Open a session").click()
    page.get_by_role("link", name="Add the AI-use note").first.click()
    page.locator("#q-any-use").get_by_label("Yes").check()


def _more(page) -> None:  # type: ignore[no-untyped-def]
    """Open the questions folded under "more"."""
    page.locator("#more > summary").click()


def _save(page) -> None:  # type: ignore[no-untyped-def]
    page.get_by_role("button", name="Review before saving").click()
    page.get_by_role("button", name="Save to the record").click()
    assert "Session note saved." in page.locator(".notice").inner_text()


def test_three_sessions_raise_the_indicator_and_a_flag(
    live_server, page, make, app, tmp_path
) -> None:
    make.user("supervisor", "sup")
    make.user("clinician", "dr-a", supervisor="sup")
    client_id = make.client("dr-a")
    encounter_id = make.encounter(client_id, "dr-a", start=datetime(2026, 9, 29, 10, tzinfo=UTC))

    helper = app.test_client()  # the intake is not under test here (same database)

    AuthActions(helper).login("dr-a")
    assert submit_intake(helper, encounter_id, LIGHTER_INTAKE).status_code == 302

    sign_in(page, live_server, "dr-a")
    page.goto(f"{live_server}/clients/{client_id}")
    scores = [_score(page)]

    # Session 1: more use than at intake.
    _open_session_and_note(page, "2026-10-06")
    assert "carried over from the last record" in page.locator("main").inner_text()
    assert "from the intake of Sep 29, 2026" in page.locator("#carried-days-per-week").inner_text()
    page.locator("#q-days-per-week").get_by_label("5–6 days").check()
    page.locator("#q-time-per-day").get_by_label("2–4 hours").check()
    page.locator("#q-distress-unavailable").get_by_label("Mild").check()
    _save(page)
    scores.append(_score(page))

    # Session 2: marked distress, companion framing, less human contact.
    _open_session_and_note(page, "2026-10-13")
    page.locator("#q-days-per-week").get_by_label("Every day").check()
    page.locator("#q-distress-unavailable").get_by_label("Marked").check()
    _more(page)
    page.locator("#q-framing").get_by_label("A close companion or partner").check()
    page.locator("#q-human-contact").get_by_label("Less").check()
    _save(page)
    scores.append(_score(page))

    # Session 3: used during a crisis, with self-harm thoughts: a "review now" flag.
    _open_session_and_note(page, "2026-10-20")
    page.locator("#q-crisis-use").get_by_label("Yes, with self-harm or suicidal thoughts").check()
    _more(page)
    page.locator("#q-validation-loop").get_by_label("Yes").check()
    page.get_by_label("Clinician annotation").fill("Agreed a safety plan review.")
    page.get_by_role("button", name="Review before saving").click()
    assert "Flags this note raises" in page.locator("main").inner_text()
    page.get_by_role("button", name="Save to the record").click()
    scores.append(_score(page))
    assert scores == sorted(scores) and scores[-1] >= scores[0] + 6, scores
    assert page.locator("#indicator .band").first.inner_text() in ("Moderate", "High")

    # The banner points to the flags card; the flags themselves are listed once, there.
    banner = page.get_by_role("alert", name="Open flags")
    assert "to review now" in banner.inner_text()
    flags_card = page.locator("#flags")
    assert "Review now: AI used during a crisis" in flags_card.inner_text()
    assert "AI used during a crisis" not in banner.inner_text()
    page.screenshot(path=str(tmp_path / "client-with-flag.png"), full_page=True)

    flags_card.get_by_role("link", name="Acknowledge").first.click()
    page.get_by_role("button", name="Acknowledge").click()  # nothing filled in: refused
    assert "Write what was done or decided." in page.locator("main").inner_text()
    page.console_errors.clear()  # the browser logs that deliberate 400; nothing else may error

    page.get_by_label("What was done or decided").fill("Risk assessment done with the client.")
    page.get_by_label("Owner").select_option(label="Dr-A (clinician)")
    page.get_by_role("button", name="Acknowledge").click()
    assert "Flag acknowledged." in page.locator(".notice").inner_text()
    assert "AI used during a crisis" not in (page.locator(".banner").all_inner_texts() or [""])[0]

    # Edit the latest note: it asks why; the reason and the change show up in its history.
    page.get_by_role("link", name="Open the note").first.click()
    note_url = page.url
    page.get_by_role("link", name="Edit answers").click()
    page.locator("#q-reliance-rating").get_by_label("7", exact=True).check()
    page.get_by_role("button", name="Review before saving").click()
    assert "Reliance on AI to cope (0-10): not answered → 7" in page.locator("main").inner_text()
    page.get_by_role("button", name="Save to the record").click()  # no reason: refused
    assert "Say why the record is changed." in page.locator("main").inner_text()
    page.console_errors.clear()  # the deliberate 400 again
    page.get_by_label("Why are you changing this record?").fill("Client rated reliance at 7")
    page.get_by_role("button", name="Save to the record").click()
    assert "earlier version is kept" in page.locator(".notice").inner_text()
    page.get_by_role("link", name=re.compile(r"History \(2\)")).click()
    history = page.locator("main").inner_text()
    assert "Open version 1" in history and "2 (current)" in history
    latest = page.locator("#version-2").inner_text()
    assert "Client rated reliance at 7" in latest and "Dr-A (clinician)" in latest
    assert "Reliance on AI to cope (0-10): not answered → 7" in latest
    page.screenshot(path=str(tmp_path / "note-history.png"), full_page=True)
    page.get_by_role("link", name="Open version 1").click()
    assert "Version 1 (earlier version)" in page.locator("main").inner_text()

    # Marking it entered in error names the record first; Cancel goes back, changing nothing.
    page.goto(note_url)
    page.get_by_role("link", name="Mark entered in error").click()
    which = page.locator("#which-record").inner_text()
    assert "Between-session AI use note" in which and "Oct 20, 2026" in which
    page.get_by_role("link", name="Cancel").click()
    assert page.url == note_url
    assert "status amended" in page.locator("main").inner_text()
    assert page.console_errors == []

"""What the common paths cost in clicks and keystrokes, measured in a real browser.

The same clinical content is entered on each path; the figures are printed beside those
measured the same way on the pages as they were before consent moved first and the note
got its quick path (commit 06cb338), so a run shows the difference.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.conftest import AuthActions
from tests.e2e.conftest import sign_in
from tests.e2e.effort import Effort
from tests.intake_helpers import FULL_INTAKE, count_clinical, submit_intake

pytestmark = pytest.mark.e2e

#: (clicks, keystrokes) measured on 06cb338 with the same paths and a 1280x900 viewport:
#: consent was asked last; the note was pre-filled from the last record with any-use set to
#: "yes", showed its 23 questions on one page of 4.1 screens, and saved the carried-over
#: tools, time per day and framing without their being confirmed.
BEFORE = {
    "intake, client agrees": (15, 31),
    "intake, client wants to discuss consent first": (14, 31),
    "note, no AI use since last time": (3, 0),
    "note, AI used (quick path)": (9, 0),
}
BEFORE_NOTE_SCREENS, BEFORE_NOTE_QUESTIONS = 4.1, 23

APOLOGY = "Drafted an apology to my sister"


def _intake_answers(effort: Effort, page) -> None:  # type: ignore[no-untyped-def]
    """Sections A-E of a typical intake: the client uses AI chat for support."""
    tools = page.locator("#q-tools")
    effort.check(tools.get_by_label("ChatGPT"))
    effort.check(tools.get_by_label("Replika"))
    effort.check(page.locator("#q-days-per-week").get_by_label("5–6 days"))
    effort.check(page.locator("#q-time-per-day").get_by_label("2–4 hours"))
    effort.check(page.get_by_label("Emotional support when upset: Often"))
    effort.check(page.get_by_label("Company or someone to talk to: Sometimes"))
    effort.check(page.locator("#q-withdrawal").get_by_label("Often", exact=True))
    effort.check(page.locator("#q-loss-of-control").get_by_label("Asked, client declined"))
    effort.check(page.locator("#q-framing").get_by_label("Something like a friend"))
    effort.check(page.locator("#q-helped").get_by_label("Yes"))
    effort.type(page.locator("#q-helped-detail textarea"), APOLOGY)


def _report(capsys, effort: Effort, path: str, extra: str = "") -> None:  # type: ignore[no-untyped-def]
    was = BEFORE[path]
    with capsys.disabled():
        print(
            f"\n[effort] {effort.report(path)}{extra} "
            f"(before, 06cb338: {was[0]} clicks, {was[1]} keystrokes)"
        )


def test_intake_effort_consent_first(live_server, page, make, e2e_app, capsys) -> None:
    make.user("clinician", "dr-a")
    agreed = make.encounter(make.client("dr-a"), "dr-a")
    discussing = make.encounter(make.client("dr-a"), "dr-a")
    sign_in(page, live_server, "dr-a")

    # The client agrees: consent first, then the same answers as before.
    page.goto(f"{live_server}/sessions/{agreed}/intake")
    effort = Effort(page)
    effort.check(page.locator("#q-consent-record").get_by_label("I agree"))
    effort.check(page.locator("#q-consent-terms").get_by_label("Yes"))
    _intake_answers(effort, page)
    effort.click(page.get_by_role("button", name="Review before saving"))
    effort.click(page.get_by_role("button", name="Save to the record"))
    assert "Intake saved" in page.locator(".notice").inner_text()
    _report(capsys, effort, "intake, client agrees")
    assert (effort.clicks, effort.keystrokes) == BEFORE["intake, client agrees"]

    # The client wants to discuss first: nothing else is asked, nothing typed for nothing.
    page.goto(f"{live_server}/sessions/{discussing}/intake")
    effort = Effort(page)
    assert page.locator("#q-section-a").is_hidden()
    effort.check(page.locator("#q-consent-record").get_by_label("I'd like to discuss first"))
    assert page.locator("#q-section-a").is_hidden()
    effort.click(page.get_by_role("button", name="Continue"))
    assert "Only that decision is stored" in page.locator("main").inner_text()
    effort.click(page.get_by_role("button", name="Save to the record"))
    assert "only that answer was stored" in page.locator(".notice").inner_text()
    _report(capsys, effort, "intake, client wants to discuss consent first")
    assert (effort.clicks, effort.keystrokes) == (3, 0)
    assert count_clinical(e2e_app)["Consent"] == 2


def test_note_effort_quick_paths(live_server, page, make, app, capsys, tmp_path) -> None:
    make.user("clinician", "dr-a")
    client_id = make.client("dr-a")
    intake = make.encounter(client_id, "dr-a", start=datetime(2026, 11, 12, 10, tzinfo=UTC))
    helper = app.test_client()  # the intake is not under test here (same database)
    AuthActions(helper).login("dr-a")
    assert submit_intake(helper, intake, FULL_INTAKE).status_code == 302
    sign_in(page, live_server, "dr-a")

    # No AI use since last time: one click saves the note.
    quiet = make.encounter(client_id, "dr-a", start=datetime(2026, 11, 19, 10, tzinfo=UTC))
    page.goto(f"{live_server}/sessions/{quiet}/note")
    effort = Effort(page)
    effort.click(page.get_by_role("button", name="No AI use since the last session"))
    assert "no AI use since the last session" in page.locator(".notice").inner_text()
    assert "Any AI use" in page.locator("main").inner_text()  # the stored note, reviewable
    assert page.get_by_role("link", name="Edit answers").is_visible()
    _report(capsys, effort, "note, no AI use since last time")
    assert (effort.clicks, effort.keystrokes) == (1, 0)

    # AI used: the items that change most, and the plan; the carried-over time confirmed.
    busy = make.encounter(client_id, "dr-a", start=datetime(2026, 11, 26, 10, tzinfo=UTC))
    page.goto(f"{live_server}/sessions/{busy}/note")
    effort = Effort(page)
    effort.check(page.locator("#q-any-use").get_by_label("Yes"))
    screens = effort.screens("form[data-answers-form]")
    questions = page.locator("fieldset.question:visible").count()
    effort.check(page.locator("#q-days-per-week").get_by_label("Every day"))
    carried = page.locator("#carried-time-per-day")
    assert "Carried over from the intake of Nov 12, 2026" in carried.inner_text()
    effort.check(carried.get_by_label("Still true"))
    assert page.locator("#q-time-per-day").get_by_label("2–4 hours").is_checked()
    effort.check(page.locator("#q-reliance-rating").get_by_label("6", exact=True))
    effort.check(page.locator("#q-distress-unavailable").get_by_label("Mild"))
    effort.check(page.locator("#q-crisis-use").get_by_label("No", exact=True))
    effort.check(page.locator("#q-themes").get_by_label("Mood"))
    effort.check(page.locator("#q-advice-fit").get_by_label("Neutral"))
    effort.check(page.locator("#q-plan").get_by_label("Revisit next session"))
    assert page.locator("#q-tools").is_hidden()  # folded under "more"
    page.screenshot(path=str(tmp_path / "note-quick-path.png"), full_page=True)
    effort.click(page.get_by_role("button", name="Review before saving"))
    unconfirmed = page.locator("#unconfirmed").inner_text()
    assert "AI chat tools used" in unconfirmed and "Relational framing" in unconfirmed
    effort.click(page.get_by_role("button", name="Save to the record"))
    assert "Session note saved." in page.locator(".notice").inner_text()
    shown = f", form {screens} screens with {questions} questions shown"
    _report(capsys, effort, "note, AI used (quick path)", shown)
    with capsys.disabled():
        print(
            f"[effort] before, 06cb338: {BEFORE_NOTE_SCREENS} screens with "
            f"{BEFORE_NOTE_QUESTIONS} questions; tools, time and framing saved unconfirmed"
        )
    assert screens < BEFORE_NOTE_SCREENS * 0.6 and questions < BEFORE_NOTE_QUESTIONS / 2
    # Two clicks more than before: "Yes" is no longer pre-set, and the carried-over time is
    # confirmed rather than silently saved.
    assert (effort.clicks, effort.keystrokes) == (BEFORE["note, AI used (quick path)"][0] + 2, 0)
    assert page.console_errors == []

"""The clinician's day in a real browser: the worklist, a flag's history, the summary copied
and printed, a supervisor's feedback note; no table scrolls sideways at 390 px.

Screenshots go to INTAKE_AI_SHOTS_DIR when it is set (the test's temporary folder otherwise).
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.conftest import AuthActions
from tests.e2e.conftest import sign_in
from tests.intake_helpers import CALM_NOTE, FULL_INTAKE, WORRYING_NOTE, submit_intake, submit_note

pytestmark = pytest.mark.e2e
START = datetime(2026, 9, 7, 10, tzinfo=UTC)
WIDTHS = (1280, 390)
FEEDBACK = "Good catch on the late-night use; let's discuss the safety plan on Thursday."


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("INTAKE_AI_SHOTS_DIR") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def clinic(app, make):  # type: ignore[no-untyped-def]
    """dr-a (supervised by sup) with an empty, a sparse and a rich client."""
    make.user("supervisor", "sup")
    make.user("clinician", "dr-a", supervisor="sup")
    web = app.test_client()
    AuthActions(web).login("dr-a")
    ids = {"empty": make.client("dr-a")}
    make.encounter(ids["empty"], "dr-a", start=START)
    ids["sparse"] = make.client("dr-a")
    submit_intake(web, make.encounter(ids["sparse"], "dr-a", start=START), FULL_INTAKE)
    ids["rich"] = make.client("dr-a")
    submit_intake(web, make.encounter(ids["rich"], "dr-a", start=START), FULL_INTAKE)
    for week, note in enumerate((CALM_NOTE, CALM_NOTE, WORRYING_NOTE), start=1):
        submit_note(
            web,
            make.encounter(ids["rich"], "dr-a", start=START + timedelta(weeks=week)),
            note,
            review={"review": "agree"},
        )
    return ids


def _no_sideways_scroll(page, where: str) -> None:  # type: ignore[no-untyped-def]
    wide = page.evaluate(
        """() => {
        const width = document.documentElement.clientWidth;
        const found = [];
        const page = document.documentElement.scrollWidth;
        if (page > width) found.push('page ' + page);
        document.querySelectorAll('table').forEach((t) => {
          const box = t.getBoundingClientRect();
          if (box.width === 0) return;  // inside a closed <details>
          if (box.right > width + 1) found.push('table right ' + box.right);
          let up = t.parentElement;
          while (up) {
            if (up.scrollWidth > up.clientWidth + 1 && getComputedStyle(up).overflowX !== 'visible')
              found.push('scrolls: ' + (up.id || up.className));
            up = up.parentElement;
          }
        });
        return found;
    }"""
    )
    assert wide == [], (where, wide)


def _shoot(page, shots: Path, name: str) -> None:  # type: ignore[no-untyped-def]
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.wait_for_timeout(300)  # plotly redraws on resize
        # Open every table twin, so that the check sees the tables, too.
        page.evaluate("() => document.querySelectorAll('details').forEach((d) => d.open = true)")
        if width == 390:
            _no_sideways_scroll(page, f"{name} at 390 px")
        page.screenshot(path=str(shots / f"{name}-{width}.png"), full_page=True)
        page.screenshot(path=str(shots / f"{name}-{width}-top.png"))  # what shows first
    page.set_viewport_size({"width": 1280, "height": 900})


def test_worklist_is_home_with_the_urgent_client_first(live_server, page, clinic, shots) -> None:
    sign_in(page, live_server, "dr-a")
    page.goto(f"{live_server}/")
    assert page.locator("h1").inner_text() == "My worklist"
    first = page.locator("#worklist tbody tr").first
    assert "review now" in first.inner_text()
    assert first.get_by_role("link").inner_text() == "Client 3"
    assert "rising" in first.locator('[data-label="Trend"]').inner_text()
    empty = page.locator("#worklist tbody tr", has_text="Client 1")
    assert empty.locator('[data-label="Sessions without a record"]').inner_text() == "1"
    flags = page.locator("#my-flags li")
    assert flags.count() >= 2 and flags.first.inner_text().startswith("Review now:")
    assert "waiting" in flags.first.inner_text()
    _shoot(page, shots, "worklist")
    flags.first.get_by_role("link", name="Client 3", exact=True).click()
    assert page.locator("#flags").is_visible()
    assert page.console_errors == []


def test_client_pages_empty_sparse_rich_and_the_dashboard(live_server, page, clinic, shots) -> None:
    sign_in(page, live_server, "dr-a")
    for name in ("empty", "sparse", "rich"):
        page.goto(f"{live_server}/clients/{clinic[name]}")
        if name != "empty":
            page.wait_for_selector("#chart-indicator svg.main-svg")
        _shoot(page, shots, f"client-{name}")
    page.goto(f"{live_server}/login")
    sign_in(page, live_server, "sup")
    page.goto(f"{live_server}/supervision")
    _shoot(page, shots, "dashboard")
    assert page.console_errors == []


def test_acknowledged_flag_stays_in_the_history(live_server, page, clinic, shots) -> None:
    sign_in(page, live_server, "dr-a")
    page.goto(f"{live_server}/clients/{clinic['rich']}")
    banner = page.get_by_role("alert", name="Open flags")
    assert "to review now" in banner.inner_text()
    card = page.locator("#flags")
    crisis = card.locator("li", has_text="AI used during a crisis").first
    crisis.get_by_role("link", name="Acknowledge").click()
    page.get_by_label("What was done or decided").fill("Risk assessment done with the client.")
    page.get_by_label("Owner").select_option(label="Sup (supervisor)")
    page.get_by_role("button", name="Acknowledge").click()
    assert "Flag acknowledged." in page.locator(".notice").inner_text()
    page.goto(f"{live_server}/clients/{clinic['rich']}")
    history = page.locator("#flag-history")
    assert not history.locator("li").first.is_visible()  # collapsed
    history.locator("summary").click()
    entry = history.locator("li").first
    text = entry.inner_text()
    assert "AI used during a crisis" in text and "acknowledged by Dr-A" in text
    assert "owner Sup" in text and "Risk assessment done with the client." in text
    assert "AI used during a crisis" not in page.locator("#flags > ul").inner_text()
    _shoot(page, shots, "client-flag-history")
    assert page.console_errors == []


def test_copy_summary_puts_the_paragraph_on_the_clipboard(live_server, page, clinic) -> None:
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server)
    sign_in(page, live_server, "dr-a")
    page.goto(f"{live_server}/clients/{clinic['rich']}")
    page.get_by_role("button", name="Copy summary").click()
    page.wait_for_function(
        "() => document.getElementById('summary-status').textContent.startsWith('Summary copied')"
    )
    shown = page.locator("#summary-text").input_value()
    assert shown.startswith("AI chat use (Client 3).")
    assert "Open flags: Review now: AI used during a crisis" in shown and "Plan: " in shown
    assert page.evaluate("() => navigator.clipboard.readText()") == shown
    assert page.console_errors == []


def test_print_summary_is_one_page_with_the_charts(live_server, page, clinic, shots) -> None:
    sign_in(page, live_server, "dr-a")
    page.goto(f"{live_server}/clients/{clinic['rich']}")
    page.get_by_role("link", name="Print summary").click()
    page.wait_for_selector("#chart-indicator svg.main-svg")
    assert page.locator("#summary-paragraph").inner_text().startswith("AI chat use (Client 3).")
    page.emulate_media(media="print")
    assert page.locator(".site-header").is_hidden()
    assert page.locator("#chart-indicator").is_visible()
    page.set_viewport_size({"width": 718, "height": 1047})  # A4 less its margins, at 96 dpi
    page.wait_for_timeout(300)
    page.screenshot(path=str(shots / "summary-print.png"), full_page=True)
    pdf = page.pdf(format="A4", print_background=True)
    (shots / "summary-print.pdf").write_bytes(pdf)
    pages = pdf.count(b"/Type /Page") - pdf.count(b"/Type /Pages")
    assert pages == 1, pages
    page.emulate_media(media="screen")
    page.screenshot(path=str(shots / "summary-1280.png"), full_page=True)
    assert page.console_errors == []


def test_feedback_note_round_trip(live_server, page, clinic, browser) -> None:
    sign_in(page, live_server, "sup")
    page.goto(f"{live_server}/clients/{clinic['rich']}")
    page.get_by_label("Feedback for the clinician").fill(FEEDBACK)
    page.get_by_role("button", name="Save feedback").click()
    assert "Feedback saved for the clinician." in page.locator(".notice").inner_text()
    assert FEEDBACK in page.locator("#feedback").inner_text()
    other = browser.new_context(viewport={"width": 390, "height": 900})
    clinician = other.new_page()
    try:
        sign_in(clinician, live_server, "dr-a")
        clinician.goto(f"{live_server}/clients/{clinic['rich']}")
        card = clinician.locator("#feedback")
        assert FEEDBACK in card.inner_text() and "Sup," in card.inner_text()
        assert card.get_by_label("Feedback for the clinician").count() == 0
    finally:
        other.close()
    assert page.console_errors == []

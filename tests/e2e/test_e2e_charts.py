"""Charts and the dashboard in a real browser: the plots render (SVG with the expected
traces and points), the dashboard shows only the supervisor's own supervisees."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.conftest import AuthActions
from tests.e2e.conftest import sign_in
from tests.intake_helpers import CALM_NOTE, FULL_INTAKE, WORRYING_NOTE, submit_intake, submit_note

pytestmark = pytest.mark.e2e
START = datetime(2026, 9, 7, 10, tzinfo=UTC)


@pytest.fixture
def clinic(app, make):  # type: ignore[no-untyped-def]
    make.user("supervisor", "sup-1")
    make.user("supervisor", "sup-2")
    make.user("clinician", "dr-a", supervisor="sup-1")
    make.user("clinician", "dr-z", supervisor="sup-2")
    ids = {}
    for clinician in ("dr-a", "dr-z"):
        web = app.test_client()
        AuthActions(web).login(clinician)
        client_id = make.client(clinician, ehr_id=f"EHR-{clinician}")
        ids[clinician] = client_id
        submit_intake(web, make.encounter(client_id, clinician, start=START), FULL_INTAKE)
        for week, note in ((1, CALM_NOTE), (2, WORRYING_NOTE)):
            submit_note(
                web,
                make.encounter(client_id, clinician, start=START + timedelta(weeks=week)),
                note,
                review={"review": "override", "band": "band-moderate", "reason": "x"}
                if week == 2
                else None,
            )
    return ids


def _plot(page, chart: str) -> dict:  # type: ignore[no-untyped-def]
    page.wait_for_selector(f"#chart-{chart} svg.main-svg")
    return page.evaluate(
        """(id) => {
        const root = document.getElementById(id);
        return {
          scatter: Array.from(root.querySelectorAll('.scatterlayer .trace')).map(
              t => t.querySelectorAll('path.point').length),
          bars: Array.from(root.querySelectorAll('.barlayer .trace')).map(
              t => t.querySelectorAll('.point').length),
          shapes: root.querySelectorAll('.shapelayer path').length,
        };
    }""",
        f"chart-{chart}",
    )


def test_client_charts_render_with_their_traces_and_points(
    live_server, page, clinic, tmp_path
) -> None:
    sign_in(page, live_server, "dr-a")
    page.goto(f"{live_server}/clients/{clinic['dr-a']}")
    usage = _plot(page, "usage")
    assert usage["scatter"] == [3, 3]  # days a week and time a day at 3 sessions
    reliance = _plot(page, "reliance")
    assert reliance["scatter"] == [2]  # the two notes
    indicator = _plot(page, "indicator")
    # The flag strip above: review now (1), this session (2 flags raised by the same note,
    # so one point naming both); the score below: 3 sessions, one override.
    assert indicator["scatter"] == [1, 1, 3, 1]
    assert indicator["shapes"] >= 3  # the three provisional bands
    purposes = _plot(page, "purposes")
    # Intake: three purposes used sometimes or often; notes: one main purpose each.
    assert purposes["scatter"] == [3, 2] and purposes["bars"] == []
    page.locator("#chart-table summary").click()
    assert "View as table" in page.locator("#trends").inner_text()
    assert page.locator("#chart-table tbody tr").count() >= 3
    page.screenshot(path=str(tmp_path / "client-charts.png"), full_page=True)
    assert page.console_errors == []


def test_dashboard_shows_only_own_supervisees(live_server, page, clinic, tmp_path) -> None:
    sign_in(page, live_server, "sup-1")
    page.goto(f"{live_server}/supervision")
    links = page.locator("#caseload a").evaluate_all("els => els.map(e => e.getAttribute('href'))")
    assert links == [f"/clients/{clinic['dr-a']}"]
    assert f"/clients/{clinic['dr-z']}" not in page.content()
    assert "Client " in page.locator("#caseload").inner_text()
    # Two clients: every group is under five, so no chart, only the sentence and the caption.
    assert "Every group has fewer than 5" in page.locator("#chart-bands-empty").inner_text()
    assert "Low (provisional)" in page.locator("#chart-bands-caption").inner_text()
    page.screenshot(path=str(tmp_path / "dashboard.png"), full_page=True)
    response = page.goto(f"{live_server}/clients/{clinic['dr-z']}")
    assert response.status == 404  # reads as not there, like an unknown id
    page.console_errors.clear()  # the browser logs that refusal; nothing else may error
    page.goto(f"{live_server}/clients/{clinic['dr-a']}")
    _plot(page, "indicator")
    assert page.console_errors == []

"""Charts as a clinician and a supervisor see them, empty, sparse and rich, wide and narrow.

No chart is drawn with invented axes (plotly's empty date axis is the year 2000, its empty
count axis starts at -1): with nothing recorded the page says so; with one session the date
axis spans a few days either side of it and each answer scale its real range. The hidden-
groups caption of the dashboard sits clear of the chart's labels at every width.

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


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("INTAKE_AI_SHOTS_DIR") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def caseload(app, make):  # type: ignore[no-untyped-def]
    """An empty, a sparse (intake only) and a rich client, and five more with an intake, so
    some of the dashboard's groups reach five clients and others stay hidden."""
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
    for week, note in enumerate((CALM_NOTE, WORRYING_NOTE, CALM_NOTE, WORRYING_NOTE), start=1):
        submit_note(
            web,
            make.encounter(ids["rich"], "dr-a", start=START + timedelta(weeks=week)),
            note,
            review={"review": "override", "band": "band-moderate", "reason": "Knows the client"}
            if week == 2
            else None,
        )
    for n in range(5):
        other = make.client("dr-a")
        submit_intake(
            web, make.encounter(other, "dr-a", start=START - timedelta(days=n)), FULL_INTAKE
        )
    return ids


def _axes(page, chart: str) -> dict:  # type: ignore[no-untyped-def]
    """The drawn chart's axis ranges, tick labels and points, as plotly laid them out."""
    page.wait_for_selector(f"#chart-{chart} svg.main-svg")
    return page.evaluate(
        """(id) => {
        const root = document.getElementById(id);
        const layout = root._fullLayout;
        const axes = {};
        Object.keys(layout).filter((k) => /^[xy]axis\\d*$/.test(k)).forEach((k) => {
          axes[k] = {type: layout[k].type, range: layout[k].range};
        });
        return {
          axes,
          ticks: Array.from(root.querySelectorAll('.xtick text, .ytick text')).map(
              (t) => t.textContent),
          points: Array.from(root.querySelectorAll('.scatterlayer .trace')).map(
              (t) => t.querySelectorAll('path.point').length),
        };
    }""",
        f"chart-{chart}",
    )


def _day(text: str) -> datetime:
    return datetime.fromisoformat(text[:10])


def _shoot(page, shots: Path, name: str) -> None:  # type: ignore[no-untyped-def]
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.wait_for_timeout(300)  # plotly redraws on resize
        page.screenshot(path=str(shots / f"{name}-{width}.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


def test_client_with_nothing_recorded_is_told_so_without_axes(
    live_server, page, caseload, shots
) -> None:
    sign_in(page, live_server, "dr-a")
    page.goto(f"{live_server}/clients/{caseload['empty']}")
    trends = page.locator("#trends")
    assert "No session notes yet" in trends.inner_text()
    assert trends.locator("svg").count() == 0
    assert page.locator("script[src*='plotly']").count() == 0  # nothing to draw, no plotly
    _shoot(page, shots, "client-empty")
    assert page.console_errors == []


def test_one_session_is_one_point_on_honest_axes(live_server, page, caseload, shots) -> None:
    sign_in(page, live_server, "dr-a")
    page.goto(f"{live_server}/clients/{caseload['sparse']}")
    day = START.replace(tzinfo=None, hour=0)
    for chart in ("usage", "indicator", "purposes"):
        drawn = _axes(page, chart)
        assert all("2000" not in tick and tick not in ("−1", "-1") for tick in drawn["ticks"]), (
            chart,
            drawn["ticks"],
        )
        for name, axis in drawn["axes"].items():
            if axis["type"] == "date":
                low, high = (_day(end) for end in axis["range"])
                assert low == day - timedelta(days=3) and high == day + timedelta(days=3), name
    usage = _axes(page, "usage")
    assert usage["points"] == [1, 1]  # days a week and time a day, one answer each
    assert [usage["axes"][k]["range"] for k in ("yaxis", "yaxis2")] == [[-0.5, 4.5]] * 2
    indicator = _axes(page, "indicator")
    assert indicator["points"][0] == 1
    low, high = indicator["axes"]["yaxis"]["range"]
    assert low < 0 < 18 < high < 19.5  # the score's whole 0-18 scale, nothing past it
    # The intake asks no reliance rating: the chart says so instead of an empty 2000 axis.
    assert page.locator("#chart-reliance").count() == 0
    assert "No reliance ratings yet" in page.locator("#chart-reliance-empty").inner_text()
    _shoot(page, shots, "client-sparse")
    assert page.console_errors == []


def test_rich_client_charts_share_one_date_range_and_compare_like_with_like(
    live_server, page, caseload, shots
) -> None:
    sign_in(page, live_server, "dr-a")
    page.goto(f"{live_server}/clients/{caseload['rich']}")
    ranges = {
        tuple(axis["range"])
        for chart in ("usage", "reliance", "indicator")
        for axis in _axes(page, chart)["axes"].values()
        if axis["type"] == "date"
    }
    assert len(ranges) == 1  # every chart of the client over the same dates
    assert page.locator(".modebar").count() == 0  # no toolbar (axe: nested-interactive)
    purposes = _axes(page, "purposes")
    # Intake answers and note answers in panels of their own, on axes of their own kind.
    kinds = sorted(a["type"] for k, a in purposes["axes"].items() if k.startswith("x"))
    assert kinds == ["category", "date"]
    titles = page.locator("#chart-purposes .xtitle, #chart-purposes .x2title").all_text_contents()
    assert titles == ["Intake: how often (■)", "Named in a note (●)"]
    page.locator("#chart-table summary").click()
    _shoot(page, shots, "client-rich")
    assert page.console_errors == []


def test_dashboard_caption_never_overlaps_the_chart(live_server, page, caseload, shots) -> None:
    sign_in(page, live_server, "sup")
    page.goto(f"{live_server}/supervision")
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.wait_for_timeout(300)
        for chart in ("bands", "purposes"):
            page.wait_for_selector(f"#chart-{chart} svg.main-svg")
            caption = page.locator(f"#chart-{chart}-caption")
            assert "Hidden (fewer than 5 clients)" in caption.inner_text()
            overlapping = page.evaluate(
                """(name) => {
                const box = document.getElementById(`chart-${name}-caption`)
                    .getBoundingClientRect();
                return Array.from(document.querySelectorAll(`#chart-${name} text`))
                  .filter((t) => t.textContent.trim())
                  .filter((t) => {
                    const r = t.getBoundingClientRect();
                    return !(r.bottom <= box.top || box.bottom <= r.top
                             || r.right <= box.left || box.right <= r.left);
                  })
                  .map((t) => t.textContent);
            }""",
                chart,
            )
            assert overlapping == [], (chart, width)
        ticks = _axes(page, "bands")["ticks"]
        assert "High (provisional)" in ticks and not any(t in ("−1", "-1") for t in ticks)
    _shoot(page, shots, "dashboard")
    assert page.console_errors == []

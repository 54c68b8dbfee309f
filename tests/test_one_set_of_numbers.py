"""One set of numbers: the client page, the dashboard and the rising list read the same
course; ages in one unit rule; date filters that refuse reversed or unreachable ranges;
one date format from the clinic's locale; plurals."""

from __future__ import annotations

import html as html_lib
import re
from datetime import UTC, datetime, timedelta

import pytest

from intake_ai.pages.formats import age_text, counted, date_text
from tests.conftest import AuthActions
from tests.intake_helpers import CALM_NOTE, FULL_INTAKE, WORRYING_NOTE, submit_intake, submit_note

START = datetime(2026, 8, 3, 10, tzinfo=UTC)


@pytest.fixture
def clients(app, make) -> list[int]:  # type: ignore[no-untyped-def]
    """sup supervises dr-a; three clients: rising, falling, steady."""
    make.user("supervisor", "sup")
    make.user("clinician", "dr-a", supervisor="sup")
    web = app.test_client()
    AuthActions(web).login("dr-a")
    courses = [
        (CALM_NOTE, WORRYING_NOTE),  # rising
        (WORRYING_NOTE, CALM_NOTE),  # falling
        (CALM_NOTE, CALM_NOTE),  # steady
    ]
    ids = []
    for n, notes in enumerate(courses):
        client_id = make.client("dr-a", ehr_id=f"a-{n}")
        ids.append(client_id)
        submit_intake(web, make.encounter(client_id, "dr-a", start=START), FULL_INTAKE)
        for week, note in enumerate(notes, start=1):
            encounter = make.encounter(client_id, "dr-a", start=START + timedelta(weeks=week))
            submit_note(web, encounter, note, review={"review": "agree"})
    return ids


def _client_page_course(web, client_id: int) -> tuple[str, str, str]:  # type: ignore[no-untyped-def]
    page = web.get(f"/clients/{client_id}").get_data(as_text=True)
    score = re.search(r"Score <strong>(\d+)</strong>", page)
    arrow = re.search(r'data-arrow="([^"]+)"', page)
    rising = re.search(r"<span data-rising>(.*?)</span>", page)
    assert score and arrow
    return score.group(1), arrow.group(1), html_lib.unescape(rising.group(1)) if rising else ""


def _dashboard_rows(web) -> tuple[dict[int, tuple[str, str]], dict[int, str]]:  # type: ignore[no-untyped-def]
    page = web.get("/supervision").get_data(as_text=True)
    table = page[page.index('id="caseload"') :]
    rows = {}
    for row in re.findall(r"<tr>(.*?)</tr>", table, re.S):
        link = re.search(r'href="/clients/(\d+)"', row)
        score = re.search(r'<span class="muted small">\((\d+)\)</span>', row)
        arrow = re.search(r'<span aria-hidden="true">(.)</span>', row)
        if link and score and arrow:
            rows[int(link.group(1))] = (score.group(1), arrow.group(1))
    rising_section = page[page.index('id="rising"') : page.index('id="caseload"')]
    rising = {
        int(m.group(1)): html_lib.unescape(m.group(2))
        for m in re.finditer(
            r'href="/clients/(\d+)">[^<]*</a> \([^)]*\): ([^<]*)</li>', rising_section
        )
    }
    return rows, rising


def test_client_page_dashboard_and_rising_list_agree(app, clients) -> None:
    clinician, supervisor = app.test_client(), app.test_client()
    AuthActions(clinician).login("dr-a")
    AuthActions(supervisor).login("sup")
    rows, rising = _dashboard_rows(supervisor)
    assert set(rows) == set(clients)
    arrows = {}
    for client_id in clients:
        score, arrow, reasons = _client_page_course(clinician, client_id)
        assert rows[client_id] == (score, arrow)
        assert rising.get(client_id, "") == reasons
        arrows[client_id] = arrow
    assert [arrows[c] for c in clients] == ["↑", "↓", "→"]
    assert clients[0] in rising and clients[1] not in rising


def test_a_date_filter_keeps_the_trend_across_its_start(app, clients) -> None:
    """From the last note's week on, the arrow still compares with the note before."""
    web = app.test_client()
    AuthActions(web).login("sup")
    page = web.get(f"/supervision?from={(START + timedelta(weeks=2)).date()}").get_data(
        as_text=True
    )
    assert "↑" in page[page.index('id="caseload"') :]


def test_reversed_and_extreme_date_ranges(app, clients) -> None:
    web = app.test_client()
    AuthActions(web).login("sup")
    reversed_range = web.get("/supervision?from=2026-09-01&to=2026-08-01")
    assert reversed_range.status_code == 400
    assert "end date is before the start date" in reversed_range.get_data(as_text=True)
    for query in ("to=9999-12-31", "from=0001-01-01&to=9999-12-31", "from=9999-12-31"):
        response = web.get(f"/supervision?{query}")
        assert response.status_code in (200, 400), query
        assert "Something went wrong" not in response.get_data(as_text=True)
    app.config["INTAKE_AI_TIMEZONE"] = "Pacific/Auckland"
    response = web.get("/supervision?from=0001-01-01")
    assert response.status_code in (200, 400)
    assert response.status_code == 200 or "Give a date between" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("age", "text"),
    [
        (timedelta(minutes=20), "0 hours"),
        (timedelta(hours=1, minutes=5), "1 hour"),
        (timedelta(hours=47, minutes=59), "47 hours"),
        (timedelta(days=2), "2 days"),
        (timedelta(days=9, hours=23), "9 days"),
    ],
)
def test_ages_use_hours_under_two_days_and_days_after(age: timedelta, text: str) -> None:
    assert age_text(age) == text


def test_plurals_and_the_clinics_date_format(app) -> None:
    assert (counted(1, "answer"), counted(2, "answer"), counted(0, "client")) == (
        "1 answer",
        "2 answers",
        "0 clients",
    )
    moment = datetime(2026, 9, 8, 12, tzinfo=UTC)
    with app.app_context():
        assert date_text(moment, "en_US") == "Sep 8, 2026"
        assert date_text(moment, "en_GB") == "8 Sept 2026"
        assert date_text(moment, "es_ES") == "8 sept 2026"


def test_pages_write_dates_in_the_configured_locale(app, clients) -> None:
    web = app.test_client()
    AuthActions(web).login("dr-a")
    assert "Aug 3, 2026" in web.get(f"/clients/{clients[0]}").get_data(as_text=True)
    app.config["INTAKE_AI_LOCALE"] = "en_GB"
    page = web.get(f"/clients/{clients[0]}").get_data(as_text=True)
    # Session headings and the indicator's date follow the locale; the indicator's stored
    # tags keep the words they were scored with.
    headings = re.findall(r"<h3>([^<]*)</h3>", page)
    assert "3 Aug 2026, 10:00" in headings and not any("Aug 3" in h for h in headings)
    assert re.search(r"As of the session of 17 Aug 2026", page)


def test_chart_date_axes_follow_the_locales_order(app) -> None:
    from intake_ai.charts.axes import date_axis

    moment = datetime(2026, 9, 8, 12, tzinfo=UTC)
    with app.app_context():
        assert date_axis([moment])["hoverformat"] == "%b %-d, %Y"
        app.config["INTAKE_AI_LOCALE"] = "en_GB"
        assert date_axis([moment])["hoverformat"] == "%-d %b %Y"

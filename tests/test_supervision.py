"""The supervisor dashboard: own supervisees only, filters, queue, signals, suppression."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from tests.conftest import AuthActions
from tests.intake_helpers import CALM_NOTE, FULL_INTAKE, WORRYING_NOTE, submit_intake, submit_note
from tests.test_worklist import _statements

START = datetime(2026, 8, 3, 10, tzinfo=UTC)


@pytest.fixture
def team(app, make):  # type: ignore[no-untyped-def]
    """Two supervisors; sup-1 supervises dr-a and dr-b, sup-2 supervises dr-c."""
    make.user("supervisor", "sup-1")
    make.user("supervisor", "sup-2")
    for clinician, supervisor in (("dr-a", "sup-1"), ("dr-b", "sup-1"), ("dr-c", "sup-2")):
        make.user("clinician", clinician, supervisor=supervisor)
    clients: dict[str, list[int]] = {}
    for clinician, count in (("dr-a", 4), ("dr-b", 2), ("dr-c", 2)):
        web = app.test_client()
        AuthActions(web).login(clinician)
        for n in range(count):
            client_id = make.client(clinician, ehr_id=f"{clinician}-{n}")
            clients.setdefault(clinician, []).append(client_id)
            submit_intake(web, make.encounter(client_id, clinician, start=START), FULL_INTAKE)
            for week in (1, 2, 3):
                note = WORRYING_NOTE if (n == 0 and week == 3) else CALM_NOTE
                if n == 1:
                    note = {"any-use": "use-not-discussed"}
                encounter = make.encounter(
                    client_id, clinician, start=START + timedelta(weeks=week)
                )
                review = (
                    {"review": "override", "band": "band-low", "reason": "Known pattern"}
                    if (clinician == "dr-a" and week == 1)
                    else {"review": "agree"}
                )
                submit_note(web, encounter, note, review=review)
    return clients


def page(client, url: str) -> str:  # type: ignore[no-untyped-def]
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def client_links(html: str) -> set[int]:
    return {int(n) for n in re.findall(r'href="/clients/(\d+)"', html)}


def test_only_own_supervisees_clients_appear(client, auth, team) -> None:
    auth.login("sup-1")
    html = page(client, "/supervision")
    shown = client_links(html)
    assert shown == set(team["dr-a"] + team["dr-b"])
    assert not shown & set(team["dr-c"])
    assert "Client " in html and "EHR" not in html  # pseudonyms, not names or EHR ids


def test_the_caseload_table_pages_most_urgent_first(app, client, auth, team) -> None:
    app.config["INTAKE_AI_CASELOAD_PAGE_SIZE"] = 4
    auth.login("sup-1")

    def table(url: str) -> tuple[list[int], str]:
        html = page(client, url)
        section = html[
            html.index('id="caseload"') : html.index("</table>", html.index('id="caseload"'))
        ]
        return [int(n) for n in re.findall(r'href="/clients/(\d+)"', section)], section

    first, section = table("/supervision")
    second, _ = table("/supervision?page=2")
    assert len(first) == 4 and len(second) == 2
    assert set(first) | set(second) == set(team["dr-a"] + team["dr-b"])
    assert "Showing 1–4 of 6" in section and 'rel="next"' in section
    assert table("/supervision?page=99")[0] == second  # past the end: the last page
    assert table("/supervision?page=zwei")[0] == first
    # Filters are kept across pages.
    _rows, filtered = table("/supervision?from=2026-01-01")
    assert re.search(r'href="[^"]*from=2026-01-01[^"]*page=2[^"]*" rel="next"', filtered)


def test_filters_by_clinician_and_date_range(client, auth, team) -> None:

    auth.login("sup-1")
    html = page(client, "/supervision")
    from intake_ai.store.database import session  # noqa: F401

    dr_b = re.search(r'<option value="(\d+)"[^>]*>Dr-B</option>', html).group(1)
    only_b = page(client, f"/supervision?clinician={dr_b}")
    assert client_links(only_b) == set(team["dr-b"])
    early = page(client, "/supervision?from=2026-08-01&to=2026-08-05")
    assert "first score" in early  # only the intake's score falls in the range
    refused = client.get("/supervision?clinician=99999&from=soon")
    assert refused.status_code == 400
    text = refused.get_data(as_text=True)
    assert "Choose one of your supervisees." in text and "Give a date as YYYY-MM-DD." in text


def test_review_now_queue_respects_the_configured_age(app, client, auth, team) -> None:
    auth.login("sup-1")
    html = page(client, "/supervision")
    queue = html[html.index('id="queue"') : html.index('id="rising"')]
    assert "AI used during a crisis" in queue  # raised weeks ago (at its session)
    app.config["INTAKE_AI_FLAG_QUEUE_HOURS"] = 24 * 365 * 10
    html = page(client, "/supervision")
    queue = html[html.index('id="queue"') : html.index('id="rising"')]
    assert "None." in queue


def test_the_review_now_queue_pages_oldest_first(app, client, auth, team) -> None:
    app.config["INTAKE_AI_CASELOAD_PAGE_SIZE"] = 1
    auth.login("sup-1")

    def queue(url: str) -> tuple[list[int], str]:
        html = page(client, url)
        section = html[html.index('id="queue"') : html.index('id="rising"')]
        return [int(n) for n in re.findall(r'href="/clients/(\d+)"', section)], section

    first, section = queue("/supervision?page=2")
    second, last = queue("/supervision?page=2&queue_page=2")
    # The worrying notes of dr-a's and dr-b's first clients each raised a "review now" flag.
    assert {*first, *second} == {team["dr-a"][0], team["dr-b"][0]} and first != second
    assert "(2)" in section and "Showing 1–1 of 2" in section and "Showing 2–2 of 2" in last
    # Paging one table keeps the other's page and the filters.
    assert re.search(r'href="[^"]*page=2[^"]*queue_page=2[^"]*#queue" rel="next"', section)
    assert 'rel="prev"' in last and 'rel="next"' not in last


def test_flag_counts_per_client_and_the_waiting_queue() -> None:
    from intake_ai.supervision.queries import OpenFlag
    from intake_ai.supervision.service import flag_counts, waiting

    day = timedelta(days=1)
    flags = [
        OpenFlag(1, "a", "flag-crisis-use", START),
        OpenFlag(1, "b", "flag-withdrawal-from-people", START - day),
        OpenFlag(2, "c", "flag-crisis-use", START + 3 * day),
        OpenFlag(2, "d", "flag-advice-conflict", START + day),
    ]
    counts = flag_counts(flags)
    assert (counts[1].count, counts[1].review_now, counts[1].oldest) == (2, 1, START - day)
    assert (counts[2].count, counts[2].review_now, counts[2].oldest) == (2, 2, START + day)
    assert [f.flag_id for f in waiting(flags, START + 2 * day)] == ["a", "d"]


def test_quality_signals_and_override_rate(client, auth, team) -> None:

    auth.login("sup-1")
    html = page(client, "/supervision")
    quality = html[html.index('id="quality"') : html.index('id="aggregates"')]
    not_discussed = quality[: quality.index("Override rate")]
    assert client_links(not_discussed) == {team["dr-a"][1], team["dr-b"][1]}
    assert "calibration aid" in quality
    row = re.search(
        r'<td data-label="Clinician">Dr-A</td><td data-label="Reviews">(\d+)</td>'
        r'<td data-label="Overrides">(\d+)</td><td data-label="Rate">(\d+)%</td>',
        quality,
    )
    assert row is not None
    reviews, overrides, _rate = (int(x) for x in row.groups())
    assert reviews == 12 and overrides >= 1


def test_small_groups_are_hidden_in_aggregates(client, auth, team) -> None:
    auth.login("sup-1")
    html = page(client, "/supervision")
    aggregates = html[html.index('id="aggregates"') :]
    assert "fewer than 5" in aggregates
    counts = [int(n) for n in re.findall(r"<td>(\d+)</td></tr>", aggregates)]
    assert counts and all(n >= 5 for n in counts)


def test_clinicians_cannot_open_the_dashboard_and_pages_set_a_csp(client, auth, team) -> None:
    auth.login("dr-a")
    assert client.get("/supervision").status_code == 403
    response = client.get(f"/clients/{team['dr-a'][0]}")
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-eval" not in policy
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert response.headers["Cache-Control"] == "no-store"


def test_the_dashboard_runs_a_fixed_number_of_statements(app, client, auth, make, team) -> None:
    """However many clients, notes, flags and reviews the caseload holds: no query per row."""
    auth.login("sup-1")

    def counted() -> int:
        # A request first, so the sign-in's last-seen write (at most every 30 s, on its own
        # connection) falls outside the counted one however slow the set-up was.
        page(client, "/supervision")
        return _statements(app, client, "/supervision")

    few = counted()
    web = app.test_client()
    AuthActions(web).login("dr-b")
    for n in range(8):
        client_id = make.client("dr-b", ehr_id=f"more-{n}")
        submit_intake(web, make.encounter(client_id, "dr-b", start=START), FULL_INTAKE)
        for week, note in ((1, WORRYING_NOTE), (2, {"any-use": "use-not-discussed"})):
            review = {"review": "override", "band": "band-low", "reason": "Known pattern"}
            encounter = make.encounter(client_id, "dr-b", start=START + timedelta(weeks=week))
            submit_note(web, encounter, note, review=review if n % 2 else {"review": "agree"})
    many = counted()
    assert client_links(page(client, "/supervision")) >= set(team["dr-b"])
    assert many == few, (few, many)
    assert few < 25

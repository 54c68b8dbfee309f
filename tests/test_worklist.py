"""The clinician's worklist: own clients with band, trend, open flags ("review now" first,
with age), last note date and sessions without a record; a bounded number of statements."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import event

from intake_ai.store.database import engine
from tests.conftest import AuthActions
from tests.intake_helpers import CALM_NOTE, FULL_INTAKE, WORRYING_NOTE, submit_intake, submit_note

START = datetime(2026, 8, 3, 10, tzinfo=UTC)


def _rows(page: str) -> list[str]:
    table = page[page.index('id="worklist"') :]
    return re.findall(r"<tr>(.*?)</tr>", table, re.S)[1:]


def test_the_clinicians_home_is_the_worklist_most_urgent_first(app, client, auth, make) -> None:
    make.user("supervisor", "sup")
    make.user("clinician", "dr-a", supervisor="sup")
    make.user("clinician", "dr-b")
    auth.login("dr-a")
    calm = make.client("dr-a", ehr_id="calm")
    urgent = make.client("dr-a", ehr_id="urgent")
    waiting = make.client("dr-a", ehr_id="waiting")
    theirs = make.client("dr-b", ehr_id="theirs")
    for client_id, note in ((calm, CALM_NOTE), (urgent, WORRYING_NOTE)):
        submit_intake(client, make.encounter(client_id, "dr-a", start=START), FULL_INTAKE)
        encounter = make.encounter(client_id, "dr-a", start=START + timedelta(weeks=1))
        submit_note(client, encounter, note, review={"review": "agree"})
    # Two sessions held, nothing recorded; one still to come does not count.
    make.encounter(waiting, "dr-a", start=START)
    make.encounter(waiting, "dr-a", start=START + timedelta(weeks=1))
    make.encounter(waiting, "dr-a", start=datetime.now(UTC) + timedelta(days=7))

    home = client.get("/")
    assert home.status_code == 302 and home.headers["Location"].endswith("/clients")
    page = client.get("/clients").get_data(as_text=True)
    assert "My worklist" in page
    rows = _rows(page)
    order = [int(re.search(r'href="/clients/(\d+)"', r).group(1)) for r in rows]  # type: ignore[union-attr]
    assert order[0] == urgent and set(order) == {calm, urgent, waiting}
    assert f"/clients/{theirs}" not in page
    first = rows[0]
    assert "review now" in first and "band-" in first
    assert re.search(r"oldest \d+ (hours|days)", first)
    assert "Aug 10, 2026" in first  # last note date
    waiting_row = rows[order.index(waiting)]
    assert re.search(r'data-label="Sessions without a record"><strong>2</strong>', waiting_row)

    my_flags = page[page.index('id="my-flags"') : page.index('id="worklist"')]
    items = re.findall(r'<li class="flag ([a-z-]+)">', my_flags)
    assert (
        items
        and items[0] == "review-now"
        and items == sorted(items, key=["review-now", "this-session", "info"].index)
    )
    assert re.search(r"waiting \d+ (hours?|days)", my_flags)
    # The same numbers as the supervisor's dashboard.
    sup = app.test_client()
    AuthActions(sup).login("sup")
    dashboard = sup.get("/supervision").get_data(as_text=True)
    score = re.search(r"\((\d+)\)</span>", first)
    assert score
    row = re.search(
        rf'href="/clients/{urgent}">.*?</tr>', dashboard[dashboard.index('id="caseload"') :], re.S
    )
    assert row and f"({score.group(1)})" in row.group(0)


def test_supervisors_and_admins_keep_their_homes(client, auth, make) -> None:
    make.user("supervisor", "sup")
    make.user("admin", "adm")
    auth.login("sup")
    assert client.get("/").headers["Location"].endswith("/supervision")
    assert client.get("/clients").status_code == 403
    auth.logout()
    auth.login("adm")
    assert client.get("/").headers["Location"].endswith("/admin")


def _statements(app, client, url: str) -> int:  # type: ignore[no-untyped-def]
    seen: list[str] = []

    def count(*args: object) -> None:
        seen.append(str(args[2]))

    with app.app_context():
        bound = engine()
    event.listen(bound, "before_cursor_execute", count)
    try:
        assert client.get(url).status_code == 200
    finally:
        event.remove(bound, "before_cursor_execute", count)
    return len(seen)


def test_the_worklist_reads_a_fixed_number_of_statements(app, client, auth, make) -> None:
    make.user("clinician", "dr-a")
    auth.login("dr-a")
    first = make.client("dr-a")
    submit_intake(client, make.encounter(first, "dr-a", start=START), FULL_INTAKE)
    submit_note(
        client, make.encounter(first, "dr-a", start=START + timedelta(weeks=1)), WORRYING_NOTE
    )
    for _ in range(3):
        make.encounter(make.client("dr-a"), "dr-a", start=START)
    few = _statements(app, client, "/clients")
    for n in range(40):
        other = make.client("dr-a")
        make.encounter(other, "dr-a", start=START)
        if n % 10 == 0:
            submit_intake(client, make.encounter(other, "dr-a", start=START), FULL_INTAKE)
    many = _statements(app, client, "/clients")
    assert many == few, (few, many)
    assert few < 25

"""Helpers for the check-in tests: a client who agreed to the record, with a session ahead,
and issuing a link as their clinician does."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from flask.testing import FlaskClient

from tests.conftest import AuthActions
from tests.intake_helpers import FULL_INTAKE, submit_intake

LINK = re.compile(r"/check-in/([A-Za-z0-9_-]{43})")

#: What a client who used AI chat this week sends (codes, as the page's fields carry them).
CLIENT_ANSWERS: dict[str, Any] = {
    "any-use": "use-yes",
    "tools": ["tool-chatgpt", "tool-replika"],
    "days-per-week": "dpw-5-6",
    "time-per-day": "tpd-1-2h",
    "reliance-rating": "6",
    "distress-unavailable": "distress-mild",
    "crisis-use": "crisis-no",
}


def agreed_client(
    app, make, start_in: timedelta = timedelta(days=2)
) -> tuple[int, int, FlaskClient]:  # type: ignore[no-untyped-def]
    """dr-a's client who agreed at intake, a session ``start_in`` ahead; dr-a signed in."""
    make.user("supervisor", "sup")
    make.user("clinician", "dr-a", supervisor="sup")
    client_id = make.client("dr-a")
    web = app.test_client()
    assert AuthActions(web).login("dr-a").status_code == 302
    intake = make.encounter(client_id, "dr-a", start=datetime.now(UTC) - timedelta(days=7))
    assert submit_intake(web, intake, FULL_INTAKE).status_code == 302
    upcoming = make.encounter(client_id, "dr-a", start=datetime.now(UTC) + start_in)
    return client_id, upcoming, web


def issue(web: FlaskClient, encounter_id: int, first_name: str = "") -> str:
    """Issue a link as the clinician; its secret, read off the page that shows it once."""
    page = web.post(f"/sessions/{encounter_id}/checkin", data={"first_name": first_name})
    assert page.status_code == 200, page.get_data(as_text=True)[:500]
    found = LINK.search(page.get_data(as_text=True))
    assert found, "no link on the page"
    return found.group(1)

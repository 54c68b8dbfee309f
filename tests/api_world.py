"""A small clinic for the API tests, built through the module's own pages and services."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from tests.conftest import AuthActions, bearer
from tests.intake_helpers import CALM_NOTE, FULL_INTAKE, WORRYING_NOTE, submit_intake, submit_note


@dataclass
class World:
    agreed: int  # dr-a's client with an intake and two notes
    second: int  # dr-a's client with an intake only
    undecided: int  # dr-a's client who asked to discuss consent first
    other: int  # dr-b's client
    integrator: dict[str, str]  # headers of an integrator token reading everything
    clinician: dict[str, str]  # headers of dr-a's own token (read and write)
    encounters: dict[str, int]


def build_world(app, make) -> World:  # type: ignore[no-untyped-def]
    make.user("supervisor", "sup")
    make.user("clinician", "dr-a", supervisor="sup")
    make.user("clinician", "dr-b")
    make.user("integrator", "ehr")
    web_a = app.test_client()
    AuthActions(web_a).login("dr-a")
    web_b = app.test_client()
    AuthActions(web_b).login("dr-b")
    start = datetime(2026, 9, 1, 10, tzinfo=UTC)
    agreed = make.client("dr-a", ehr_id="EHR-AGREED")
    second = make.client("dr-a", ehr_id="EHR-SECOND")
    undecided = make.client("dr-a", ehr_id="EHR-UNDECIDED")
    other = make.client("dr-b", ehr_id="EHR-OTHER")
    encounters = {}
    for week, (name, client_id) in enumerate(
        [("agreed", agreed), ("second", second), ("undecided", undecided), ("other", other)]
    ):
        encounters[name] = make.encounter(
            client_id, "dr-b" if name == "other" else "dr-a", start=start + timedelta(days=week)
        )
    submit_intake(web_a, encounters["agreed"], FULL_INTAKE)
    submit_intake(web_a, encounters["second"], {**FULL_INTAKE, "days-per-week": "dpw-1-2"})
    discuss = {k: v for k, v in FULL_INTAKE.items() if k != "consent-terms"}
    submit_intake(web_a, encounters["undecided"], {**discuss, "consent-record": "consent-discuss"})
    submit_intake(web_b, encounters["other"], FULL_INTAKE)
    for week, note in ((1, CALM_NOTE), (2, WORRYING_NOTE)):
        encounter = make.encounter(agreed, "dr-a", start=start + timedelta(weeks=week))
        encounters[f"note{week}"] = encounter
        submit_note(web_a, encounter, note)
    encounters["open"] = make.encounter(agreed, "dr-a", start=start + timedelta(weeks=3))
    return World(
        agreed,
        second,
        undecided,
        other,
        bearer(make.token("ehr", "system/*.read")),
        bearer(make.token("dr-a", "system/*.read", "system/*.write")),
        encounters,
    )


@pytest.fixture
def world(app, make) -> World:  # type: ignore[no-untyped-def]
    return build_world(app, make)

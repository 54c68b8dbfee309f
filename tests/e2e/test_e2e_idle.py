"""The idle timer in a real browser, with an 18-second idle time: the warning, "stay signed
in", and a form in progress kept as a server-side draft when the time runs out."""

from __future__ import annotations

import json
import time

import pytest
from flask import Flask
from sqlalchemy import select

from intake_ai.models import Draft
from intake_ai.store.database import session
from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.e2e

IDLE_SECONDS = 18
WARNING_SECONDS = 8


@pytest.fixture
def e2e_app(app_factory) -> Flask:
    return app_factory(
        WTF_CSRF_ENABLED=True,
        INTAKE_AI_IDLE_MINUTES=IDLE_SECONDS / 60,
        INTAKE_AI_IDLE_WARNING_SECONDS=WARNING_SECONDS,
    )


def test_warning_before_the_idle_timeout_and_stay_signed_in(live_server, page, make) -> None:
    make.user("clinician", "dr-a")
    sign_in(page, live_server, "dr-a")
    # The server counts the idle time from the request; the page's timer starts once it has
    # loaded. Under load those are seconds apart: bound the warning by both.
    requested = time.monotonic()
    page.goto(f"{live_server}/clients")
    loaded = time.monotonic()
    warning = page.get_by_role("alertdialog", name="Still there?")
    assert warning.is_hidden()
    warning.wait_for(state="visible", timeout=(IDLE_SECONDS + 5) * 1000)
    shown = time.monotonic()
    assert shown - requested >= IDLE_SECONDS - WARNING_SECONDS - 2
    assert shown - loaded <= IDLE_SECONDS - WARNING_SECONDS + 3
    assert "signed out" in warning.inner_text()
    assert warning.get_by_role("button", name="Stay signed in").evaluate(
        "b => document.activeElement === b"
    )
    warning.get_by_role("button", name="Stay signed in").click()
    warning.wait_for(state="hidden", timeout=5000)
    # Past the moment the session would have ended without the click: still signed in.
    time.sleep(max(0.0, IDLE_SECONDS + 2 - (time.monotonic() - loaded)))
    page.goto(f"{live_server}/clients")
    assert page.url.endswith("/clients")
    assert page.get_by_role("heading", name="My clients").is_visible()
    assert page.console_errors == []


def test_form_in_progress_is_kept_as_a_draft_when_the_time_runs_out(
    live_server, page, make, e2e_app
) -> None:
    make.user("clinician", "dr-a")
    client_id = make.client("dr-a")
    encounter_id = make.encounter(client_id, "dr-a")
    typed = "Wrote a letter to the landlord with it (typed just before the timeout)"
    sign_in(page, live_server, "dr-a")
    form_url = f"{live_server}/sessions/{encounter_id}/intake"
    page.goto(form_url)
    page.locator("#q-consent-record").get_by_label("I agree").check()
    page.locator("#q-helped").get_by_label("Yes").check()
    page.locator("#q-helped-detail textarea").fill(typed)

    # Nobody touches the page again: warned, then signed out with the draft kept.
    page.get_by_role("alertdialog", name="Still there?").wait_for(state="visible")
    page.wait_for_url(lambda url: "/login?next=" in url, timeout=(IDLE_SECONDS + 10) * 1000)
    notice = page.locator(".notice").inner_text()
    assert "signed out after" in notice and "kept as a draft" in notice
    stored = page.evaluate("JSON.stringify([localStorage, sessionStorage])")
    assert "landlord" not in stored and json.loads(stored) == [{}, {}]
    with e2e_app.app_context():
        draft = session().scalars(select(Draft)).one()
        assert typed in draft.payload
    # The session really ended: the form is not reachable without signing in again.
    page.goto(form_url)
    assert "/login" in page.url

    page.get_by_label("Username").fill("dr-a")
    page.get_by_label("Password").fill("correct-horse-1")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    assert page.url == form_url
    assert "resumed from a saved draft" in page.locator("main").inner_text()
    assert page.locator("#q-helped-detail textarea").input_value() == typed
    assert page.console_errors == []

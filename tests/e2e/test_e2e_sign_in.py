"""Signing in and registering a client in a real browser, with CSRF on."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.e2e


def test_clinician_signs_in_registers_a_client_and_opens_a_session(
    live_server, page, make, tmp_path
) -> None:
    make.user("clinician", "dr-a")
    page.goto(f"{live_server}/clients")
    assert "/login" in page.url
    sign_in(page, live_server, "dr-a")
    assert page.url.endswith("/clients")
    page.get_by_role("link", name="Register a client").click()
    page.get_by_label("Patient id in the EHR").fill("EHR-42")
    page.get_by_label("Name").fill("Robin Example")
    page.get_by_role("button", name="Register").click()
    assert page.get_by_role("heading", name="Robin Example").is_visible()
    page.get_by_role("button", name="Open a session").click()
    assert "opened" in page.locator(".notice").inner_text()
    page.screenshot(path=str(tmp_path / "client-page.png"), full_page=True)
    assert page.console_errors == []


def test_wrong_password_shows_a_message_next_to_the_field(live_server, page, make) -> None:
    make.user("clinician", "dr-a")
    sign_in(page, live_server, "dr-a", "wrong-password")
    assert page.locator("#password-error").inner_text() == "Wrong username or password."

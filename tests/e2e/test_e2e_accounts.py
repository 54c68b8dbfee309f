"""An admin creates and deactivates a user in a real browser (CSRF on); the new user must
change the temporary password before any other page opens."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.e2e

NEW_PASSWORD = "tidal-lantern-orbit-91"


def test_admin_creates_a_user_who_must_change_the_temporary_password(
    live_server, page, make, tmp_path
) -> None:
    make.user("admin", "root")
    sign_in(page, live_server, "root")
    page.get_by_role("link", name="New user").click()
    page.get_by_label("Username").fill("dr-new")
    page.get_by_label("Name shown on pages").fill("Dr New")
    page.get_by_label("Role").select_option("clinician")
    page.get_by_label("Generate a temporary password (shown once)").check()
    page.get_by_role("button", name="Create user").click()
    temporary = page.locator("code.secret").inner_text()
    assert len(temporary) == 19
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, live_server, "dr-new", temporary)
    assert page.url.endswith("/account/password")
    page.goto(f"{live_server}/clients")
    assert page.url.endswith("/account/password")
    page.get_by_label("Current password").fill(temporary)
    page.get_by_label("New password", exact=True).fill("password1234")
    page.get_by_label("New password again").fill("password1234")
    page.get_by_role("button", name="Change password").click()
    assert "very common password" in page.locator("#new_password-error").inner_text()
    page.get_by_label("Current password").fill(temporary)
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("New password again").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Change password").click()
    assert page.url.endswith("/clients")
    assert "Your password is changed." in page.locator(".notice").inner_text()
    page.get_by_role("link", name="Account").click()
    assert page.get_by_role("heading", name="Account").is_visible()
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, live_server, "root")
    page.get_by_role("link", name="dr-new").click()
    assert "not revoked" in page.locator("main").inner_text()
    page.get_by_role("button", name="Deactivate dr-new").click()
    assert "dr-new is deactivated." in page.locator(".notice").inner_text()
    page.screenshot(path=str(tmp_path / "user-page.png"), full_page=True)
    page.get_by_role("button", name="Sign out").click()
    sign_in(page, live_server, "dr-new", NEW_PASSWORD)
    assert page.locator("#password-error").inner_text() == "Wrong username or password."
    # The refused password change (400) and sign-in (401) are the only failed loads.
    expected = {
        "Failed to load resource: the server responded with a status of 400 (BAD REQUEST)",
        "Failed to load resource: the server responded with a status of 401 (UNAUTHORIZED)",
    }
    assert set(page.console_errors) == expected

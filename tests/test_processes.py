"""Real server processes: many submissions at once through several gunicorn workers, and a
server killed and restarted without losing anything."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import func, select

from fhir_mappings.definitions import INTAKE
from fhir_mappings.extraction import ExtractionContext, extract_observations
from intake_ai.forms.schema import load_answers
from intake_ai.models import StoredResource, User
from intake_ai.store.database import session
from tests.conftest import ON_POSTGRES, bearer
from tests.intake_helpers import FULL_INTAKE
from tests.test_fhir_consent import intake_resource

pytestmark = pytest.mark.slow
GUNICORN = Path(sys.executable).with_name("gunicorn")


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def server(database_url: str, workers: int) -> Iterator[str]:
    port = _port()
    env = {
        **os.environ,
        "INTAKE_AI_DATABASE_URL": database_url,
        "INTAKE_AI_SECRET_KEY": "processes-test",
        "INTAKE_AI_VALIDATE_STORED": "true",
    }
    process = subprocess.Popen(
        [
            str(GUNICORN),
            "-w",
            str(workers),
            "-b",
            f"127.0.0.1:{port}",
            "--graceful-timeout",
            "5",
            "intake_ai.wsgi:app",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}/fhir"
    try:
        for _ in range(150):
            try:
                urllib.request.urlopen(f"{base}/metadata", timeout=2).close()
                break
            except OSError:
                if process.poll() is not None:
                    pytest.fail(f"gunicorn exited: {process.stderr.read().decode()[-2000:]}")
                time.sleep(0.1)
        else:
            pytest.fail("gunicorn did not start")
        yield base
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
        process.stderr.close()


def intake_body(client_id: int, encounter_id: int, author_id: int) -> bytes:
    return json.dumps(intake_resource(client_id, encounter_id, author_id)).encode()


def post(base: str, token: str, body: bytes) -> tuple[int, dict]:
    request = urllib.request.Request(
        f"{base}/QuestionnaireResponse",
        data=body,
        method="POST",
        headers={**bearer(token), "Content-Type": "application/fhir+json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as reply:
            return reply.status, json.load(reply)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


def expected_observations() -> int:
    answers = load_answers(INTAKE, FULL_INTAKE)
    return len(
        extract_observations(
            INTAKE,
            answers,
            ExtractionContext(
                "x", "Patient/1", "Encounter/1", "2026-11-24T10:00:00Z", "Practitioner/1"
            ),
        )
    )


def clinic(app, make, clients: int) -> tuple[str, list[tuple[int, int]], int]:  # type: ignore[no-untyped-def]
    make.user("clinician", "dr-a")
    # The intake carries the consent decision: it is posted with the clinician's own token.
    token = make.token("dr-a", "system/*.read", "system/QuestionnaireResponse.write")
    visits = []
    for _ in range(clients):
        client_id = make.client("dr-a")
        visits.append((client_id, make.encounter(client_id, "dr-a")))
    with app.app_context():
        author = session().scalars(select(User.id).where(User.username == "dr-a")).one()
    return token, visits, author


def whole(app, response_ids: list[str]) -> None:  # type: ignore[no-untyped-def]
    """Every response has all its Observations, its indicator and its client's consent."""
    per_response = expected_observations()
    with app.app_context():
        for response_id in response_ids:
            reference = f"QuestionnaireResponse/{response_id}"
            derived = session().scalar(
                select(func.count())
                .select_from(StoredResource)
                .where(
                    StoredResource.derived_from == reference,
                    StoredResource.is_current,
                    StoredResource.code != "dependency-indicator",
                )
            )
            assert derived == per_response, (response_id, derived)
        indicators = session().scalar(
            select(func.count())
            .select_from(StoredResource)
            .where(StoredResource.code == "dependency-indicator", StoredResource.is_current)
        )
        consents = session().scalar(
            select(func.count())
            .select_from(StoredResource)
            .where(StoredResource.resource_type == "Consent", StoredResource.is_current)
        )
        assert indicators == consents == len(response_ids)


@pytest.mark.skipif(not ON_POSTGRES, reason="several writer processes need PostgreSQL")
def test_many_concurrent_intakes_through_several_workers_are_stored_whole(
    app, make, migrated
) -> None:
    token, visits, author = clinic(app, make, 40)
    with server(migrated, workers=4) as base, ThreadPoolExecutor(max_workers=12) as pool:
        results = list(
            pool.map(lambda v: post(base, token, intake_body(v[0], v[1], author)), visits)
        )
    assert [status for status, _body in results] == [201] * len(visits), results[:3]
    whole(app, [body["id"] for _status, body in results])


def test_a_killed_server_restarts_with_nothing_lost(app, make, migrated) -> None:
    token, visits, author = clinic(app, make, 6)
    with server(migrated, workers=2) as base:
        created = [post(base, token, intake_body(c, e, author)) for c, e in visits]
    assert [status for status, _ in created] == [201] * len(visits)
    # The server was killed (SIGKILL, no clean shutdown). Start a new one on the same data.
    with server(migrated, workers=1) as base:
        for _status, body in created:
            request = urllib.request.Request(
                f"{base}/QuestionnaireResponse/{body['id']}", headers=bearer(token)
            )
            with urllib.request.urlopen(request) as reply:
                assert json.load(reply) == body
    whole(app, [body["id"] for _status, body in created])

"""The shipped serving configuration (``python -m intake_ai.wsgi``, waitress) keeps answering
while slow clients dribble their headers: they hold sockets, never the worker threads."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from intake_ai.wsgi import SERVER_SETTINGS

pytestmark = pytest.mark.slow
#: More slow clients than the configuration has worker threads.
SLOW_CLIENTS = SERVER_SETTINGS["threads"] + 4


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def shipped_server(database_url: str, log: Path) -> Iterator[int]:
    port = _port()
    env = {
        **os.environ,
        "INTAKE_AI_DATABASE_URL": database_url,
        "INTAKE_AI_SECRET_KEY": "serving-test",
    }
    errors = log.open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "intake_ai.wsgi", "--listen", f"127.0.0.1:{port}"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=errors,
    )
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/fhir/metadata", timeout=2).close()
                break
            except OSError:
                if process.poll() is not None:
                    pytest.fail(f"server exited: {log.read_text()[-2000:]}")
                time.sleep(0.1)
        else:
            pytest.fail("server did not start")
        yield port
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        errors.close()


def test_slow_header_clients_do_not_hold_up_a_normal_request(migrated, tmp_path) -> None:
    with shipped_server(migrated, tmp_path / "server.log") as port:
        slow = []
        for _ in range(SLOW_CLIENTS):
            sock = socket.create_connection(("127.0.0.1", port), timeout=5)
            sock.sendall(b"GET /fhir/metadata HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            slow.append(sock)
        try:
            timings = []
            # Bounded: a few rounds of one header byte from each slow client, then a
            # normal request; the slow requests never finish their headers meanwhile.
            for round_number in range(5):
                for sock in slow:
                    sock.sendall(b"X" if round_number % 2 == 0 else b"-")
                time.sleep(0.3)
                started = time.monotonic()
                with urllib.request.urlopen(
                    f"http://127.0.0.1:{port}/fhir/metadata", timeout=10
                ) as answer:
                    assert answer.status == 200
                    assert answer.headers["X-Content-Type-Options"] == "nosniff"
                timings.append(time.monotonic() - started)
            assert max(timings) < 2.0, timings
            # Every slow client is still connected and unanswered: it held only its socket.
            for sock in slow:
                sock.setblocking(False)
                with pytest.raises(BlockingIOError):
                    sock.recv(1)
        finally:
            for sock in slow:
                sock.close()

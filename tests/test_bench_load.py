"""The load stage's pieces: the bare-WSGI baseline serves the very bytes the module serves,
and wrk's figures are read from a real run against both (errors counted)."""

from __future__ import annotations

import os
import shutil
import sys
import urllib.request

import pytest

from bench.load import parse_wrk, serving, wrk
from tests.conftest import bearer

pytestmark = pytest.mark.slow


def _get(url: str, token: str) -> tuple[int, bytes]:
    request = urllib.request.Request(url, headers=bearer(token))
    with urllib.request.urlopen(request, timeout=10) as reply:
        return reply.status, reply.read()


def test_wrk_output_is_read_with_its_errors() -> None:
    output = """Running 1s test @ http://127.0.0.1:1
  Latency Distribution
     50%  812.00us
     75%    1.10ms
     90%    1.52ms
     99%    1.20s
  1200 requests in 1.00s, 1.2MB read
  Socket errors: connect 0, read 2, write 0, timeout 1
  Non-2xx or 3xx responses: 4
Requests/sec:   1199.50
"""
    figures = parse_wrk(output)
    assert (figures.rate, figures.p50, figures.p99, figures.errors) == (1199.5, 0.812, 1200.0, 7)


def test_baseline_and_module_serve_the_same_bytes_under_wrk(app, world, migrated, tmp_path) -> None:
    if shutil.which("wrk") is None:
        pytest.skip("wrk is not installed (apt-get install wrk)")
    client = app.test_client()
    found = client.get(f"/fhir/Observation?patient={world.agreed}", headers=world.integrator)
    path = f"/fhir/Observation/{found.json['entry'][0]['resource']['id']}"
    token = world.integrator["Authorization"].removeprefix("Bearer ")
    script = tmp_path / "read.lua"
    script.write_text(
        f'paths = {{"{path}", "/fhir/Observation/none"}}\n'
        + 'request = function()\n  return wrk.format("GET", paths[math.random(#paths)])\nend\n'
    )
    env = {
        **os.environ,
        "INTAKE_AI_DATABASE_URL": migrated,
        "INTAKE_AI_SECRET_KEY": "load-test",
        "INTAKE_AI_AUDIT_JOURNAL_DIR": str(tmp_path / "journal"),
    }
    with (
        serving([sys.executable, "-m", "intake_ai.wsgi"], env) as api,
        serving([sys.executable, "-m", "bench.raw_wsgi"], env) as raw,
    ):
        assert _get(api + path, token) == _get(raw + path, token)
        for base in (api, raw):
            figures = wrk(base, script, token, 2, 1)
            # Half the paths name no resource: both answer 404 for those, counted as errors.
            assert figures.rate > 0 and 0 < figures.errors < figures.rate

"""Load stage (prints figures; not a test): reads by id and patient searches with 1, 4 and
16 keep-alive connections (``wrk``, from Debian: ``apt-get install wrk``) against the shipped
server configuration (``python -m intake_ai.wsgi``: waitress, keep-alive, slow clients
bounded), beside the bare-WSGI baseline of ``bench/raw_wsgi.py`` under the same settings and
the same load, and the module with each read's audit entry committed in the read's own
transaction (``INTAKE_AI_AUDIT_JOURNAL=false``, as before the journal). Rounds alternate
the three, so that a shared machine's load falls on all; the ratio of medians over the
rounds is printed with each round's figures.

.venv/bin/python -m bench.load [--clients 200] [--sessions 26] [--seconds 5] [--rounds 3]
                               [--database postgresql+psycopg://postgres@127.0.0.1/test]
"""

from __future__ import annotations

import os
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from bench.common import arguments, fresh_app
from bench.seed_bulk import PASSWORD, bulk_seed
from intake_ai import directory
from intake_ai.auth.tokens import issue_token
from intake_ai.models import Role, StoredResource
from intake_ai.store.database import session, transaction

SCRIPT = """
paths = {%s}
request = function()
  return wrk.format("GET", paths[math.random(#paths)])
end
"""
_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


@dataclass
class Figures:
    rate: float  # requests/s
    p50: float  # ms
    p99: float  # ms
    errors: int  # non-2xx answers and socket errors

    def __str__(self) -> str:
        return (
            f"{self.rate:8,.0f}/s  p50 {self.p50:6.2f} ms  p99 {self.p99:7.2f} ms  "
            f"errors {self.errors}"
        )


def _ms(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", value).groups()  # type: ignore[union-attr]
    return float(number) * _UNITS[unit]


def parse_wrk(output: str) -> Figures:
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    p50 = _ms(re.search(r"\s50%\s+(\S+)", output).group(1))  # type: ignore[union-attr]
    p99 = _ms(re.search(r"\s99%\s+(\S+)", output).group(1))  # type: ignore[union-attr]
    errors = 0
    if found := re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output):
        errors += int(found.group(1))
    if found := re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    ):
        errors += sum(int(n) for n in found.groups())
    return Figures(rate, p50, p99, errors)


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def serving(command: list[str], env: dict[str, str]) -> Iterator[str]:
    port = _port()
    process = subprocess.Popen(
        [*command, "--listen", f"127.0.0.1:{port}"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(f"{base}/fhir/metadata", timeout=2).close()
                break
            except urllib.error.HTTPError:
                break  # the baseline answers what it does not serve with an error: it is up
            except OSError:
                time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=20)


def wrk(base: str, script: Path, token: str, connections: int, seconds: int) -> Figures:
    output = subprocess.run(
        [
            "wrk",
            f"-t{min(connections, 2)}",
            f"-c{connections}",
            f"-d{seconds}s",
            "--latency",
            "-H",
            f"Authorization: Bearer {token}",
            "-s",
            str(script),
            base,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return parse_wrk(output)


def main() -> None:
    args = arguments(
        __doc__ or "", clients=200, sessions=26, seconds=5, rounds=3, kinds="read,search"
    ).parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is needed: apt-get install wrk")
    with fresh_app(args.database) as app, tempfile.TemporaryDirectory() as folder:
        database_url = app.config["SQLALCHEMY_DATABASE_URI"]
        with app.app_context():
            backend = app.extensions["intake_ai"].db.engine.dialect.name
            bulk_seed(args.clients, args.sessions, progress=lambda m: None)
            with transaction():
                user = directory.create_user("load-ehr", "load", Role.INTEGRATOR, PASSWORD)
                _row, token = issue_token(user, "load", ["system/*.read"])
            rows = (
                session()
                .execute(
                    select(StoredResource.resource_id, StoredResource.client_id).where(
                        StoredResource.resource_type == "Observation", StoredResource.is_current
                    )
                )
                .all()
            )
        rng = random.Random(5)
        picked = rng.sample(rows, min(500, len(rows)))
        clients = sorted({c for _i, c in picked})
        scripts = {}
        for kind, paths in (
            ("read", [f"/fhir/Observation/{i}" for i, _c in picked]),
            ("search", [f"/fhir/Observation?patient={c}&_count=50" for c in clients]),
        ):
            if kind not in args.kinds.split(","):
                continue
            scripts[kind] = Path(folder) / f"{kind}.lua"
            scripts[kind].write_text(SCRIPT % ",".join(f'"{p}"' for p in paths))
        env = {
            **os.environ,
            "INTAKE_AI_DATABASE_URL": database_url,
            "INTAKE_AI_SECRET_KEY": "load",
            "INTAKE_AI_AUDIT_JOURNAL_DIR": str(Path(folder) / "journal"),
        }
        print(
            f"== load stage on {backend}: {len(rows):,} Observations, "
            f"{args.rounds} rounds of {args.seconds} s each, baseline and module alternating",
            flush=True,
        )
        # The module as it was: each read's audit entry committed in the read's transaction.
        in_transaction = {**env, "INTAKE_AI_AUDIT_JOURNAL": "false"}
        module = [sys.executable, "-m", "intake_ai.wsgi"]
        with (
            serving(module, env) as api,
            serving(module, in_transaction) as old,
            serving([sys.executable, "-m", "bench.raw_wsgi"], env) as raw,
        ):
            for kind, script in scripts.items():
                for connections in (1, 4, 16):
                    wrk(raw, script, token, connections, 1)  # warm-up
                    wrk(api, script, token, connections, 1)
                    wrk(old, script, token, connections, 1)
                    triples = [
                        (
                            wrk(raw, script, token, connections, args.seconds),
                            wrk(api, script, token, connections, args.seconds),
                            wrk(old, script, token, connections, args.seconds),
                        )
                        for _ in range(args.rounds)
                    ]
                    pairs = [(r, a) for r, a, _o in triples]
                    ratio = statistics.median(r.rate / a.rate for r, a in pairs)
                    p50 = statistics.median(a.p50 / r.p50 for r, a in pairs)
                    print(
                        f"-- {kind}, {connections} connection(s): baseline/module "
                        f"throughput {ratio:.2f}x, module/baseline p50 {p50:.2f}x"
                    )
                    for r, a, o in triples:
                        print(f"   raw                     {r}")
                        print(f"   module                  {a}")
                        print(f"   module, audit in the tx {o}", flush=True)


if __name__ == "__main__":
    main()

"""The raw baseline of a write: a bare WSGI callable that, for each POST, reads the body and
inserts the rows one save wrote (its resources, its Provenance's targets, its audit rows;
pickled by ``bench/load_writes.py``) under fresh ids in one transaction, through the same
driver and pool, served by waitress with the shipped settings. No parsing, no checks, no
Flask: the limit for a Python server writing the same rows.

INTAKE_AI_DATABASE_URL=... .venv/bin/python -m bench.raw_writes --rows rows.pickle \
    --listen 127.0.0.1:8002
"""

from __future__ import annotations

import argparse
import itertools
import os
import pickle
import threading
from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import create_engine, insert

from intake_ai.models import AuditRecord, ProvenanceTarget, StoredResource


def make_app(database_url: str, written: dict[str, list[dict[str, Any]]]) -> Callable[..., Any]:
    engine = create_engine(database_url, pool_size=16)
    resources = StoredResource.__table__
    provenance = next(
        (n for n, r in enumerate(written["resources"]) if r["resource_type"] == "Provenance"),
        None,
    )
    numbers = itertools.count()
    lock = threading.Lock()

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ["REQUEST_METHOD"] != "POST":
            start_response("200 OK", [("Content-Length", "0")])
            return [b""]
        length = int(environ.get("CONTENT_LENGTH") or 0)
        environ["wsgi.input"].read(length)
        with lock:
            n = next(numbers)
        copies = [
            {
                **{k: v for k, v in r.items() if k != "pk"},
                "resource_id": f"raw{os.getpid()}-{n}-{r['resource_id']}"[:64],
            }
            for r in written["resources"]
        ]
        with engine.begin() as connection:
            pks = list(
                connection.scalars(
                    insert(resources).returning(resources.c.pk, sort_by_parameter_order=True),
                    copies,
                )
            )
            if written["targets"] and provenance is not None:
                connection.execute(
                    insert(ProvenanceTarget.__table__),
                    [{**t, "resource_pk": pks[provenance]} for t in written["targets"]],
                )
            if written["audits"]:
                connection.execute(
                    insert(AuditRecord.__table__),
                    [{k: v for k, v in a.items() if k != "id"} for a in written["audits"]],
                )
        body = b'{"resourceType":"OperationOutcome","issue":[]}'
        start_response(
            "201 Created",
            [("Content-Type", "application/fhir+json"), ("Content-Length", str(len(body)))],
        )
        return [body]

    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--listen", default="127.0.0.1:8002")
    parser.add_argument("--rows", required=True, help="the pickled rows of one save")
    args = parser.parse_args()
    import waitress

    from intake_ai.wsgi import SERVER_SETTINGS

    with open(args.rows, "rb") as source:
        written = pickle.load(source)  # noqa: S301 (our own file, written by load_writes)
    app = make_app(os.environ["INTAKE_AI_DATABASE_URL"], written)
    waitress.serve(app, listen=args.listen, **SERVER_SETTINGS)


if __name__ == "__main__":
    main()

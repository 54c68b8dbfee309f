"""Supervisor dashboard time for a 1,000- and a 10,000-client caseload (prints figures; not a test).

One practice of ``--clients`` clients is seeded; the first supervisor's caseload is first
1,000 of them (40 clinicians), then every client of the practice (each clinician put under
that supervisor too). For each caseload: the statements one ``GET /supervision`` runs, its
time, and beside it the baseline measured in the same run: the page's own SELECTs replayed
through the database driver, every row fetched, with nothing done with them.

.venv/bin/python -m bench.dashboard [--clients 10000] [--sessions 26] [--runs 20]
                                    [--caseloads 1000,10000]
                                    [--database postgresql+psycopg://...]
                                    [--practice URL]

``--practice`` names a database to seed once and keep (topped up to ``--clients`` when it
has fewer), so that runs before and after a change time the same rows.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import delete, event, func, select

from bench.common import app_for, arguments, fresh_app, summary, timed
from bench.seed_bulk import CLIENTS_PER_CLINICIAN, PASSWORD, bulk_seed
from intake_ai.models import Client, Supervision, User
from intake_ai.store import migrate
from intake_ai.store.database import engine, session, transaction


@contextmanager
def practice(database: str, kept: str) -> Iterator[Flask]:
    """The app on a kept practice (``--practice``) or on a fresh database dropped after."""
    if not kept:
        with fresh_app(database) as app:
            yield app
        return
    app = app_for(kept)
    with app.app_context():
        migrate.upgrade()
    try:
        yield app
    finally:
        with app.app_context():
            engine().dispose()


def supervise(clients: int) -> None:
    """Give ``bench-sup-1`` the clinicians of the practice's first ``clients`` clients."""
    with transaction():
        db = session()
        supervisor = db.scalar(select(User.id).where(User.username == "bench-sup-1"))
        wanted = {f"bench-clinician-{n + 1}" for n in range(clients // CLIENTS_PER_CLINICIAN)}
        clinicians = db.scalars(select(User.id).where(User.username.in_(wanted))).all()
        db.execute(delete(Supervision).where(Supervision.supervisor_id == supervisor))
        db.add_all(Supervision(supervisor_id=supervisor, clinician_id=c) for c in clinicians)


def statements_of(app: Flask, web: FlaskClient) -> list[tuple[str, Any]]:
    """Every statement (and its parameters) one dashboard request runs."""
    seen: list[tuple[str, Any]] = []

    def note(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_rest: Any) -> None:
        seen.append((statement, parameters))

    with app.app_context():
        bound = engine()
    event.listen(bound, "before_cursor_execute", note)
    try:
        page = web.get("/supervision")
        assert page.status_code == 200, page.status_code
    finally:
        event.remove(bound, "before_cursor_execute", note)
    return seen


def replay(app: Flask, selects: list[tuple[str, Any]]) -> float:
    """Milliseconds to run ``selects`` through the driver and fetch every row."""
    with app.app_context():
        connection = engine().raw_connection()
    try:
        cursor = connection.cursor()
        start = time.perf_counter()
        for statement, parameters in selects:
            cursor.execute(statement, parameters)
            cursor.fetchall()
        elapsed = (time.perf_counter() - start) * 1000
        connection.rollback()
        return elapsed
    finally:
        connection.close()


def measure(app: Flask, caseload: int, runs: int) -> None:
    with app.app_context():
        supervise(caseload)
        practice_size = session().scalar(select(func.count()).select_from(Client)) or 0
    web = app.test_client()
    web.post("/login", data={"username": "bench-sup-1", "password": PASSWORD})
    seen = statements_of(app, web)
    selects = [(s, p) for s, p in seen if s.lstrip().upper().startswith(("SELECT", "WITH"))]
    links = web.get("/supervision").get_data(as_text=True).count('href="/clients/')
    print(f"  caseload of {caseload:,} clients (practice of {practice_size:,}):")
    print(
        f"    statements for one GET /supervision (sign-in and audit included): {len(seen)} "
        f"({len(selects)} SELECTs)"
    )
    print(
        f"    GET /supervision (server time, in process): "
        f"{summary(timed(runs, lambda: web.get('/supervision')))}"
    )
    print(
        f"    baseline, its SELECTs replayed through the driver: "
        f"{summary(timed(runs, lambda: replay(app, selects)))}"
    )
    print(f"    client links on the page: {links}")
    sys.stdout.flush()


def main() -> None:
    args = arguments(
        __doc__ or "", clients=10000, sessions=26, runs=20, caseloads="1000,10000", practice=""
    ).parse_args()
    caseloads = [int(n) for n in args.caseloads.split(",")]
    with practice(args.database, args.practice) as app:
        with app.app_context():
            have = session().scalar(select(func.count()).select_from(Client)) or 0
            started = time.perf_counter()
            seeded = {"resources": 0.0}
            if have < args.clients:
                seeded = bulk_seed(
                    args.clients - have, args.sessions, progress=lambda m: print(m, file=sys.stderr)
                )
            backend = engine().dialect.name
        took = time.perf_counter() - started
        print(
            f"dashboard, {backend}: practice of {args.clients:,} clients x {args.sessions} "
            f"sessions ({int(seeded['resources']):,} resources seeded in {took:.0f} s)"
        )
        for caseload in caseloads:
            measure(app, min(caseload, args.clients), args.runs)


if __name__ == "__main__":
    main()

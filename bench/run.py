"""Practice-scale benchmark (prints figures; not a test).

Seeds clients x weekly sessions in stages and prints, each next to a baseline measured in
the same run on the same database:

* FHIR search ``Observation?patient=...&_count=50`` (p50/p95, server time, in a process of
  its own as a server's would be) at every stage, against the raw SQL query for the same
  rows plus JSON serialisation;
* intake submissions per second through the clinician's pages (review, then save), one
  process, against inserting the same rows in one transaction each;
* the supervisor dashboard for a 1,000-client caseload;
* ``flask export`` (what ``$export`` streams) throughput and peak memory in a process of its
  own, against a raw ``SELECT`` + write of the same rows in a process of its own.

.venv/bin/python -m bench.run [--clients 10000] [--sessions 26] [--stages 60,6000]
                              [--database postgresql+psycopg://postgres@127.0.0.1/test]
"""

from __future__ import annotations

import json
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import func, select, text
from werkzeug.test import EnvironBuilder

from bench.common import arguments, child, fresh_app, summary, timed
from bench.export_rate import export_figures
from bench.seed_bulk import PASSWORD, bulk_seed
from intake_ai import directory
from intake_ai.auth.tokens import issue_token
from intake_ai.models import Client, EncounterKind, StoredResource, User
from intake_ai.store.database import session, transaction
from intake_ai.store.resources import row_values
from tests.intake_helpers import FULL_INTAKE, review_answers

#: The rows a patient search returns, as the search itself selects them (current versions,
#: not deleted, entered-in-error left out, storage order), for the raw baseline.
RAW_SEARCH = text(
    "SELECT content FROM intake_resource "
    "WHERE resource_type = 'Observation' AND client_id = :client AND is_current = :yes "
    "AND deleted = :no AND status <> 'entered-in-error' "
    "ORDER BY pk LIMIT 51"
)


def resource_count(app: Flask) -> int:
    with app.app_context():
        return session().scalar(select(func.count()).select_from(StoredResource)) or 0


def _ms(action: Callable[..., Any], *args: Any) -> float:
    started = time.perf_counter()
    action(*args)

    return (time.perf_counter() - started) * 1000


def search_figures(
    app: Flask, token: str, runs: int
) -> tuple[list[float], list[float], list[float]]:
    """(API times, raw baseline times, first raw reads) over the same random patients.

    Each patient's rows are first read by the raw query (timed apart: what the disk and
    page cache cost), then by the API and the raw query again, so the two compared sides
    meet the same cache (at practice scale the database outgrows the page cache, and
    whichever side read a patient first would pay the disk for both). The API is timed as
    the server sees it: the WSGI call and its body, with the request environ built before.
    """
    with app.app_context():
        ids = list(session().scalars(select(Client.id)))
        engine = app.extensions["intake_ai"].db.engine
    rng = random.Random(5)
    headers = {"Authorization": f"Bearer {token}"}

    def raw(client_id: int) -> None:
        with engine.connect() as connection:
            rows = connection.execute(
                RAW_SEARCH, {"client": client_id, "yes": True, "no": False}
            ).all()
        body = {
            "resourceType": "Bundle",
            "type": "searchset",
            "entry": [{"resource": json.loads(content)} for (content,) in rows[:50]],
        }
        json.dumps(body, separators=(",", ":")).encode()

    def api(client_id: int) -> None:
        environ = EnvironBuilder(
            path=f"/fhir/Observation?patient={client_id}&_count=50", headers=headers
        ).get_environ()
        status: list[str] = []
        started = time.perf_counter()
        body = b"".join(app(environ, lambda s, _h, _e=None: status.append(s)))
        api_times.append((time.perf_counter() - started) * 1000)
        assert status[0].startswith("200") and b'"entry"' in body, status

    api_times: list[float] = []
    raw_times: list[float] = []
    first_times: list[float] = []
    warm_up = 50  # a new process compiles and caches its statements over the first calls
    for n in range(runs + warm_up):
        client_id = rng.choice(ids)
        first_times.append(_ms(raw, client_id))
        api(client_id)
        raw_times.append(_ms(raw, client_id))
        if n < warm_up:
            for times in (api_times, raw_times, first_times):
                times.clear()
    return api_times, raw_times, first_times


def _ratio(api: list[float], raw: list[float]) -> float:
    return statistics.median(api) / statistics.median(raw)


def _search_in_own_process(
    database_url: str, token: str, runs: int
) -> tuple[list[float], list[float], list[float]]:
    env = {**os.environ, "INTAKE_AI_BENCH_TOKEN": token}
    out, _seconds, _rss = child(
        [sys.executable, "-m", "bench.search_process", database_url, str(runs)], env
    )
    figures = json.loads(out)
    return figures["api"], figures["raw"], figures["first"]


def intake_figures(app: Flask, count: int) -> tuple[float, float, float]:
    """Per second: saves through the page, review + save, raw inserts of the same rows."""
    with app.app_context(), transaction():
        clinician = (
            session().scalars(select(User).where(User.username == "bench-clinician-1")).one()
        )
        start = datetime.now(UTC) - timedelta(days=1)
        encounters = []
        for n in range(count):
            client = directory.create_client(f"RATE-{n:05d}", f"Rate {n}", clinician)
            encounters.append(
                directory.create_encounter(client, clinician, start, EncounterKind.INTAKE).id
            )
    web = app.test_client()
    web.post("/login", data={"username": "bench-clinician-1", "password": PASSWORD})
    reviewed = web.post(
        f"/sessions/{encounters[0]}/intake", data={**FULL_INTAKE, "action": "review"}
    )
    carried = review_answers(reviewed.get_data(as_text=True))
    reviewing = saving = 0.0
    for encounter_id in encounters:
        started = time.perf_counter()
        web.post(f"/sessions/{encounter_id}/intake", data={**FULL_INTAKE, "action": "review"})
        middle = time.perf_counter()
        saved = web.post(
            f"/sessions/{encounter_id}/intake", data={"answers": carried, "action": "save"}
        )
        reviewing += middle - started
        saving += time.perf_counter() - middle
        assert saved.status_code == 302, saved.status_code

    # Baseline: the rows one intake stored, inserted again with fresh ids, one commit each.
    with app.app_context():
        stored = list(
            session().scalars(
                select(StoredResource).where(
                    StoredResource.client_id
                    == session().scalar(
                        select(Client.id).where(Client.ehr_patient_id == "RATE-00000")
                    ),
                    StoredResource.resource_type != "Patient",
                    StoredResource.resource_type != "Encounter",
                )
            )
        )
        templates = [json.loads(row.content) for row in stored]
        started = time.perf_counter()
        for n in range(count):
            with transaction():
                rows = []
                for resource in templates:
                    copy = {**resource, "id": f"raw-{n}-{resource['id']}"[:64]}
                    rows.append(row_values(copy, 1, datetime.now(UTC), None, check=False))
                session().execute(StoredResource.__table__.insert(), rows)
        raw = count / (time.perf_counter() - started)
    return count / saving, count / (reviewing + saving), raw


def dashboard_figures(app: Flask, runs: int) -> tuple[list[float], int]:
    web = app.test_client()
    web.post("/login", data={"username": "bench-sup-1", "password": PASSWORD})
    page = web.get("/supervision")
    assert page.status_code == 200, page.status_code
    with app.app_context():
        from intake_ai.models import CareAssignment, Supervision

        caseload = (
            session().scalar(
                select(func.count(func.distinct(CareAssignment.client_id)))
                .join(Supervision, Supervision.clinician_id == CareAssignment.clinician_id)
                .join(User, User.id == Supervision.supervisor_id)
                .where(User.username == "bench-sup-1")
            )
            or 0
        )
    return timed(runs, lambda: web.get("/supervision")), caseload


def main() -> None:
    args = arguments(
        __doc__ or "",
        clients=10000,
        sessions=26,
        stages="60,6000",
        runs=200,
        intakes=200,
        dashboard_runs=20,
    ).parse_args()
    stages = sorted({int(s) for s in args.stages.split(",") if s} | {args.clients})
    with fresh_app(args.database) as app, tempfile.TemporaryDirectory() as folder:
        with app.app_context():
            backend = app.extensions["intake_ai"].db.engine.dialect.name
        database_url = app.config["SQLALCHEMY_DATABASE_URI"]
        print(
            f"== intake_ai benchmark on {backend}: up to {args.clients:,} clients x "
            f"{args.sessions} sessions",
            flush=True,
        )
        with app.app_context(), transaction():
            integrator = (
                session().scalars(select(User).where(User.username == "bench-integrator")).first()
            )
            if integrator is None:
                from intake_ai.models import Role

                integrator = directory.create_user(
                    "bench-integrator", "bench", Role.INTEGRATOR, PASSWORD
                )
            _row, token = issue_token(integrator, "bench", ["system/*.read"])
        seeded = 0
        for stage in stages:
            with app.app_context():
                took = bulk_seed(stage - seeded, args.sessions, seed=stage, progress=lambda m: None)
            seeded = stage
            rows = resource_count(app)
            print(
                f"-- {seeded:,} clients, {rows:,} resources "
                f"(this stage seeded in {took['seconds']:,.0f} s)",
                flush=True,
            )
            # Three server processes: on a shared machine one process's figures can be off
            # by a fifth; the middle one (by ratio) is printed, and every ratio beside it.
            runs = sorted(
                (_search_in_own_process(database_url, token, args.runs) for _ in range(3)),
                key=lambda figures: _ratio(*figures[:2]),
            )
            api, raw, first = runs[1]
            print(f"  search Observation?patient=..&_count=50  {summary(api)}")
            print(f"  raw SQL + JSON of the same rows          {summary(raw)}")
            print(f"  (raw, first read of each patient         {summary(first)})")
            ratios = " / ".join(f"{_ratio(a, r):.2f}" for a, r, _ in runs)
            print(f"  ratio of medians: {_ratio(api, raw):.2f}x (three processes: {ratios})")

        times, caseload = dashboard_figures(app, args.dashboard_runs)
        print(
            f"-- supervisor dashboard, caseload of {caseload:,} clients: {summary(times)}",
            flush=True,
        )

        saves, with_review, raw_rate = intake_figures(app, args.intakes)
        print(
            f"-- intake submissions, one process: {saves:,.1f}/s saved "
            f"({with_review:,.1f}/s counting the review step too); raw insert of the same "
            f"rows, one commit each: {raw_rate:,.1f}/s",
            flush=True,
        )

        figures = export_figures(database_url, Path(folder))
        print(
            f"-- flask export --type Observation: {figures['lines']:,} resources, "
            f"{figures['mb']:,.0f} MB in {figures['seconds']:,.1f} s "
            f"({figures['lines'] / figures['seconds']:,.0f}/s), peak RSS {figures['rss']:,.0f} MB"
        )
        print(
            f"   raw SELECT + write of the same rows: {figures['raw_lines']:,} in "
            f"{figures['raw_seconds']:,.1f} s "
            f"({figures['raw_lines'] / figures['raw_seconds']:,.0f}/s), "
            f"peak RSS {figures['raw_rss']:,.0f} MB",
            flush=True,
        )


if __name__ == "__main__":
    main()

"""Write rates in one process (prints figures; not a test): first-session intakes and
session notes saved through the clinician's pages (review, then save; the save is timed,
the review apart), beside a raw-insert baseline measured in the same run on the same
database: the rows one save wrote (its resources, Provenance targets and audit rows),
inserted again under fresh ids, one transaction each.

.venv/bin/python -m bench.write_rates [--saves 200] [--rounds 2] [--profile 0]
                                      [--database postgresql+psycopg://postgres@127.0.0.1/test]

``--profile 1`` prints a cProfile of the timed saves of the last round instead of nothing.
"""

from __future__ import annotations

import cProfile
import io
import pstats
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, insert, select

from bench.common import arguments, fresh_app
from intake_ai import directory
from intake_ai.models import AuditRecord, EncounterKind, ProvenanceTarget, Role, StoredResource
from intake_ai.store.database import session, transaction
from tests.intake_helpers import FULL_INTAKE, WORRYING_NOTE, review_answers

PASSWORD = "bench-password"
CLINICIAN = "write-clinician"

#: What one client's sessions are for: the intake a week ago, the note yesterday.
INTAKE_AGO = timedelta(days=8)
NOTE_AGO = timedelta(days=1)


@dataclass(frozen=True)
class Sessions:
    """Pre-created sessions to record: one intake and one note session per client."""

    intakes: list[int]
    notes: list[int]


def clinician(app: Flask) -> None:
    with app.app_context(), transaction():
        directory.create_user(CLINICIAN, "Write Clinician", Role.CLINICIAN, PASSWORD)


def sessions_for(app: Flask, count: int, tag: str, username: str = CLINICIAN) -> Sessions:
    """``count`` new clients of ``username``, each with an intake and a note session."""
    now = datetime.now(UTC)
    with app.app_context(), transaction():
        user = directory.find_user(username)
        intakes, notes = [], []
        for n in range(count):
            client = directory.create_client(f"W-{tag}-{n:05d}", f"Writes {tag} {n}", user)
            first = directory.create_encounter(client, user, now - INTAKE_AGO, EncounterKind.INTAKE)
            later = directory.create_encounter(client, user, now - NOTE_AGO, EncounterKind.SESSION)
            intakes.append(first.id)
            notes.append(later.id)
    return Sessions(intakes, notes)


def signed_in(app: Flask, username: str = CLINICIAN) -> FlaskClient:
    web = app.test_client()
    web.post("/login", data={"username": username, "password": PASSWORD})
    return web


#: (the page a form is posted to, its answers) for each kind of save.
FORMS: dict[str, tuple[str, dict[str, Any]]] = {
    "intake": ("/sessions/{}/intake", FULL_INTAKE),
    "note": ("/sessions/{}/note", WORRYING_NOTE),
}


def page_saves(
    web: FlaskClient,
    kind: str,
    encounters: list[int],
    profiler: cProfile.Profile | None = None,
    before_save: Callable[[], None] = lambda: None,
) -> tuple[float, float, float]:
    """(saves per second, saves per second counting the review step, this process's CPU
    milliseconds per save) through the pages. On a shared machine the CPU time moves less
    than the rate: other work's load lengthens the wall clock, not this process's work."""
    path, answers = FORMS[kind]
    reviewing = saving = cpu = 0.0
    for encounter_id in encounters:
        started = time.perf_counter()
        page = web.post(path.format(encounter_id), data={**answers, "action": "review"})
        assert page.status_code == 200, page.status_code
        carried = review_answers(page.get_data(as_text=True))
        before_save()
        middle = time.perf_counter()
        cpu_before = time.process_time()
        if profiler is not None:
            profiler.enable()
        saved = web.post(path.format(encounter_id), data={"answers": carried, "action": "save"})
        if profiler is not None:
            profiler.disable()
        reviewing += middle - started
        saving += time.perf_counter() - middle
        cpu += time.process_time() - cpu_before
        assert saved.status_code == 302, saved.status_code
    n = len(encounters)
    return n / saving, n / (reviewing + saving), cpu * 1000 / n


@dataclass(frozen=True)
class Written:
    """Every row one save wrote: its resources, its Provenance's targets, its audit rows."""

    resources: list[dict[str, Any]]
    targets: list[dict[str, Any]]
    audits: list[dict[str, Any]]

    @property
    def rows(self) -> int:
        return len(self.resources) + len(self.targets) + len(self.audits)


def marks(app: Flask) -> tuple[int, int]:
    """The highest resource and audit row ids so far."""
    with app.app_context():
        return (
            session().scalar(select(func.max(StoredResource.pk))) or 0,
            session().scalar(select(func.max(AuditRecord.id))) or 0,
        )


def written_between(app: Flask, before: tuple[int, int], after: tuple[int, int]) -> Written:
    resources, targets, audits = (
        StoredResource.__table__,
        ProvenanceTarget.__table__,
        AuditRecord.__table__,
    )
    with app.app_context():
        db = session()
        stored = db.execute(
            select(resources).where(resources.c.pk > before[0], resources.c.pk <= after[0])
        ).mappings()
        new = [dict(r) for r in stored]
        pks = [r["pk"] for r in new]
        return Written(
            new,
            [
                dict(r)
                for r in db.execute(
                    select(targets).where(targets.c.resource_pk.in_(pks))
                ).mappings()
            ],
            [
                dict(r)
                for r in db.execute(
                    select(audits).where(audits.c.id > before[1], audits.c.id <= after[1])
                ).mappings()
            ],
        )


def raw_inserts(app: Flask, written: Written, count: int) -> float:
    """Per second: ``written`` inserted again ``count`` times under fresh ids, one
    transaction each (what the database and driver take for the same rows)."""
    resources = StoredResource.__table__
    provenance = next(
        (n for n, r in enumerate(written.resources) if r["resource_type"] == "Provenance"), None
    )
    with app.app_context():
        started = time.perf_counter()
        for n in range(count):
            with transaction():
                copies = [
                    {
                        **{k: v for k, v in r.items() if k != "pk"},
                        "resource_id": f"raw{n}-{r['resource_id']}"[:64],
                    }
                    for r in written.resources
                ]
                pks = list(session().scalars(insert(resources).returning(resources.c.pk), copies))
                if written.targets and provenance is not None:
                    session().execute(
                        insert(ProvenanceTarget.__table__),
                        [{**t, "resource_pk": pks[provenance]} for t in written.targets],
                    )
                if written.audits:
                    session().execute(
                        insert(AuditRecord.__table__),
                        [{k: v for k, v in a.items() if k != "id"} for a in written.audits],
                    )
        return count / (time.perf_counter() - started)


def first_save(app: Flask, web: FlaskClient, kind: str, encounter_id: int) -> Written:
    """Save one (a warm-up), and return what its save request wrote."""
    before: list[tuple[int, int]] = []
    page_saves(web, kind, [encounter_id], before_save=lambda: before.append(marks(app)))
    return written_between(app, before[0], marks(app))


def _profile_text(profiler: cProfile.Profile, lines: int = 45) -> str:
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(lines)
    return out.getvalue()


def measure(app: Flask, saves: int, tag: str, profile: bool, print_: Callable[[str], None]) -> None:
    planned = sessions_for(app, saves + 1, tag)
    web = signed_in(app)
    for kind, encounters in (("intake", planned.intakes), ("note", planned.notes)):
        # The first save warms up, and its rows are the baseline's.
        written = first_save(app, web, kind, encounters[0])
        profiler = cProfile.Profile() if profile else None
        rate, with_review, cpu_ms = page_saves(web, kind, encounters[1:], profiler)
        raw = raw_inserts(app, written, saves)
        print_(
            f"   {kind:6} saves {rate:7.1f}/s ({with_review:6.1f}/s with the review step); "
            f"raw insert of the same {written.rows} rows, one transaction each: {raw:7.1f}/s "
            f"({rate / raw:.2f} of raw); CPU {cpu_ms:.1f} ms a save in this process"
        )
        if profiler is not None:
            print_(_profile_text(profiler))


def main() -> None:
    args = arguments(__doc__ or "", saves=200, rounds=2, profile=0).parse_args()
    with fresh_app(args.database) as app:
        with app.app_context():
            backend = app.extensions["intake_ai"].db.engine.dialect.name
        clinician(app)
        print(f"== write rates on {backend}, one process, {args.saves} saves a round", flush=True)
        for n in range(args.rounds):
            print(f"-- round {n + 1}", flush=True)
            measure(
                app,
                args.saves,
                f"r{n}",
                bool(args.profile) and n == args.rounds - 1,
                lambda line: print(line, flush=True),
            )


if __name__ == "__main__":
    main()

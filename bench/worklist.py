"""The clinician's worklist for a large caseload (prints figures; not a test).

All seeded clients are put in one clinician's care, so the page shows every one of them.

.venv/bin/python -m bench.worklist [--clients 200] [--sessions 26] [--runs 20]
                                   [--database postgresql+psycopg://...]
"""

from __future__ import annotations

from sqlalchemy import event, update

from bench.common import arguments, fresh_app, summary, timed
from bench.seed_bulk import PASSWORD, bulk_seed
from intake_ai import directory
from intake_ai.models import CareAssignment
from intake_ai.store.database import engine, session, transaction


def main() -> None:
    args = arguments(__doc__ or "", clients=200, sessions=26, runs=20).parse_args()
    with fresh_app(args.database) as app:
        with app.app_context():
            seeded = bulk_seed(args.clients, args.sessions, progress=lambda m: None)
            with transaction():
                mine = directory.find_user("bench-clinician-1")
                session().execute(update(CareAssignment).values(clinician_id=mine.id))
            bound = engine()
        web = app.test_client()
        web.post("/login", data={"username": "bench-clinician-1", "password": PASSWORD})
        statements: list[object] = []
        event.listen(bound, "before_cursor_execute", lambda *a: statements.append(a[2]))
        page = web.get("/clients")
        assert page.status_code == 200, page.status_code
        shown = page.get_data(as_text=True).count('<td data-label="Client">')
        count = len(statements)
        backend = app.config["SQLALCHEMY_DATABASE_URI"].split(":")[0]
        print(
            f"worklist, {backend}: {args.clients} clients x {args.sessions} sessions in one "
            f"clinician's care ({seeded['resources']:,} resources, seeded in "
            f"{seeded['seconds']:.0f} s)"
        )
        print(f"  statements for one GET /clients (sign-in and audit included): {count}")
        print(
            f"  GET /clients (server time, in process): "
            f"{summary(timed(args.runs, lambda: web.get('/clients')))}"
        )
        print(f"  client rows on the page: {shown}")


if __name__ == "__main__":
    main()

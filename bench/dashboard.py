"""Supervisor dashboard time for a 1,000-client caseload (prints figures; not a test).

.venv/bin/python -m bench.dashboard [--clients 1000] [--sessions 26] [--runs 20]
                                    [--database postgresql+psycopg://...]
"""

from __future__ import annotations

from bench.common import arguments, fresh_app, summary, timed
from bench.seed_bulk import PASSWORD, bulk_seed


def main() -> None:
    args = arguments(__doc__ or "", clients=1000, sessions=26, runs=20).parse_args()
    with fresh_app(args.database) as app:
        with app.app_context():
            seeded = bulk_seed(args.clients, args.sessions, progress=lambda m: None)
        web = app.test_client()
        web.post("/login", data={"username": "bench-sup-1", "password": PASSWORD})
        page = web.get("/supervision")
        assert page.status_code == 200, page.status_code
        shown = page.get_data(as_text=True).count('href="/clients/')
        backend = app.config["SQLALCHEMY_DATABASE_URI"].split(":")[0]
        print(
            f"dashboard, {backend}: caseload of {args.clients} clients x {args.sessions} "
            f"sessions ({seeded['resources']:,} resources, seeded in "
            f"{seeded['seconds']:.0f} s)"
        )
        print(
            f"  GET /supervision (server time, in process): "
            f"{summary(timed(args.runs, lambda: web.get('/supervision')))}"
        )
        print(f"  client links on the page: {shown}")


if __name__ == "__main__":
    main()

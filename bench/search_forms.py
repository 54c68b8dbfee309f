"""The search forms standard clients use, timed side by side (prints figures; not a test).

Seeds a practice, then, in a server process of its own (see ``bench.search_process``),
times each form over the same random clients: the plain patient search the README's
figures are for, and beside it the chained identifier, the compartment, modifiers,
_elements, _total=none, _revinclude and $everything. Server time at the WSGI call.

.venv/bin/python -m bench.search_forms [--clients 60] [--sessions 26] [--runs 200]
                                       [--database postgresql+psycopg://...]
"""

from __future__ import annotations

import json
import os
import random
import statistics
import sys
import time
from typing import Any
from urllib.parse import quote

from flask import Flask
from sqlalchemy import select
from werkzeug.test import EnvironBuilder

from bench.common import app_for, arguments, child, fresh_app, summary
from bench.run import resource_count
from bench.seed_bulk import PASSWORD, bulk_seed
from intake_ai import directory
from intake_ai.auth.tokens import issue_token
from intake_ai.models import Role, StoredResource, User
from intake_ai.store.database import session, transaction

#: Each form, for a client id and that client's identifier (system|value).
FORMS = {
    "Observation?patient=..&_count=50": "Observation?patient={id}&_count=50",
    "Observation?patient.identifier=..": "Observation?patient.identifier={identifier}&_count=50",
    "Patient/../Observation?_count=50": "Patient/{id}/Observation?_count=50",
    "..&code:not=x": "Observation?patient={id}&code:not=x&_count=50",
    "..&_elements=code,value": "Observation?patient={id}&_elements=code,value&_count=50",
    "..&_total=none": "Observation?patient={id}&_total=none&_count=50",
    "QuestionnaireResponse?patient=..&_revinclude=Observation:derived-from": (
        "QuestionnaireResponse?patient={id}&_revinclude=Observation:derived-from&_count=50"
    ),
    "Patient/../$everything?_count=50": "Patient/{id}/$everything?_count=50",
}


def measure(app: Flask, token: str, runs: int) -> dict[str, Any]:
    with app.app_context():
        patients = list(
            session().execute(
                select(
                    StoredResource.resource_id, StoredResource.code_system, StoredResource.code
                ).where(StoredResource.resource_type == "Patient", StoredResource.is_current)
            )
        )
    rng = random.Random(7)
    headers = {"Authorization": f"Bearer {token}"}
    times: dict[str, list[float]] = {name: [] for name in FORMS}
    sizes: dict[str, list[int]] = {name: [] for name in FORMS}
    warm_up = 30
    for n in range(runs + warm_up):
        ident, system, value = rng.choice(patients)
        for name, form in FORMS.items():
            url = form.format(id=ident, identifier=quote(f"{system}|{value}"))
            environ = EnvironBuilder(path=f"/fhir/{url}", headers=headers).get_environ()
            status: list[str] = []
            started = time.perf_counter()
            body = b"".join(app(environ, lambda s, _h, _e=None, seen=status: seen.append(s)))
            took = (time.perf_counter() - started) * 1000
            assert status[0].startswith("200"), (url, status)
            if n >= warm_up:
                times[name].append(took)
                sizes[name].append(len(json.loads(body).get("entry", [])))
    return {"times": times, "sizes": sizes}


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--measure":
        url, runs = sys.argv[2], int(sys.argv[3])
        print(json.dumps(measure(app_for(url), os.environ["INTAKE_AI_BENCH_TOKEN"], runs)))
        return
    args = arguments(__doc__ or "", clients=60, sessions=26, runs=200).parse_args()
    with fresh_app(args.database) as app:
        with app.app_context():
            backend = app.extensions["intake_ai"].db.engine.dialect.name
            bulk_seed(args.clients, args.sessions, seed=args.clients, progress=lambda m: None)
        with app.app_context(), transaction():
            integrator = session().scalars(
                select(User).where(User.username == "bench-integrator")
            ).first() or directory.create_user(
                "bench-integrator", "bench", Role.INTEGRATOR, PASSWORD
            )
            _row, token = issue_token(integrator, "bench", ["system/*.read"])
        url = app.config["SQLALCHEMY_DATABASE_URI"]
        print(
            f"== search forms on {backend}: {args.clients:,} clients x {args.sessions} "
            f"sessions, {resource_count(app):,} resources",
            flush=True,
        )
        out, _seconds, _rss = child(
            [sys.executable, "-m", "bench.search_forms", "--measure", url, str(args.runs)],
            {**os.environ, "INTAKE_AI_BENCH_TOKEN": token},
        )
        figures = json.loads(out)
        for name, times in figures["times"].items():
            entries = statistics.mean(figures["sizes"][name])
            print(f"  {name:72} {summary(times)}  {entries:5.0f} entries")


if __name__ == "__main__":
    main()

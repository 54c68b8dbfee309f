"""Write load stage (prints figures; not a test): first-session intakes and session notes
POSTed as QuestionnaireResponses over the FHIR API with a clinician's write token, at 1, 4
and 16 keep-alive connections (``wrk`` with a Lua script: each request names a session of
its own, pre-created), against the shipped server configuration (``python -m
intake_ai.wsgi``), beside the raw-insert baseline of ``bench/raw_writes.py`` under the same
server settings and the same load: the rows one save wrote, inserted in one transaction
per request. Rounds alternate the two.

The FHIR POST is the same service as the page's save (``intake/service.py:submit``,
``sessions/service.py:submit``); it also reads and checks the posted resource.

.venv/bin/python -m bench.load_writes [--seconds 5] [--rounds 2] [--connections 1,4,16]
                                      [--database postgresql+psycopg://postgres@127.0.0.1/test]
"""

from __future__ import annotations

import json
import os
import pickle
import shutil
import statistics
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import select

from bench.common import arguments, fresh_app
from bench.load import Figures, serving, wrk
from bench.write_rates import PASSWORD, marks, written_between
from fhir_mappings.definitions.intake import INTAKE
from fhir_mappings.definitions.model import Definition
from fhir_mappings.definitions.session_note import SESSION_NOTE
from fhir_mappings.response import ResponseContext, build_response
from intake_ai import directory
from intake_ai.auth.tokens import issue_token
from intake_ai.forms.schema import form_data, load_answers
from intake_ai.models import Client, ConsentState, EncounterKind, Role, User
from intake_ai.store.database import session, transaction
from tests.intake_helpers import FULL_INTAKE, WORRYING_NOTE

CLINICIAN = "load-writer"
PATIENT, ENCOUNTER = "@PATIENT@", "@ENCOUNTER@"

#: Each wrk thread takes every ``threads``-th session of the list, so that no two requests
#: ever name the same session (a second save of one is refused, and would not be a save).
SCRIPT = """
sessions = {%(sessions)s}
template = %(template)s
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/fhir+json"
local counter = 0
function setup(thread)
  thread:set("first", counter)
  counter = counter + 1
end
function init(args)
  taken = 0
end
request = function()
  local pair = sessions[first + taken * %(threads)d + 1] or {0, 0}
  taken = taken + 1
  local body = template:gsub("%(patient)s", pair[1])
  body = body:gsub("%(encounter)s", pair[2])
  return wrk.format("POST", "/fhir/QuestionnaireResponse", nil, body)
end
"""

FORMS: dict[str, tuple[Definition, dict[str, Any], EncounterKind]] = {
    "intake": (INTAKE, FULL_INTAKE, EncounterKind.INTAKE),
    "note": (SESSION_NOTE, WORRYING_NOTE, EncounterKind.SESSION),
}


def posted_template(kind: str, practitioner: str) -> str:
    """The response an EHR would POST (as the module builds it), ids left as placeholders."""
    definition, typed, _kind = FORMS[kind]
    answers = load_answers(definition, form_data(definition, _multi(typed)))
    context = ResponseContext(
        "x", "completed", PATIENT, ENCOUNTER, practitioner, PATIENT, "2026-01-01"
    )
    response = build_response(definition, answers, context)
    for name in ("id", "meta", "authored"):  # the server names it; dated by the session
        response.pop(name, None)
    text = json.dumps(response, separators=(",", ":"))
    return text.replace(f'"{PATIENT}"', f'"Patient/{PATIENT}"').replace(
        f'"{ENCOUNTER}"', f'"Encounter/{ENCOUNTER}"'
    )


class _multi(dict[str, Any]):
    """Typed answers as a form's multi-dict (``getlist`` for the checkboxes)."""

    def getlist(self, key: str) -> list[Any]:
        value = self.get(key)
        return [] if value is None else value if isinstance(value, list) else [value]


def writer(app: Flask) -> tuple[int, str]:
    """The clinician whose token writes: (their id, the token)."""
    with app.app_context(), transaction():
        user = directory.create_user(CLINICIAN, "Load Writer", Role.CLINICIAN, PASSWORD)
        _row, token = issue_token(user, "load", ["system/*.read", "system/*.write"])
        return user.id, token


def intake_sessions(app: Flask, count: int, tag: str) -> list[tuple[int, int]]:
    """(client, session) pairs: new clients, each with an intake session to record."""
    start = datetime.now(UTC) - timedelta(days=8)
    pairs = []
    with app.app_context(), transaction():
        user = directory.find_user(CLINICIAN)
        for n in range(count):
            client = directory.create_client(f"L-{tag}-{n:05d}", f"Load {tag} {n}", user)
            encounter = directory.create_encounter(client, user, start, EncounterKind.INTAKE)
            pairs.append((client.id, encounter.id))
    return pairs


def note_sessions(app: Flask, per_client: int, tag: str) -> list[tuple[int, int]]:
    """(client, session) pairs: new note sessions of the clients who have agreed."""
    pairs = []
    with app.app_context(), transaction():
        user = session().scalars(select(User).where(User.username == CLINICIAN)).one()
        clients = session().scalars(
            select(Client).where(Client.consent_state == ConsentState.ACTIVE)
        )
        for client in list(clients):
            for n in range(per_client):
                start = datetime.now(UTC) - timedelta(days=7 - n, hours=int(tag))
                encounter = directory.create_encounter(client, user, start, EncounterKind.SESSION)
                pairs.append((client.id, encounter.id))
    return pairs


def script(
    folder: Path, name: str, pairs: list[tuple[int, int]], template: str, threads: int
) -> Path:
    path = folder / f"{name}.lua"
    path.write_text(
        SCRIPT
        % {
            "sessions": ",".join(f"{{{c},{e}}}" for c, e in pairs),
            "template": "[==[" + template + "]==]",
            "threads": threads,
            "patient": PATIENT,
            "encounter": ENCOUNTER,
        }
    )
    return path


def one_post(base: str, token: str, template: str, pair: tuple[int, int]) -> None:
    body = template.replace(PATIENT, str(pair[0])).replace(ENCOUNTER, str(pair[1]))
    request = urllib.request.Request(
        f"{base}/fhir/QuestionnaireResponse",
        data=body.encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/fhir+json"},
    )
    with urllib.request.urlopen(request, timeout=60) as reply:
        assert reply.status == 201, reply.status


def ready(base: str, seconds: float = 600) -> str:
    """Wait for a server that ``bench.load.serving`` started: on a loaded machine the
    module's start-up can take longer than that helper waits."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            urllib.request.urlopen(f"{base}/fhir/metadata", timeout=10).close()
            return base
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def _line(label: str, figures: Figures) -> str:
    return f"   {label:24}{figures}"


def main() -> None:
    args = arguments(
        __doc__ or "", seconds=5, rounds=2, connections="1,4,16", pool=400, kinds="intake,note"
    ).parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is needed: apt-get install wrk")
    levels = [int(c) for c in args.connections.split(",") if c]
    with fresh_app(args.database) as app, tempfile.TemporaryDirectory() as temp:
        folder = Path(temp)
        database_url = app.config["SQLALCHEMY_DATABASE_URI"]
        with app.app_context():
            backend = app.extensions["intake_ai"].db.engine.dialect.name
        practitioner_id, token = writer(app)
        templates = {k: posted_template(k, f"Practitioner/{practitioner_id}") for k in FORMS}
        env = {
            **os.environ,
            "INTAKE_AI_DATABASE_URL": database_url,
            "INTAKE_AI_SECRET_KEY": "load",
            "INTAKE_AI_AUDIT_JOURNAL_DIR": str(folder / "journal"),
        }
        print(
            f"== write load stage on {backend}: FHIR POST of QuestionnaireResponse "
            f"(clinician token), {args.rounds} rounds of {args.seconds} s, baseline and module "
            "alternating",
            flush=True,
        )
        module = [sys.executable, "-m", "intake_ai.wsgi"]
        with serving(module, env) as api:
            ready(api)
            for kind in args.kinds.split(","):
                # Two saves first: the warm-up (the first also publishes the form's
                # definitions), and the second's rows are those the baseline inserts.
                first = (
                    intake_sessions(app, 2, "first")
                    if kind == "intake"
                    else note_sessions(app, 1, "0")[:2]
                )
                one_post(api, token, templates[kind], first[0])
                before = marks(app)
                one_post(api, token, templates[kind], first[1])
                written = written_between(app, before, marks(app))
                print(
                    f"   one {kind} save wrote {len(written.resources)} resources "
                    f"({', '.join(sorted({r['resource_type'] for r in written.resources}))}), "
                    f"{len(written.targets)} Provenance targets, {len(written.audits)} audit "
                    f"rows ({', '.join(sorted({a['operation'] for a in written.audits}))})",
                    flush=True,
                )
                rows = folder / f"{kind}.pickle"
                rows.write_bytes(
                    pickle.dumps(
                        {
                            "resources": written.resources,
                            "targets": written.targets,
                            "audits": written.audits,
                        }
                    )
                )
                raw_command = [sys.executable, "-m", "bench.raw_writes", "--rows", str(rows)]
                with serving(raw_command, env) as raw:
                    ready(raw)
                    for connections in levels:
                        pairs = []
                        for round_ in range(args.rounds):
                            tag = f"{kind}{connections}r{round_}"
                            pairs.append(
                                intake_sessions(app, args.pool, tag)
                                if kind == "intake"
                                else note_sessions(app, 1, str(round_ + 1))
                            )
                        runs = []
                        for round_, sessions_ in enumerate(pairs):
                            # bench.load.wrk runs min(connections, 2) threads.
                            lua = script(
                                folder,
                                f"{kind}{connections}r{round_}",
                                sessions_,
                                templates[kind],
                                min(connections, 2),
                            )
                            runs.append(
                                (
                                    wrk(raw, lua, token, connections, args.seconds),
                                    wrk(api, lua, token, connections, args.seconds),
                                    len(sessions_),
                                )
                            )
                        ratio = statistics.median(a.rate / r.rate for r, a, _n in runs)
                        print(
                            f"-- {kind} saves, {connections} connection(s): module/raw "
                            f"throughput {ratio:.2f} ({written.rows} rows a save)",
                            flush=True,
                        )
                        for r, a, n in runs:
                            print(_line("raw insert", r))
                            print(_line("module", a) + f"  (sessions available {n})", flush=True)


if __name__ == "__main__":
    main()

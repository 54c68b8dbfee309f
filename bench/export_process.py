"""One export timed in a process of its own; prints JSON (lines, seconds, start-up seconds).

``cli``: what ``flask export --type Observation`` runs (the same function, the same
progress bar), timed from after the app's start-up. ``api``: a Bulk Data kick-off by an
integrator's token, then the Observation file downloaded through the WSGI app and written
to disk, timed from the download's request to its last byte (access and consent
conditions, the audit record and the response included). Run by ``bench.export_rate``:

python -m bench.export_process cli|api DATABASE_URL FOLDER
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

started = time.perf_counter()

from sqlalchemy import select  # noqa: E402

from bench.common import app_for  # noqa: E402


def cli(url: str, folder: Path) -> tuple[int, float]:
    from intake_ai.cli import _progress
    from intake_ai.fhir_api.bulk_files import export_to_folder

    app = app_for(url)
    with app.app_context():
        began = time.perf_counter()
        written = export_to_folder(folder, ["Observation"], None, False, progress=_progress)
        return written[0][1], time.perf_counter() - began


def api(url: str, folder: Path) -> tuple[int, float]:
    from intake_ai.auth.tokens import issue_token
    from intake_ai.models import User
    from intake_ai.store.database import session, transaction

    app = app_for(url)
    with app.app_context(), transaction():
        # The integrator bench/seed_bulk.py creates: it sees every client who agreed.
        user = session().scalars(select(User).where(User.username == "bench-integrator")).one()
        _row, token = issue_token(user, "bench export", ["system/*.read"])
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/fhir+json"}
    web = app.test_client()
    kicked = web.get(
        "/fhir/$export?_type=Observation", headers={**headers, "Prefer": "respond-async"}
    )
    assert kicked.status_code == 202, kicked.status_code
    status = web.get(kicked.headers["Content-Location"], headers=headers)
    assert status.status_code == 200, status.status_code
    file_url = status.json["output"][0]["url"]
    began = time.perf_counter()
    response = web.get(file_url, headers=headers, buffered=False)
    assert response.status_code == 200, response.status_code
    lines = 0
    with (folder / "Observation.ndjson").open("wb") as out:
        for chunk in response.response:
            out.write(chunk)
            lines += chunk.count(b"\n")
    response.close()
    return lines, time.perf_counter() - began


def main() -> None:
    mode, url, folder = sys.argv[1], sys.argv[2], Path(sys.argv[3])
    lines, seconds = (cli if mode == "cli" else api)(url, folder)
    start_up = time.perf_counter() - started - seconds
    print(json.dumps({"lines": lines, "seconds": seconds, "start_up": start_up}))


if __name__ == "__main__":
    main()

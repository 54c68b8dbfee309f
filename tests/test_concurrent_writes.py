"""Saves from many connections at once, as the write load stage sends them: every save is
stored exactly once and whole (its Observations, Consent, Provenance and audit rows), a
save sent twice at the same moment is stored once, and nothing is half-written."""

from __future__ import annotations

import threading
import urllib.error
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select
from werkzeug.serving import make_server

from bench.load_writes import ENCOUNTER, PATIENT, posted_template
from intake_ai.models import AuditRecord, ProvenanceTarget, StoredResource, User
from intake_ai.store.database import session
from tests.conftest import bearer

pytestmark = pytest.mark.slow

THREADS = 8
CLIENTS = 12


@pytest.fixture
def server(app):  # type: ignore[no-untyped-def]
    http = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=http.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{http.server_port}"
    http.shutdown()
    thread.join(timeout=10)


def _post(url: str, token: str, body: str) -> int:
    request = urllib.request.Request(
        f"{url}/fhir/QuestionnaireResponse",
        data=body.encode(),
        headers={**bearer(token), "Content-Type": "application/fhir+json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=120) as reply:
            return reply.status
    except urllib.error.HTTPError as error:
        return error.code


def _body(template: str, client_id: int, encounter_id: int) -> str:
    return template.replace(PATIENT, str(client_id)).replace(ENCOUNTER, str(encounter_id))


def _stored(app, kind: str, encounter_ids: list[int]) -> dict[int, list[StoredResource]]:  # type: ignore[no-untyped-def]
    with app.app_context():
        rows = session().scalars(
            select(StoredResource).where(
                StoredResource.resource_type == kind, StoredResource.encounter_id.in_(encounter_ids)
            )
        )
        found: dict[int, list[StoredResource]] = {e: [] for e in encounter_ids}
        for row in rows:
            found[row.encounter_id].append(row)
        session().expunge_all()
    return found


def _check_whole(app, response: StoredResource) -> int:  # type: ignore[no-untyped-def]
    """The response's one Provenance naming it and its Observations, its one audit row;
    returns how many Observations it has."""
    ref = f"QuestionnaireResponse/{response.resource_id}"
    with app.app_context():
        db = session()
        derived = db.scalar(
            select(func.count())
            .select_from(StoredResource)
            .where(
                StoredResource.derived_from == ref,
                StoredResource.resource_type == "Observation",
                StoredResource.is_current,
            )
        )
        assert derived
        provenances = db.scalars(
            select(ProvenanceTarget.resource_pk).where(ProvenanceTarget.target == ref)
        ).all()
        assert len(provenances) == 1
        targets = db.scalar(
            select(func.count())
            .select_from(ProvenanceTarget)
            .where(ProvenanceTarget.resource_pk == provenances[0])
        )
        assert targets >= derived + 1
        audits = db.scalar(
            select(func.count())
            .select_from(AuditRecord)
            .where(AuditRecord.entity == ref, AuditRecord.operation == "create")
        )
        assert audits == 1
    return derived


def test_concurrent_saves_are_each_stored_once_and_whole(app, make, server) -> None:
    make.user("clinician", "dr-a")
    token = make.token("dr-a", "system/*.read", "system/*.write")
    with app.app_context():
        practitioner = session().scalars(select(User.id).where(User.username == "dr-a")).one()
    clients = [make.client("dr-a") for _ in range(CLIENTS)]
    intakes = {c: make.encounter(c, "dr-a", kind="intake") for c in clients}
    template = posted_template("intake", f"Practitioner/{practitioner}")
    # Every intake once, and the first four twice more at the same time (a retried POST).
    jobs = [(c, intakes[c]) for c in clients] + [(c, intakes[c]) for c in clients[:4]] * 2
    with ThreadPoolExecutor(THREADS) as pool:
        statuses = list(pool.map(lambda job: _post(server, token, _body(template, *job)), jobs))
    stored = _stored(app, "QuestionnaireResponse", list(intakes.values()))
    counts = Counter(len(rows) for rows in stored.values())
    assert counts == {1: CLIENTS}, (counts, statuses)
    # Each session's intake created once; a repeat is handed the stored one, or refused.
    assert all(s in (200, 201, 400, 409, 412) for s in statuses), statuses
    created = Counter(job[1] for job, s in zip(jobs, statuses, strict=True) if s == 201)
    assert created == {e: 1 for e in intakes.values()}, statuses
    # Each whole: as many Observations as every other (the same answers).
    assert len({_check_whole(app, response) for (response,) in stored.values()}) == 1
    with app.app_context():
        versions = session().execute(
            select(StoredResource.client_id, func.count())
            .where(StoredResource.resource_type == "Consent")
            .group_by(StoredResource.client_id)
        )
        assert dict(versions.all()) == {c: 1 for c in clients}

    # Then a note for every client, all at once.
    notes = {c: make.encounter(c, "dr-a") for c in clients}
    note_template = posted_template("note", f"Practitioner/{practitioner}")
    with ThreadPoolExecutor(THREADS) as pool:
        statuses = list(
            pool.map(lambda c: _post(server, token, _body(note_template, c, notes[c])), clients)
        )
    assert statuses == [201] * CLIENTS
    stored = _stored(app, "QuestionnaireResponse", list(notes.values()))
    assert Counter(len(rows) for rows in stored.values()) == {1: CLIENTS}
    assert len({_check_whole(app, response) for (response,) in stored.values()}) == 1

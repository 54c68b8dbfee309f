"""Two people editing the same record: one wins, the other is told; no update is lost."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request

import pytest
from sqlalchemy import select
from werkzeug.serving import make_server

from intake_ai.models import CareAssignment, User
from intake_ai.store.database import session, transaction
from tests.conftest import AuthActions, bearer
from tests.intake_helpers import FULL_INTAKE, review_answers, submit_intake


@pytest.fixture
def shared_client(app, make):  # type: ignore[no-untyped-def]
    """A client in the care of two clinicians, with a stored intake."""
    make.user("clinician", "dr-a")
    make.user("clinician", "dr-b")
    client_id = make.client("dr-a")
    with app.app_context(), transaction():
        other = session().scalars(select(User).where(User.username == "dr-b")).one()
        session().add(CareAssignment(clinician_id=other.id, client_id=client_id))
    web = app.test_client()
    AuthActions(web).login("dr-a")
    submit_intake(web, make.encounter(client_id, "dr-a"), FULL_INTAKE)
    with app.app_context():
        from intake_ai.models import StoredResource

        response_id = (
            session()
            .scalars(
                select(StoredResource.resource_id).where(
                    StoredResource.resource_type == "QuestionnaireResponse"
                )
            )
            .one()
        )
    return client_id, response_id


def test_second_editor_on_the_page_gets_a_conflict_message(app, shared_client) -> None:
    _client_id, response_id = shared_client
    editors = {}
    for name in ("dr-a", "dr-b"):
        editors[name] = app.test_client()
        AuthActions(editors[name]).login(name)
        editors[name].get(f"/intake/{response_id}/edit")  # both open version 1
    changes = {"dr-a": "dpw-every-day", "dr-b": "dpw-1-2"}
    results = {}
    for name, days in changes.items():
        review = editors[name].post(
            f"/intake/{response_id}/edit",
            data={**FULL_INTAKE, "days-per-week": days, "action": "review", "base_version": "1"},
        )
        results[name] = editors[name].post(
            f"/intake/{response_id}/edit",
            data={
                "answers": review_answers(review.get_data(as_text=True)),
                "action": "save",
                "base_version": "1",
                "change_reason": f"{name}: the client corrected the days",
            },
        )
    assert results["dr-a"].status_code == 302
    assert results["dr-b"].status_code == 409
    assert "Someone saved this intake after you opened it" in results["dr-b"].get_data(as_text=True)
    page = editors["dr-a"].get(f"/intake/{response_id}").get_data(as_text=True)
    assert "Every day" in page and "1–2 days" not in page  # dr-a's change, not lost


def test_simultaneous_api_updates_one_wins_the_others_get_412(
    app, app_factory, make, shared_client
) -> None:
    _client_id, response_id = shared_client
    token = make.token("dr-a", "system/*.*")
    live = app_factory()
    server = make_server("127.0.0.1", 0, live, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_port}/fhir"
    try:
        with urllib.request.urlopen(
            urllib.request.Request(
                f"{base}/QuestionnaireResponse/{response_id}", headers=bearer(token)
            )
        ) as reply:
            current = json.load(reply)
        barrier = threading.Barrier(4)
        statuses: list[int] = []

        def update(days: str) -> None:
            body = json.loads(json.dumps(current))
            body["status"] = "amended"
            for section in body["item"]:
                for item in section.get("item", []):
                    if item["linkId"] == "days-per-week":
                        item["answer"] = [{"valueCoding": {"code": days}}]
            request = urllib.request.Request(
                f"{base}/QuestionnaireResponse/{response_id}",
                data=json.dumps(body).encode(),
                method="PUT",
                headers={
                    **bearer(token),
                    "Content-Type": "application/fhir+json",
                    "If-Match": 'W/"1"',
                },
            )
            barrier.wait()
            try:
                with urllib.request.urlopen(request) as reply:
                    statuses.append(reply.status)
            except urllib.error.HTTPError as error:
                statuses.append(error.code)

        workers = [
            threading.Thread(target=update, args=(days,))
            for days in ("dpw-every-day", "dpw-1-2", "dpw-3-4", "dpw-less-than-weekly")
        ]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(timeout=60)
        assert sorted(statuses) == [200, 412, 412, 412], statuses
        with app.app_context():
            from intake_ai.store import resources as resource_store

            rows = resource_store.history("QuestionnaireResponse", response_id)
            assert [r.version_id for r in rows] == [2, 1]  # exactly one update landed
    finally:
        server.shutdown()
        thread.join(timeout=10)

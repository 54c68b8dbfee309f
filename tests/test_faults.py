"""Faults: a database error in the middle of a submission, interrupted exports."""

from __future__ import annotations

import http.client
import json
import logging
import threading
from contextlib import contextmanager

import pytest
from sqlalchemy import event
from sqlalchemy.exc import OperationalError
from werkzeug.serving import make_server

from intake_ai.fhir_api import export
from tests.conftest import bearer
from tests.intake_helpers import FULL_INTAKE, count_clinical, review_answers


@contextmanager
def failing_after_the_response(app):  # type: ignore[no-untyped-def]
    """The database fails on the insert of the Observations, after the response's insert."""
    seen = {"response": False, "failed": False}
    with app.app_context():
        engine = app.extensions["intake_ai"].db.engine

    def before(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        if not statement.startswith("INSERT INTO intake_resource"):
            return

        # However the driver receives the rows (one per call, or all in one flat tuple),
        # the resource types are among the string values.
        def strings(value):  # type: ignore[no-untyped-def]
            if isinstance(value, str):
                yield value
            elif isinstance(value, tuple | list):
                for item in value:
                    yield from strings(item)
            elif isinstance(value, dict):
                for item in value.values():
                    yield from strings(item)

        kinds = set(strings(parameters)) & {"QuestionnaireResponse", "Observation"}

        if "QuestionnaireResponse" in kinds:
            seen["response"] = True
        elif "Observation" in kinds and seen["response"] and not seen["failed"]:
            seen["failed"] = True
            raise OperationalError(statement, None, Exception("injected: disk I/O error"))

    event.listen(engine, "before_cursor_execute", before)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", before)


@pytest.fixture
def first_session(make, app):  # type: ignore[no-untyped-def]
    make.user("clinician", "dr-a")
    client_id = make.client("dr-a")
    return client_id, make.encounter(client_id, "dr-a")


def test_a_database_error_midway_through_a_form_leaves_nothing(
    app, client, auth, first_session
) -> None:
    _client_id, encounter_id = first_session
    auth.login("dr-a")
    review = client.post(
        f"/sessions/{encounter_id}/intake", data={**FULL_INTAKE, "action": "review"}
    )
    carried = review_answers(review.get_data(as_text=True))
    with failing_after_the_response(app) as seen, pytest.raises(OperationalError):
        client.post(f"/sessions/{encounter_id}/intake", data={"answers": carried, "action": "save"})
    assert seen == {"response": True, "failed": True}
    assert count_clinical(app) == {}
    # Nothing half-written blocks a retry: the same answers now store whole.
    saved = client.post(
        f"/sessions/{encounter_id}/intake", data={"answers": carried, "action": "save"}
    )
    assert saved.status_code == 302
    assert count_clinical(app)["QuestionnaireResponse"] == 1


def test_a_database_error_midway_through_an_api_write_is_a_500_outcome_and_logs_no_answers(
    app_factory, first_session, make, caplog
) -> None:
    from tests.test_processes import intake_body

    client_id, encounter_id = first_session
    live = app_factory(TESTING=False)
    make.app = live
    # The intake carries the consent decision: posted with the clinician's own token.
    token = make.token("dr-a", "system/*.*")
    from intake_ai.models import User
    from intake_ai.store.database import session

    with live.app_context():
        author = session().query(User).filter_by(username="dr-a").one().id
    body = intake_body(client_id, encounter_id, author)
    body = body.replace(b"Planned an apology to my sister", b"SECRET-ANSWER-TEXT")
    web = live.test_client()
    with caplog.at_level(logging.DEBUG), failing_after_the_response(live):
        response = web.post(
            "/fhir/QuestionnaireResponse",
            data=body,
            headers={**bearer(token), "Content-Type": "application/fhir+json"},
        )
    assert response.status_code == 500
    assert response.json["issue"][0]["code"] == "exception"
    assert "nothing was stored" in response.json["issue"][0]["diagnostics"]
    assert count_clinical(live) == {}
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "OperationalError" in logged  # the failure is logged ...
    assert "SECRET-ANSWER-TEXT" not in logged and "sister" not in logged  # ... its content not


def test_an_interrupted_download_restarts_into_a_complete_file(app_factory, world) -> None:
    live = app_factory()
    server = make_server("127.0.0.1", 0, live, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:

        def get(path: str, headers: dict[str, str]) -> http.client.HTTPResponse:
            connection = http.client.HTTPConnection("127.0.0.1", server.server_port, timeout=30)
            connection.request("GET", path, headers=headers)
            return connection.getresponse()

        kick = get(
            "/fhir/$export?_type=Observation", {**world.integrator, "Prefer": "respond-async"}
        )
        status_path = kick.getheader("Content-Location").split(str(server.server_port), 1)[1]
        manifest = json.loads(get(status_path, world.integrator).read())
        [output] = manifest["output"]
        file_path = output["url"].split(str(server.server_port), 1)[1]
        partial = get(file_path, world.integrator)
        assert partial.status == 200
        head = partial.read(3000)  # the connection drops after a few kilobytes
        partial.close()
        complete = get(file_path, world.integrator).read()
        assert complete.startswith(head)
        lines = complete.splitlines()
        assert len(lines) == output["count"]
        assert all(json.loads(line)["resourceType"] == "Observation" for line in lines)
    finally:
        server.shutdown()
        thread.join(timeout=10)


def test_an_interrupted_cli_export_leaves_no_short_file_and_reruns_complete(
    app, world, runner, tmp_path, monkeypatch
) -> None:
    original = export.stream

    def breaks_after_one_chunk(clauses):  # type: ignore[no-untyped-def]
        iterator = original(clauses)
        yield next(iterator)
        # The failure arises inside the real reader, as a lost connection would.
        iterator.throw(OSError("the connection to the database was lost"))

    monkeypatch.setattr(export, "stream", breaks_after_one_chunk)
    broken = runner.invoke(args=["export", "--out", str(tmp_path), "--type", "Observation"])
    assert broken.exit_code != 0
    assert list(tmp_path.iterdir()) == []  # neither a short file nor a .partial one
    monkeypatch.setattr(export, "stream", original)
    fine = runner.invoke(args=["export", "--out", str(tmp_path), "--type", "Observation"])
    assert fine.exit_code == 0, fine.output
    lines = (tmp_path / "Observation.ndjson").read_text().splitlines()
    assert len(lines) == int(fine.stdout.split()[0])

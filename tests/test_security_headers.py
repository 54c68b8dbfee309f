"""Security headers on every response of the module, error pages included; "not found" for
another clinician's records exactly as for missing ones; private files created 0600."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from sqlalchemy import select

from intake_ai import create_app
from intake_ai.models import AuditRecord
from intake_ai.store import migrate
from intake_ai.store.database import session, transaction
from intake_ai.store.private_files import instance_secret
from tests.api_world import World
from tests.conftest import AuthActions, base_config
from tests.test_audit_every_request import _current

HEADERS = (
    "Content-Security-Policy",
    "X-Content-Type-Options",
    "Referrer-Policy",
    "X-Frame-Options",
)
HUGE = "9" * 30


def _assert_secured(response, where: str) -> None:  # type: ignore[no-untyped-def]
    missing = [name for name in HEADERS if name not in response.headers]
    assert missing == [], (where, response.status_code, missing)
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_every_kind_of_error_response_carries_the_headers(app, client, world: World) -> None:
    web = app.test_client()
    AuthActions(web).login("dr-a")
    app.config["INTAKE_AI_MAX_FORM_BODY"] = 100
    cases = {
        "page 404 (unknown id)": web.get("/clients/999999"),
        "page 404 (no route takes it)": web.get(f"/clients/{HUGE}"),
        "page 404 (unknown path)": web.get("/clients/1/nothing-here"),
        "page 405": web.put("/clients"),
        "page 413": web.post("/clients/new", data={"display_name": "x" * 500}),
        "page 400 (unreadable text)": web.get("/supervision?clinician=%00"),
        "page 410 or 404": web.get("/notes/no-such-note"),
        "redirect to sign-in": client.get(f"/clients/{world.agreed}"),
        "API 401": client.get("/fhir/Observation"),
        "API 404": client.get("/fhir/Observation/nope", headers=world.integrator),
        "API 404 (no route)": client.get("/fhir/Nothing", headers=world.integrator),
        "API 405": client.delete("/fhir/Observation/x", headers=world.integrator),
        "API 400": client.get("/fhir/Observation?bogus=1", headers=world.integrator),
        "static 404": client.get("/intake-ai-static/none.css"),
    }
    for where, response in cases.items():
        assert response.status_code >= 300, where
        _assert_secured(response, where)
    assert cases["page 405"].status_code == 405
    assert cases["page 413"].status_code == 413
    assert "Allow" in cases["page 405"].headers
    assert cases["page 404 (no route takes it)"].mimetype == "text/html"
    assert "intake_ai" in cases["page 404 (no route takes it)"].get_data(as_text=True)
    assert cases["API 404 (no route)"].json["resourceType"] == "OperationOutcome"
    assert cases["API 401"].headers["Cache-Control"] == "no-store"


def test_csrf_refusals_carry_the_headers_and_are_audited(app_factory, make) -> None:
    app = app_factory(WTF_CSRF_ENABLED=True)
    make.app = app
    make.user("clinician", "dr-a")
    web = app.test_client()
    page = web.get("/login").get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    login = {"username": "dr-a", "password": "correct-horse-1", "csrf_token": token}
    assert web.post("/login", data=login).status_code == 302
    refused = web.post("/clients/new", data={"ehr_patient_id": "P1", "display_name": "X"})
    assert refused.status_code == 400
    _assert_secured(refused, "CSRF 400")
    with app.app_context():
        entry = session().scalars(select(AuditRecord).order_by(AuditRecord.id.desc())).first()
    assert entry is not None
    assert (entry.entity, entry.outcome, entry.agent_name) == ("/clients/new", "4", "dr-a")
    assert "form expired" in (entry.detail or "")


def test_server_errors_carry_the_headers_and_are_audited(app_factory, make, monkeypatch) -> None:
    app = app_factory(TESTING=False)
    make.app = app
    make.user("clinician", "dr-a")
    token = make.token("dr-a", "system/*.read")

    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("the database went away")

    monkeypatch.setattr("intake_ai.clients.worklist.worklist", broken)
    monkeypatch.setattr("intake_ai.fhir_api.service.search", broken)
    web = app.test_client()
    AuthActions(web).login("dr-a")
    page = web.get("/clients")
    assert page.status_code == 500
    assert "nothing was saved" in page.get_data(as_text=True)
    _assert_secured(page, "page 500")
    api = web.get("/fhir/Observation", headers={"Authorization": f"Bearer {token}"})
    assert api.status_code == 500
    _assert_secured(api, "API 500")
    with app.app_context():
        outcomes = (
            session().scalars(select(AuditRecord.outcome).where(AuditRecord.outcome == "8")).all()
        )
    assert len(outcomes) == 2


@pytest.mark.parametrize(
    "setting",
    [{"SESSION_COOKIE_SECURE": True}, {"INTAKE_AI_PUBLIC_URL": "https://ehr.example.org"}],
)
def test_hsts_where_the_module_is_reached_over_https(app_factory, setting) -> None:
    secure = app_factory(**setting).test_client()
    for response in (secure.get("/login"), secure.get("/fhir/nothing"), secure.get("/clients")):
        assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_no_hsts_over_plain_http(client) -> None:
    assert "Strict-Transport-Security" not in client.get("/login").headers


def test_another_clinicians_records_read_exactly_as_missing_ones(app, world: World) -> None:
    web = app.test_client()
    AuthActions(web).login("dr-b")  # world.agreed is dr-a's client
    response_id = _current(app, "QuestionnaireResponse", world.agreed)
    flag = _current(app, "Flag", world.agreed)
    pairs = [
        (f"/clients/{world.agreed}", "/clients/999999"),
        (f"/sessions/{world.encounters['open']}/intake", "/sessions/999999/intake"),
        (f"/sessions/{world.encounters['open']}/note", "/sessions/999999/note"),
        (f"/intake/{response_id}", "/intake/no-such-record"),
        (f"/intake/{response_id}/edit", "/intake/no-such-record/edit"),
        (f"/records/QuestionnaireResponse/{response_id}/history", "/records/Flag/none/history"),
        (f"/flags/{flag}/acknowledge", "/flags/no-such-flag/acknowledge"),
        (f"/clients/{world.agreed}/flags/new", "/clients/999999/flags/new"),
    ]
    for theirs, missing in pairs:
        hidden, absent = web.get(theirs), web.get(missing)
        assert hidden.status_code == absent.status_code == 404, (theirs, hidden.status_code)
        assert hidden.get_data() == absent.get_data(), theirs
    # A supervisor who sees the client is told why a change is refused (nothing to hide).
    sup = app.test_client()
    AuthActions(sup).login("sup")
    assert sup.get(f"/intake/{response_id}/edit").status_code == 403


def test_the_sqlite_file_and_the_secret_are_readable_by_the_owner_only(tmp_path: Path) -> None:
    database = tmp_path / "clinic.sqlite3"
    old_umask = os.umask(0o000)  # the most permissive: the module must not rely on it
    try:
        app = create_app(base_config(f"sqlite:///{database}"))
        with app.app_context():
            migrate.upgrade()
            with transaction():
                from intake_ai import directory
                from intake_ai.models import Role

                directory.create_user("dr-x", "Dr X", Role.CLINICIAN, None)
            app.extensions["intake_ai"].db.engine.dispose()
        secret_folder = tmp_path / "instance"
        secret_folder.mkdir()
        instance_secret(secret_folder)
    finally:
        os.umask(old_umask)
    for path in [database, *tmp_path.glob("clinic.sqlite3-*"), secret_folder / "secret_key"]:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path


def test_an_existing_secret_readable_by_others_is_tightened(tmp_path: Path) -> None:
    path = tmp_path / "secret_key"
    path.write_text("k" * 64)
    path.chmod(0o644)
    assert instance_secret(tmp_path) == "k" * 64
    assert stat.S_IMODE(path.stat().st_mode) == 0o600

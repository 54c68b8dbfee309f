"""A host EHR mounts the module into its own Flask app, with its own database and login."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from flask import Flask, g
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import inspect

from intake_ai import IntakeAI
from intake_ai.store import migrate
from intake_ai.store.database import transaction


def make_host(database_url: str, **intake_kwargs) -> tuple[Flask, SQLAlchemy]:
    host = Flask("host_ehr")
    host.config.update(
        SECRET_KEY="host-secret",
        SQLALCHEMY_DATABASE_URI=database_url,
        TESTING=True,
        WTF_CSRF_ENABLED=False,
        INTAKE_AI_URL_PREFIX="/intake-ai",
        INTAKE_AI_FHIR_BASE="/ehr/fhir",
        INTAKE_AI_CLI_GROUP="intake-ai",
        INTAKE_AI_PASSWORD_HASH_METHOD="pbkdf2:sha256:1000",
    )
    db = SQLAlchemy()
    db.init_app(host)

    @host.route("/")
    def host_home() -> str:
        return "host EHR home"

    IntakeAI(host, db=db, **intake_kwargs)
    return host, db


def test_host_with_its_own_login_mounts_the_module(tmp_path) -> None:
    from intake_ai import directory
    from intake_ai.models import Role

    host, db = make_host(
        f"sqlite:///{tmp_path}/host.sqlite3", current_user=lambda: g.get("host_user")
    )
    with host.app_context():
        migrate.upgrade()
        assert "intake_client" in inspect(db.engine).get_table_names()
        with transaction():
            user = directory.create_user("host-dr", "Dr Host", Role.CLINICIAN, None)
            user_id = user.id

    @host.before_request
    def _host_login() -> None:
        from intake_ai.models import User
        from intake_ai.store.database import session

        g.host_user = session().get(User, user_id)

    web = host.test_client()
    assert web.get("/").data == b"host EHR home"
    page = web.get("/intake-ai/clients")
    assert page.status_code == 200
    assert b"My clients" in page.data
    with web.get("/intake-ai/intake-ai-static/css/intake_ai.css") as css:
        assert css.status_code == 200
    assert web.get("/ehr/fhir/metadata").status_code == 200
    # The module's own login pages are not installed when the host signs people in.
    assert web.get("/intake-ai/login").status_code == 404
    # The host's error pages stay the host's: an unknown host URL is Flask's plain 404.
    assert b"intake_ai" not in web.get("/nowhere").data
    result = host.test_cli_runner().invoke(args=["intake-ai", "upgrade"])
    assert result.exit_code == 0, result.output


def test_host_without_login_gets_the_module_sign_in(tmp_path) -> None:
    host, _db = make_host(f"sqlite:///{tmp_path}/host2.sqlite3")
    with host.app_context():
        migrate.upgrade()
    response = host.test_client().get("/intake-ai/clients")
    assert response.status_code == 302
    assert "/intake-ai/login" in response.headers["Location"]


def test_host_with_a_login_manager_must_say_who_the_user_is(tmp_path) -> None:
    from flask_login import LoginManager

    host = Flask("host_with_login")
    host.config.update(SECRET_KEY="x", SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/h.db")
    LoginManager(host)
    with pytest.raises(RuntimeError, match="current_user"):
        IntakeAI(host)


def test_module_finds_the_hosts_sqlalchemy_without_being_told(tmp_path) -> None:
    host = Flask("host_db")
    host.config.update(SECRET_KEY="x", SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/h3.db")
    db = SQLAlchemy(host)
    IntakeAI(host)
    assert host.extensions["intake_ai"].db is db


def test_encounter_times_are_kept_in_utc(app) -> None:
    from intake_ai.store.database import UTCDateTime

    moment = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
    column = UTCDateTime()
    with app.app_context():
        dialect = app.extensions["intake_ai"].db.engine.dialect
    stored = column.process_bind_param(moment, dialect)
    assert column.process_result_value(stored, dialect) == moment
    with pytest.raises(ValueError):
        column.process_bind_param(datetime(2026, 3, 1, 9, 30), dialect)

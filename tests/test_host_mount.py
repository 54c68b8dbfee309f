"""A host EHR mounts the module into its own Flask app, with its own database and login.

The README's mounting snippet is run here exactly as it stands (taken from README.md), in a
minimal host with its own Flask-Login sign-in: signed out, or signed in without an intake_ai
user, the pages send people to the host's sign-in; signing in there opens them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask, g, redirect, render_template_string, request
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import inspect, select

from intake_ai import IntakeAI
from intake_ai.store import migrate
from intake_ai.store.database import transaction
from tests.conftest import PASSWORD


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


README = Path(__file__).resolve().parents[1] / "README.md"
HOST_LOGIN_PAGE = """<form method="post"><input type="hidden" name="csrf_token"
 value="{{ csrf_token() }}"><input name="username"><button>Sign in</button></form>"""


def readme_mount_snippet() -> str:
    section = README.read_text().split("## Mounting in a host EHR", 1)[1]
    match = re.search(r"```python\n(.*?)```", section, re.S)
    assert match, "README.md lost its mounting snippet"
    return match.group(1)


class HostUser:
    """The host's own user, known to Flask-Login (kept in memory: the host is not under test)."""

    is_active = True
    is_anonymous = False
    is_authenticated = True

    def __init__(self, username: str) -> None:
        self.username = username

    def get_id(self) -> str:
        return self.username


def lookup_intake_user(host_user: Any) -> Any:
    """What a host supplies: its signed-in user -> the intake_ai User standing for them."""
    from intake_ai.models import User
    from intake_ai.store.database import session

    if not host_user.is_authenticated:
        return None
    return session().scalars(select(User).where(User.username == host_user.username)).first()


@pytest.fixture
def readme_host(app, migrated: str, monkeypatch, tmp_path: Path) -> Iterator[Flask]:  # type: ignore[no-untyped-def]
    """The README snippet run as written, then the host's own sign-in around it. (``app``
    only empties the tables afterwards.)"""
    from flask_login import LoginManager, login_user

    monkeypatch.chdir(tmp_path)  # the host's instance folder lands here
    monkeypatch.setenv("DATABASE_URL", migrated)
    monkeypatch.delenv("INTAKE_AI_SECRET_KEY", raising=False)
    namespace: dict[str, Any] = {"__name__": "host_ehr", "lookup_intake_user": lookup_intake_user}
    exec(compile(readme_mount_snippet(), "README.md", "exec"), namespace)  # noqa: S102
    host: Flask = namespace["app"]
    host.config["INTAKE_AI_PASSWORD_HASH_METHOD"] = "pbkdf2:sha256:1000"
    # Read audits move into the table at the end of each request, as in every test app: a
    # drain thread outliving the test would race the next test's emptying of the tables.
    host.config["INTAKE_AI_AUDIT_DRAIN_SECONDS"] = 0

    manager = LoginManager(host)
    manager.login_view = "host_login"
    manager.user_loader(HostUser)

    @host.route("/login", methods=["GET", "POST"])
    def host_login() -> Any:
        if request.method == "POST":
            login_user(HostUser(request.form["username"]))
            return redirect(request.args.get("next") or "/")
        return render_template_string(HOST_LOGIN_PAGE)

    yield host
    with host.app_context():
        namespace["db"].engine.dispose()  # the host's pool, on the test database


def _sign_in_through_the_host(web, username: str, next_url: str) -> Any:  # type: ignore[no-untyped-def]
    page = web.get(next_url).get_data(as_text=True)
    token = re.search(r'name="csrf_token"\s+value="([^"]+)"', page)
    assert token, page
    return web.post(next_url, data={"username": username, "csrf_token": token.group(1)})


def test_the_readme_snippet_mounts_the_module_and_signs_in_through_the_host(
    readme_host: Flask, tmp_path: Path
) -> None:
    from intake_ai import directory
    from intake_ai.models import Role

    with readme_host.app_context(), transaction():
        directory.create_user("dr-host", "Dr Host", Role.CLINICIAN, None)
    web = readme_host.test_client()
    asked = web.get("/intake-ai/clients")
    assert asked.status_code == 302  # the host's sign-in, never a bare 401
    login = urlsplit(asked.headers["Location"])
    assert login.path == "/login" and parse_qs(login.query)["next"] == ["/intake-ai/clients"]
    # The host had no SECRET_KEY: its sign-in needs a session, its form a CSRF token.
    signed_in = _sign_in_through_the_host(web, "dr-host", asked.headers["Location"])
    assert signed_in.status_code == 302 and signed_in.headers["Location"] == "/intake-ai/clients"
    page = web.get("/intake-ai/clients")
    assert page.status_code == 200 and b"Dr Host (clinician)" in page.data
    kept = (tmp_path / "instance" / "secret_key").read_text().strip()
    assert readme_host.secret_key == kept and len(kept) == 64


def test_a_host_user_without_an_intake_user_is_sent_to_the_hosts_sign_in(
    readme_host: Flask,
) -> None:
    web = readme_host.test_client()
    _sign_in_through_the_host(web, "receptionist", "/login")
    assert web.get("/").status_code == 404  # signed in to the host, which has no home page
    asked = web.get("/intake-ai/clients?page=2")
    assert asked.status_code == 302
    assert parse_qs(urlsplit(asked.headers["Location"]).query)["next"] == [
        "/intake-ai/clients?page=2"
    ]


def test_intake_ai_secret_key_is_honoured_in_a_host(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("INTAKE_AI_SECRET_KEY", "from-the-environment")
    host = Flask("host_env_secret")
    host.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{tmp_path}/h.db"
    IntakeAI(host, current_user=lambda: None)
    assert host.secret_key == "from-the-environment"
    configured = Flask("host_config_secret")
    configured.config.update(
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/h.db", INTAKE_AI_SECRET_KEY="configured"
    )
    IntakeAI(configured, current_user=lambda: None)
    assert configured.secret_key == "configured"  # the app's config wins over the environment
    own = Flask("host_own_secret")
    own.config.update(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/h.db", SECRET_KEY="host's")
    IntakeAI(own, current_user=lambda: None)
    assert own.secret_key == "host's"  # a host's own key stays
    assert not (tmp_path / "instance").exists()


def test_a_host_without_a_secret_key_can_use_the_module_sign_in(
    app, migrated: str, make, monkeypatch, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("INTAKE_AI_SECRET_KEY", raising=False)
    host = Flask("host_module_login")
    host.config.update(
        SQLALCHEMY_DATABASE_URI=migrated,
        WTF_CSRF_ENABLED=False,
        INTAKE_AI_PASSWORD_HASH_METHOD="pbkdf2:sha256:1000",
    )
    db = SQLAlchemy(host)
    IntakeAI(host, db=db)
    make.user("clinician", "dr-own")
    try:
        signed_in = host.test_client().post(
            "/login", data={"username": "dr-own", "password": PASSWORD}
        )
        assert signed_in.status_code == 302  # was a 500: no secret key to sign the session
    finally:
        with host.app_context():
            db.engine.dispose()  # the host's pool, on the test database


def test_login_url_setting_names_the_hosts_sign_in(tmp_path: Path) -> None:
    host, _db = make_host(
        f"sqlite:///{tmp_path}/h4.sqlite3",
        current_user=lambda: None,
    )
    host.config["INTAKE_AI_LOGIN_URL"] = "https://ehr.example/sso/start"
    asked = host.test_client().get("/intake-ai/supervision?from=2026-01-01")
    assert asked.status_code == 302
    target = urlsplit(asked.headers["Location"])
    assert (target.netloc, target.path) == ("ehr.example", "/sso/start")
    assert parse_qs(target.query)["next"] == ["/intake-ai/supervision?from=2026-01-01"]


def test_a_host_naming_no_sign_in_gets_a_page_saying_so(tmp_path: Path) -> None:
    host, _db = make_host(f"sqlite:///{tmp_path}/h5.sqlite3", current_user=lambda: None)
    asked = host.test_client().get("/intake-ai/clients")
    assert asked.status_code == 401
    assert b"Sign in to the health record first" in asked.data
    assert b"Content-Security-Policy" not in asked.data and asked.headers["Content-Security-Policy"]

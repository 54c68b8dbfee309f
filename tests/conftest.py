"""Fixtures: a real database (SQLite by default, PostgreSQL when INTAKE_AI_DATABASE_URL names
one), the app, a test client, and small factories for people, clients and tokens.

On PostgreSQL the suite creates a throwaway database next to the given one and drops it at
the end, so runs never see each other's rows.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import settings
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from intake_ai import create_app
from intake_ai.store import migrate
from intake_ai.store.database import Base, session, transaction

#: Fixtures defined beside their helpers (the `world` clinic of the API tests).
pytest_plugins = ["tests.api_world"]

# The same examples on every run, so the suite's verdict never depends on luck; run with
# HYPOTHESIS_PROFILE=explore to search afresh with ten times as many.
settings.register_profile("repeatable", derandomize=True, database=None, deadline=None)
settings.register_profile("explore", max_examples=1000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "repeatable"))

GIVEN_URL = os.environ.get("INTAKE_AI_DATABASE_URL", "")


ON_POSTGRES = GIVEN_URL.startswith("postgresql")
PASSWORD = "correct-horse-1"


def base_config(database_url: str) -> dict[str, Any]:
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "INTAKE_AI_DATABASE_URL": database_url,
        "WTF_CSRF_ENABLED": False,
        "INTAKE_AI_PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        # The test client and the browser tests speak plain HTTP.
        "INTAKE_AI_SECURE_COOKIES": False,
        # Every resource any test writes is validated with fhir.resources before storing.
        "INTAKE_AI_VALIDATE_STORED": True,
        # Tests read the audit table right after a request: journaled reads move there at
        # the end of each request rather than in the background.
        "INTAKE_AI_AUDIT_DRAIN_SECONDS": 0,
    }


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if ON_POSTGRES:
        url = make_url(GIVEN_URL)
        name = f"intake_ai_test_{uuid.uuid4().hex[:10]}"
        admin = create_engine(url, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        yield url.set(database=name).render_as_string(hide_password=False)
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    else:
        yield f"sqlite:///{tmp_path_factory.mktemp('db')}/test.sqlite3"


@pytest.fixture(scope="session")
def migrated(database_url: str) -> str:
    """The schema, built by the real migrations once per run."""
    app = create_app(base_config(database_url))
    with app.app_context():
        migrate.upgrade()
        app.extensions["intake_ai"].db.engine.dispose()
    return database_url


def empty_all_tables(app: Flask) -> None:
    with app.app_context():
        engine = app.extensions["intake_ai"].db.engine
        tables = [t.name for t in Base.metadata.sorted_tables]
        with engine.begin() as connection:
            if engine.dialect.name == "postgresql":
                connection.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
            else:
                for name in reversed(tables):
                    connection.execute(text(f"DELETE FROM {name}"))


@pytest.fixture
def app(migrated: str) -> Iterator[Flask]:
    app = create_app(base_config(migrated))
    yield app
    empty_all_tables(app)
    with app.app_context():
        app.extensions["intake_ai"].db.engine.dispose()


@pytest.fixture
def app_factory(migrated: str) -> Iterator[Any]:
    """Build extra apps on the test database (other settings); their pools are closed after."""
    built: list[Flask] = []

    def build(**overrides: Any) -> Flask:
        extra = create_app(base_config(migrated) | overrides)
        built.append(extra)
        return extra

    yield build
    for extra in built:
        with extra.app_context():
            extra.extensions["intake_ai"].db.engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask):  # type: ignore[no-untyped-def]
    return app.test_cli_runner()


class Make:
    """Creates people, clients, sessions and tokens through the module's own services."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self._n = 0

    def _name(self, prefix: str) -> str:
        self._n += 1
        return f"{prefix}-{self._n}"

    def user(
        self,
        role: str = "clinician",
        username: str | None = None,
        supervisor: str | None = None,
        password: str | None = PASSWORD,
    ) -> str:
        from intake_ai import directory
        from intake_ai.models import Role

        username = username or self._name(role)
        with self.app.app_context(), transaction():
            user = directory.create_user(username, username.title(), Role(role), password)
            if supervisor:
                directory.assign_supervisor(directory.find_user(supervisor), user)
        return username

    def client(self, clinician: str, ehr_id: str | None = None, minor: bool = False) -> int:
        from intake_ai import directory

        with self.app.app_context(), transaction():
            client = directory.create_client(
                ehr_id or self._name("EHR"),
                f"Client {self._n}",
                directory.find_user(clinician),
                minor,
            )
            return client.id

    def encounter(
        self, client_id: int, clinician: str, start: datetime | None = None, kind: str | None = None
    ) -> int:
        from intake_ai import directory
        from intake_ai.models import Client, EncounterKind

        with self.app.app_context(), transaction():
            client = session().get(Client, client_id)
            assert client is not None
            if kind is None:
                kind = "session" if client.encounters else "intake"
            encounter = directory.create_encounter(
                client,
                directory.find_user(clinician),
                start or datetime.now(UTC),
                EncounterKind(kind),
            )
            return encounter.id

    def token(self, username: str, *scopes: str) -> str:
        from intake_ai import directory
        from intake_ai.auth.tokens import issue_token

        with self.app.app_context(), transaction():
            _row, secret = issue_token(
                directory.find_user(username), "test", list(scopes) or ["system/*.read"]
            )
        return secret


@pytest.fixture
def make(app: Flask) -> Make:
    return Make(app)


class AuthActions:
    def __init__(self, client: FlaskClient) -> None:
        self._client = client

    def login(self, username: str, password: str = PASSWORD) -> Any:
        return self._client.post("/login", data={"username": username, "password": password})

    def logout(self) -> Any:
        return self._client.post("/logout")


@pytest.fixture
def auth(client: FlaskClient) -> AuthActions:
    return AuthActions(client)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def postgres_server_url() -> str | None:
    """A PostgreSQL server for tests that need one beside the suite's database, if reachable.

    INTAKE_AI_TEST_PG_URL names it (CI sets it); otherwise the suite's own URL if that is
    PostgreSQL, else the local default server when it answers.
    """
    for candidate in (
        os.environ.get("INTAKE_AI_TEST_PG_URL"),
        GIVEN_URL if ON_POSTGRES else None,
        "postgresql+psycopg://postgres@127.0.0.1:5432/test",
    ):
        if not candidate:
            continue
        try:
            engine = create_engine(candidate, connect_args={"connect_timeout": 2})
            with engine.connect():
                pass
            engine.dispose()
            return candidate
        except Exception:  # noqa: BLE001 - any failure means "no server here"
            continue
    return None


def fresh_database(server_url: str | None, folder) -> tuple[str, Any]:  # type: ignore[no-untyped-def]
    """A new empty database: on the PostgreSQL server if given, else a SQLite file."""
    if server_url is None:
        return f"sqlite:///{folder}/fresh-{uuid.uuid4().hex[:6]}.sqlite3", lambda: None
    url = make_url(server_url)
    name = f"intake_ai_fresh_{uuid.uuid4().hex[:8]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return url.set(database=name).render_as_string(hide_password=False), drop

"""A bearer token is checked afresh on every call: revoked, expired, or its user disabled
between two requests on the same keep-alive connection to the shipped server, the next
request is refused at once (nothing about a token outlives a change to it)."""

from __future__ import annotations

import http.client
import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from flask import Flask

from intake_ai import directory
from intake_ai.accounts import api_tokens
from intake_ai.accounts.service import CommandLine, set_active
from intake_ai.models import ApiToken
from intake_ai.store.database import session, transaction, utcnow
from tests.conftest import Make, bearer
from tests.test_audit_journal import _server

pytestmark = pytest.mark.slow


class _Connection:
    """One HTTP/1.1 connection, kept alive across requests; fails if it is ever reopened."""

    def __init__(self, base: str) -> None:
        parts = urlsplit(base)
        self.path = parts.path
        self.http = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=20)
        self.socket: object = None

    def get(self, path: str, token: str) -> tuple[int, bytes]:
        headers = {**bearer(token), "Accept": "application/fhir+json"}
        self.http.request("GET", self.path + path, headers=headers)
        reply = self.http.getresponse()
        body = reply.read()
        assert not reply.will_close, "the server closed the connection"
        if self.socket is None:
            self.socket = self.http.sock
        assert self.http.sock is self.socket, "the connection was reopened"
        return reply.status, body


@contextmanager
def _connection(migrated: str, tmp_path) -> Iterator[_Connection]:  # type: ignore[no-untyped-def]
    with _server(migrated, tmp_path / "journal") as (base, _process):
        connection = _Connection(base)
        try:
            yield connection
        finally:
            connection.http.close()


def _questionnaire(connection: _Connection, token: str) -> str:
    """A readable resource's path: a published Questionnaire."""
    status, body = connection.get("/Questionnaire?_count=1", token)
    assert status == 200
    return "/Questionnaire/" + json.loads(body)["entry"][0]["resource"]["id"]


def _token_id(app: Flask, username: str) -> int:
    with app.app_context():
        user = directory.find_user(username)
        return session().query(ApiToken.id).filter(ApiToken.user_id == user.id).scalar()


def test_a_token_revoked_between_two_calls_is_refused_on_the_next(
    app: Flask, make: Make, migrated: str, tmp_path
) -> None:
    integrator = make.user("integrator")
    token = make.token(integrator)
    with _connection(migrated, tmp_path) as connection:
        path = _questionnaire(connection, token)
        assert connection.get(path, token)[0] == 200
        with app.app_context(), transaction():
            api_tokens.revoke(CommandLine(), _token_id(app, integrator))
        status, body = connection.get(path, token)
        assert status == 401 and json.loads(body)["resourceType"] == "OperationOutcome"
        assert connection.get("/Questionnaire?_count=1", token)[0] == 401


def test_a_user_disabled_between_two_calls_is_refused_until_reactivated(
    app: Flask, make: Make, migrated: str, tmp_path
) -> None:
    integrator = make.user("integrator")
    token = make.token(integrator)
    with _connection(migrated, tmp_path) as connection:
        path = _questionnaire(connection, token)
        for active, expected in ((False, 401), (True, 200), (False, 401)):
            with app.app_context(), transaction():
                set_active(CommandLine(), directory.find_user(integrator), active)
            # Twice: the server's threads each answer one, and none may remember the token.
            assert [connection.get(path, token)[0] for _ in range(2)] == [expected] * 2


def test_a_token_that_expires_between_two_calls_is_refused_on_the_next(
    app: Flask, make: Make, migrated: str, tmp_path
) -> None:
    integrator = make.user("integrator")
    token = make.token(integrator)
    with _connection(migrated, tmp_path) as connection:
        path = _questionnaire(connection, token)
        assert connection.get(path, token)[0] == 200
        with app.app_context(), transaction():
            row = session().get(ApiToken, _token_id(app, integrator))
            assert row is not None
            row.expires_at = utcnow() - timedelta(seconds=1)
        assert connection.get(path, token)[0] == 401

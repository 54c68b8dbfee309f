"""Request bodies are bounded before anything reads them, on every route of the module, and
only there: a host EHR's own routes keep their own limits."""

from __future__ import annotations

from typing import Any

from flask import Flask, request
from sqlalchemy import select
from werkzeug.test import EnvironBuilder, run_wsgi_app

from intake_ai.models import AuditRecord
from intake_ai.store.database import session
from tests.conftest import bearer
from tests.test_host_mount import make_host

MEGABYTE = 1_000_000


class EndlessBody:
    """A request body of ``size`` bytes that is never held in memory; counts what is read."""

    def __init__(self, size: int, chunk: bytes = b"a") -> None:
        self.size = size
        self.read_so_far = 0
        self._chunk = chunk

    def read(self, n: int = -1) -> bytes:
        left = self.size - self.read_so_far
        n = left if n is None or n < 0 else min(n, left)
        self.read_so_far += n
        return self._chunk * n

    def readline(self, limit: int = -1) -> bytes:
        return self.read(limit if limit and limit > 0 else 65536)


def _environ(
    path: str, body: EndlessBody, *, declared: bool, headers: dict[str, str] | None = None
) -> dict[str, Any]:
    environ = EnvironBuilder(
        path=path,
        method="POST",
        headers=headers or {},
        content_type="application/x-www-form-urlencoded",
    ).get_environ()
    environ["wsgi.input"] = body
    if declared:
        environ["CONTENT_LENGTH"] = str(body.size)
    else:  # chunked: no length, the server says where the body ends
        environ.pop("CONTENT_LENGTH", None)
        environ["HTTP_TRANSFER_ENCODING"] = "chunked"
        environ["wsgi.input_terminated"] = True
    return environ


def _send(app: Flask, environ: dict[str, Any]) -> Any:
    """Call the app as a WSGI server would (the test client would measure the stream)."""
    body, status, headers = run_wsgi_app(app, environ, buffered=True)
    return app.response_class(b"".join(body), status=status, headers=headers)


def test_a_200_megabyte_form_is_refused_without_being_read(app, client) -> None:
    body = EndlessBody(200 * MEGABYTE)
    response = _send(app, _environ("/login", body, declared=True))
    assert response.status_code == 413
    assert "Too large" in response.get_data(as_text=True)
    assert response.headers["Content-Security-Policy"]
    assert body.read_so_far == 0
    with app.app_context():
        entry = session().scalars(select(AuditRecord)).one()
    assert (entry.entity, entry.outcome) == ("/login", "4")


def test_a_chunked_body_stops_at_the_limit(app, client) -> None:
    limit = app.config["INTAKE_AI_MAX_FORM_BODY"]
    body = EndlessBody(200 * MEGABYTE)
    response = _send(app, _environ("/login", body, declared=False))
    assert response.status_code == 413
    assert body.read_so_far <= limit + 64 * 1024
    # One byte over the limit is over it: never cut off and parsed as if complete.
    body = EndlessBody(limit + 1)
    assert _send(app, _environ("/login", body, declared=False)).status_code == 413
    body = EndlessBody(200 * MEGABYTE)
    response = _send(app, _environ("/clients/new", body, declared=False))
    assert response.status_code == 413
    assert body.read_so_far <= limit + 64 * 1024


def test_api_bodies_are_bounded_before_authentication(app, client, make) -> None:
    limit = app.config["INTAKE_AI_FHIR_MAX_BODY"]
    body = EndlessBody(50 * MEGABYTE)
    environ = _environ("/fhir/QuestionnaireResponse", body, declared=True)
    environ["CONTENT_TYPE"] = "application/fhir+json"
    response = _send(app, environ)
    assert response.status_code == 413
    assert response.json["issue"][0]["code"] == "too-long"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert body.read_so_far == 0
    # A chunked body is bounded as it is read, by a caller that got past authentication.
    make.user("clinician", "dr-a")
    token = make.token("dr-a", "system/*.read", "system/*.write")
    for path, kind in (
        ("/fhir/QuestionnaireResponse", "application/fhir+json"),
        ("/fhir/Observation/_search", "application/x-www-form-urlencoded"),
    ):
        body = EndlessBody(50 * MEGABYTE)
        environ = _environ(path, body, declared=False, headers=bearer(token))
        environ["CONTENT_TYPE"] = kind
        response = _send(app, environ)
        assert response.status_code == 413, path
        assert response.json["issue"][0]["code"] == "too-long"
        assert body.read_so_far <= limit + 64 * 1024


def test_pages_take_forms_under_their_limit(app, client) -> None:
    app.config["INTAKE_AI_MAX_FORM_BODY"] = 5000
    refused = client.post("/login", data={"username": "x" * 6000, "password": "y"})
    assert refused.status_code == 413
    taken = client.post("/login", data={"username": "x" * 100, "password": "y"})
    assert taken.status_code != 413


def test_the_hosts_own_routes_keep_their_own_limits(tmp_path) -> None:
    host, _db = make_host(f"sqlite:///{tmp_path}/limits.sqlite3")
    with host.app_context():
        from intake_ai.store import migrate

        migrate.upgrade()

    @host.post("/upload")
    def upload() -> str:
        return str(len(request.get_data()))

    web = host.test_client()
    big = b"a" * (3 * MEGABYTE)
    assert web.post("/upload", data=big).get_data() == str(len(big)).encode()
    refused = web.post(
        "/intake-ai/login", data=big, content_type="application/x-www-form-urlencoded"
    )
    assert refused.status_code == 413


def test_the_limits_are_configured(app: Flask) -> None:
    assert app.config["INTAKE_AI_MAX_FORM_BODY"] == 2_000_000
    assert app.config["INTAKE_AI_FHIR_MAX_BODY"] == 1_000_000

"""SMART Backend Services token endpoint, driven by a client of another library (PyJWT and
cryptography sign; the server verifies with joserfc), on the suite's database."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from intake_ai.models import ApiToken, AuditRecord, UsedAssertion
from intake_ai.store.database import session, transaction, utcnow
from tests.conftest import bearer
from tests.smart_helpers import TOKEN_PATH, BackendClient, register


def _ids(bundle: dict) -> set[str]:
    return {e["resource"]["id"] for e in bundle.get("entry", [])}


def _audit(app) -> list[AuditRecord]:  # type: ignore[no-untyped-def]
    with app.app_context():
        return list(session().scalars(select(AuditRecord).order_by(AuditRecord.id)))


def _refused(response, error: str) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == (401 if error == "invalid_client" else 400), response.json
    assert response.json["error"] == error, response.json
    assert response.json["error_description"]
    assert "access_token" not in response.json
    assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("algorithm", ["RS384", "ES384"])
def test_backend_client_gets_a_token_that_reads_what_its_integrator_may(
    app, client, world, algorithm: str
) -> None:
    backend = BackendClient("analytics", algorithm)
    register(app, backend, "ehr", "system/*.rs")
    answer = client.post(TOKEN_PATH, data=backend.form("system/*.rs"))
    assert answer.status_code == 200, answer.json
    assert answer.headers["Cache-Control"] == "no-store"
    body = answer.json
    assert body["token_type"] == "Bearer" and body["expires_in"] == 300
    assert body["scope"] == "system/*.rs"
    headers = bearer(body["access_token"])
    read = client.get(f"/fhir/Patient/{world.agreed}", headers=headers)
    assert read.status_code == 200 and read.json["id"] == str(world.agreed)
    # The same access as the integrator's operator token: only consenting clients.
    mine = _ids(client.get("/fhir/Patient?_count=500", headers=headers).json)
    operators = _ids(client.get("/fhir/Patient?_count=500", headers=world.integrator).json)
    assert mine == operators and str(world.agreed) in mine
    assert str(world.undecided) not in mine
    assert client.get(f"/fhir/Patient/{world.undecided}", headers=headers).status_code == 404
    # Audit records which client was granted what, never the assertion.
    grant = [e for e in _audit(app) if e.operation == "login" and e.outcome == "0"][-1]
    assert grant.agent_name == "ehr" and grant.token_id is not None
    assert "'analytics'" in grant.detail and "system/*.rs" in grant.detail
    from fhir.resources.R4B.auditevent import AuditEvent

    from fhir_mappings.audit_event import audit_event
    from intake_ai.audit import facts_of

    AuditEvent.model_validate(audit_event(facts_of(grant)))


def test_granted_scope_is_the_request_within_the_registration(app, client, world) -> None:
    backend = BackendClient("narrow")
    register(app, backend, "ehr", "system/Observation.rs system/QuestionnaireResponse.cu")
    # A v1 scope is accepted as the alias of the v2 letters it stands for.
    answer = client.post(TOKEN_PATH, data=backend.form("system/Observation.read"))
    assert answer.status_code == 200, answer.json
    assert answer.json["scope"] == "system/Observation.read"
    headers = bearer(answer.json["access_token"])
    assert client.get("/fhir/Observation", headers=headers).status_code == 200
    assert client.get("/fhir/Patient", headers=headers).status_code == 403


@pytest.mark.parametrize(
    "requested",
    [
        "system/*.rs",  # wider type than registered
        "system/Patient.rs",  # another type
        "system/QuestionnaireResponse.rs",  # registered to write it, not to read it
        "system/Observation.cruds",  # more letters
        "patient/Observation.rs",  # not a system scope
        "system/Observation.rs launch",  # not a scope of this server
        "system/AuditEvent.rs",
    ],
)
def test_asking_beyond_the_registration_is_invalid_scope(app, client, make, requested) -> None:
    make.user("integrator", "ehr")
    backend = BackendClient("narrow")
    register(app, backend, "ehr", "system/Observation.rs system/QuestionnaireResponse.cu")
    answer = client.post(TOKEN_PATH, data=backend.form(requested))
    _refused(answer, "invalid_scope")
    with app.app_context():
        assert session().scalars(select(ApiToken)).first() is None


def _now() -> int:
    return int(time.time())


def _hs384_with_public_key(backend: BackendClient) -> str:
    """The classic algorithm confusion: an HMAC keyed with the client's public key."""

    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    header = b64(json.dumps({"alg": "HS384", "kid": backend.kid}).encode())
    claims = {
        "iss": backend.client_id,
        "sub": backend.client_id,
        "aud": "http://localhost" + TOKEN_PATH,
        "exp": _now() + 200,
        "jti": "confused",
    }
    payload = b64(json.dumps(claims).encode())
    secret = json.dumps(backend.public_jwk()).encode()
    signature = hmac.new(secret, f"{header}.{payload}".encode(), hashlib.sha384).digest()
    return f"{header}.{payload}.{b64(signature)}"


def _unsigned(backend: BackendClient) -> str:
    header = base64.urlsafe_b64encode(b'{"alg":"none"}').rstrip(b"=").decode()
    claims = json.dumps({"iss": backend.client_id, "sub": backend.client_id, "jti": "x"})
    payload = base64.urlsafe_b64encode(claims.encode()).rstrip(b"=").decode()
    return f"{header}.{payload}."


#: Each bad request: how to make its form from the registered client, and the error.
BAD_REQUESTS = {
    "wrong audience": (
        lambda c: c.form(assertion=c.assertion("https://other.example/token")),
        "invalid_client",
    ),
    "expired": (lambda c: c.form(assertion=c.assertion(exp=_now() - 120)), "invalid_client"),
    "exp too far ahead": (
        lambda c: c.form(assertion=c.assertion(exp=_now() + 900)),
        "invalid_client",
    ),
    "no exp": (lambda c: c.form(assertion=c.assertion(exp=None)), "invalid_client"),
    "no jti": (lambda c: c.form(assertion=c.assertion(jti=None)), "invalid_client"),
    "sub is not iss": (
        lambda c: c.form(assertion=c.assertion(sub="someone-else")),
        "invalid_client",
    ),
    "wrong key": (
        lambda c: c.form(assertion=BackendClient(c.client_id, kid=c.kid).assertion()),
        "invalid_client",
    ),
    "wrong key type": (
        lambda c: c.form(assertion=BackendClient(c.client_id, "ES384", kid=c.kid).assertion()),
        "invalid_client",
    ),
    "HS384 keyed with the public key": (
        lambda c: c.form(assertion=_hs384_with_public_key(c)),
        "invalid_client",
    ),
    "unsigned": (lambda c: c.form(assertion=_unsigned(c)), "invalid_client"),
    "unknown client": (lambda c: BackendClient("nobody").form(), "invalid_client"),
    "client_id is not iss": (lambda c: c.form(client_id="another"), "invalid_client"),
    "garbage assertion": (lambda c: c.form(assertion="not.a.jwt"), "invalid_client"),
    "wrong grant type": (lambda c: c.form(grant_type="password"), "unsupported_grant_type"),
    "no grant type": (
        lambda c: {k: v for k, v in c.form().items() if k != "grant_type"},
        "invalid_request",
    ),
    "missing assertion": (
        lambda c: {k: v for k, v in c.form().items() if k != "client_assertion"},
        "invalid_request",
    ),
    "other assertion type": (
        lambda c: c.form(
            client_assertion_type="urn:ietf:params:oauth:client-assertion-type:saml2-bearer"
        ),
        "invalid_request",
    ),
    "no scope": (lambda c: c.form(scope=""), "invalid_request"),
}


@pytest.mark.parametrize("case", sorted(BAD_REQUESTS))
def test_bad_token_requests_get_the_right_error_and_never_a_token(app, client, make, case) -> None:
    make.user("integrator", "ehr")
    backend = BackendClient("svc")
    register(app, backend, "ehr", "system/*.rs")
    build, error = BAD_REQUESTS[case]
    form = build(backend)
    before = len(_audit(app))
    _refused(client.post(TOKEN_PATH, data=form), error)
    with app.app_context():
        assert session().scalars(select(ApiToken)).first() is None
    refusals = _audit(app)[before:]
    assert [(e.operation, e.outcome) for e in refusals] == [("login", "4")]
    assert error in refusals[0].detail
    if form.get("client_assertion"):
        assert form["client_assertion"] not in refusals[0].detail


def test_a_replayed_assertion_is_refused(app, client, make) -> None:
    make.user("integrator", "ehr")
    backend = BackendClient("svc", "ES384")
    register(app, backend, "ehr", "system/*.rs")
    form = backend.form()
    assert client.post(TOKEN_PATH, data=form).status_code == 200
    again = client.post(TOKEN_PATH, data=form)
    _refused(again, "invalid_client")
    assert "jti" in again.json["error_description"]


def test_an_assertion_is_spent_even_when_its_request_is_refused(app, client, make) -> None:
    make.user("integrator", "ehr")
    backend = BackendClient("svc")
    register(app, backend, "ehr", "system/Observation.rs")
    assertion = backend.assertion()
    _refused(client.post(TOKEN_PATH, data=backend.form("system/*.rs", assertion)), "invalid_scope")
    retry = client.post(TOKEN_PATH, data=backend.form("system/Observation.rs", assertion))
    _refused(retry, "invalid_client")


def test_used_jtis_are_forgotten_once_expired(app, client, make) -> None:
    make.user("integrator", "ehr")
    backend = BackendClient("svc")
    register(app, backend, "ehr", "system/*.rs")
    assert client.post(TOKEN_PATH, data=backend.form()).status_code == 200
    with app.app_context(), transaction():
        session().execute(update(UsedAssertion).values(expires_at=utcnow() - timedelta(seconds=1)))
    assert client.post(TOKEN_PATH, data=backend.form()).status_code == 200
    with app.app_context():
        assert len(session().scalars(select(UsedAssertion)).all()) == 1


def test_a_disabled_client_gets_no_token_and_its_tokens_stop_working(
    app, client, world, runner
) -> None:
    backend = BackendClient("svc")
    register(app, backend, "ehr", "system/*.rs")
    headers = bearer(client.post(TOKEN_PATH, data=backend.form()).json["access_token"])
    assert client.get(f"/fhir/Patient/{world.agreed}", headers=headers).status_code == 200
    result = runner.invoke(args=["disable-smart-client", "svc"])
    assert result.exit_code == 0, result.output
    assert client.get(f"/fhir/Patient/{world.agreed}", headers=headers).status_code == 401
    _refused(client.post(TOKEN_PATH, data=backend.form()), "invalid_client")
    # The operator's own tokens are untouched.
    assert client.get(f"/fhir/Patient/{world.agreed}", headers=world.integrator).status_code == 200


def test_a_token_stops_working_if_only_the_registration_row_is_switched_off(
    app, client, world
) -> None:
    from intake_ai.models import SmartClient

    backend = BackendClient("svc")
    register(app, backend, "ehr", "system/*.rs")
    headers = bearer(client.post(TOKEN_PATH, data=backend.form()).json["access_token"])
    with app.app_context(), transaction():
        session().execute(update(SmartClient).values(active=False))
    assert client.get(f"/fhir/Patient/{world.agreed}", headers=headers).status_code == 401


def test_an_issued_token_expires(app, client, world) -> None:
    backend = BackendClient("svc")
    register(app, backend, "ehr", "system/*.rs")
    headers = bearer(client.post(TOKEN_PATH, data=backend.form()).json["access_token"])
    with app.app_context():
        row = session().scalars(select(ApiToken).where(ApiToken.smart_client_id.is_not(None))).one()
        lifetime = row.expires_at - row.created_at
    assert timedelta(seconds=299) <= lifetime <= timedelta(seconds=301)
    assert client.get(f"/fhir/Patient/{world.agreed}", headers=headers).status_code == 200
    with app.app_context(), transaction():
        session().execute(
            update(ApiToken).values(
                created_at=utcnow() - timedelta(minutes=6),
                expires_at=utcnow() - timedelta(minutes=1),
            )
        )
    assert client.get(f"/fhir/Patient/{world.agreed}", headers=headers).status_code == 401


def test_the_token_lifetime_is_configurable(app_factory, make) -> None:
    short = app_factory(INTAKE_AI_SMART_TOKEN_SECONDS=60)
    from tests.conftest import Make

    Make(short).user("integrator", "ehr")
    backend = BackendClient("svc")
    register(short, backend, "ehr", "system/*.rs")
    answer = short.test_client().post(TOKEN_PATH, data=backend.form())
    assert answer.status_code == 200 and answer.json["expires_in"] == 60


def test_a_client_whose_integrator_was_deactivated_gets_no_token(app, client, make) -> None:
    from intake_ai.models import User

    make.user("integrator", "ehr")
    backend = BackendClient("svc")
    register(app, backend, "ehr", "system/*.rs")
    with app.app_context(), transaction():
        session().execute(update(User).where(User.username == "ehr").values(active=False))
    _refused(client.post(TOKEN_PATH, data=backend.form()), "invalid_client")


@pytest.mark.parametrize(
    "body, content_type",
    [
        (b"grant_type=client_credentials&grant_type=client_credentials", None),
        (b'{"grant_type": "client_credentials"}', "application/json"),
        (b"grant_type=%FF", None),
        (b"x=" + b"a" * 70_000, None),
        (b"client_assertion=" + b"e30." * 5000 + b"&grant_type=client_credentials", None),
    ],
)
def test_hostile_token_requests_are_refused_cleanly(
    app, client, make, body: bytes, content_type: str | None
) -> None:
    make.user("integrator", "ehr")
    answer = client.post(
        TOKEN_PATH, data=body, content_type=content_type or "application/x-www-form-urlencoded"
    )
    assert 400 <= answer.status_code < 500
    assert answer.json["error"] in ("invalid_request", "invalid_client")
    assert "access_token" not in answer.json


def test_the_operators_static_tokens_keep_working(app, client, world, make) -> None:
    backend = BackendClient("svc")
    register(app, backend, "ehr", "system/*.rs")
    assert client.post(TOKEN_PATH, data=backend.form()).status_code == 200
    static = bearer(make.token("ehr", "system/Patient.read"))
    assert client.get(f"/fhir/Patient/{world.agreed}", headers=static).status_code == 200


def test_unknown_and_impostor_clients_are_told_the_same(app, client, make) -> None:
    """Nobody without the client's key learns whether a client id is registered (or
    disabled); the audit entries keep the real reasons, naming no user."""
    make.user("integrator", "ehr")
    backend = BackendClient("svc")
    register(app, backend, "ehr", "system/*.rs")
    impostor = BackendClient("svc", kid=backend.kid)
    before = len(_audit(app))
    unknown = client.post(TOKEN_PATH, data=BackendClient("nobody").form())
    forged = client.post(TOKEN_PATH, data=impostor.form())
    with app.app_context(), transaction():
        from intake_ai.smart import clients

        clients.disable("svc")
    forged_disabled = client.post(TOKEN_PATH, data=impostor.form())
    answers = [unknown, forged, forged_disabled]
    assert {(a.status_code, a.json["error"], a.json["error_description"]) for a in answers} == {
        (401, "invalid_client", unknown.json["error_description"])
    }
    # Only the key holder is told that the registration is disabled.
    genuine = client.post(TOKEN_PATH, data=backend.form())
    assert "disabled" in genuine.json["error_description"]
    entries = [e for e in _audit(app)[before:] if e.operation == "login"]
    assert ["unknown client" in entries[0].detail, "signature" in entries[1].detail] == [True, True]
    assert [e.agent_name for e in entries] == ["anonymous", "anonymous", "anonymous", "ehr"]

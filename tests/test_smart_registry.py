"""Registering, listing and disabling SMART backend clients: the CLI and the admin page."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from intake_ai.models import AuditRecord, SmartClient
from intake_ai.store.database import session
from tests.conftest import PASSWORD, AuthActions
from tests.smart_helpers import TOKEN_PATH, BackendClient


def _registrations(app) -> list[SmartClient]:  # type: ignore[no-untyped-def]
    with app.app_context():
        return list(session().scalars(select(SmartClient).order_by(SmartClient.client_id)))


def _jwks_file(tmp_path, text: str):  # type: ignore[no-untyped-def]
    path = tmp_path / "jwks.json"
    path.write_text(text)
    return str(path)


def test_cli_registers_lists_and_disables_a_client(app, client, runner, make, tmp_path) -> None:
    make.user("integrator", "ehr")
    backend = BackendClient("warehouse", "ES384")
    registered = runner.invoke(
        args=[
            "register-smart-client", "warehouse", "--integrator", "ehr",
            "--jwks", _jwks_file(tmp_path, backend.jwks()),
            "--scope", "system/Observation.rs", "--scope", "system/QuestionnaireResponse.cu",
            "--label", "Data warehouse",
        ]
    )  # fmt: skip
    assert registered.exit_code == 0, registered.output
    [row] = _registrations(app)
    assert (row.client_id, row.label, row.active) == ("warehouse", "Data warehouse", True)
    assert row.scopes == "system/Observation.rs system/QuestionnaireResponse.cu"
    assert client.post(TOKEN_PATH, data=backend.form("system/Observation.rs")).status_code == 200
    listed = runner.invoke(args=["list-smart-clients"])
    assert listed.exit_code == 0
    assert listed.output.split("\t")[:3] == ["warehouse", "active", "ehr"]
    disabled = runner.invoke(args=["disable-smart-client", "warehouse"])
    assert disabled.exit_code == 0, disabled.output
    assert "disabled" in runner.invoke(args=["list-smart-clients"]).output
    assert client.post(TOKEN_PATH, data=backend.form("system/Observation.rs")).status_code == 401
    assert runner.invoke(args=["disable-smart-client", "nobody"]).exit_code == 1
    with app.app_context():
        changes = (
            session()
            .scalars(
                select(AuditRecord.operation).where(
                    AuditRecord.entity.like("/admin/smart-clients/%")
                )
            )
            .all()
        )
    assert changes == ["create", "update"]


def _private_jwks() -> str:
    from jwt.algorithms import RSAAlgorithm

    backend = BackendClient("x")
    key = json.loads(RSAAlgorithm.to_jwk(backend.private_key))
    key["kid"] = "k1"
    return json.dumps({"keys": [key]})


def _small_rsa_jwks() -> str:
    from cryptography.hazmat.primitives.asymmetric import rsa

    small = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    backend = BackendClient("x", private_key=small)
    return backend.jwks()


def _p256_jwks() -> str:
    from cryptography.hazmat.primitives.asymmetric import ec

    return BackendClient("x", "ES384", private_key=ec.generate_private_key(ec.SECP256R1())).jwks()


def _without_kid() -> str:
    key = BackendClient("x").public_jwk()
    del key["kid"]
    return json.dumps({"keys": [key]})


@pytest.mark.parametrize(
    "jwks, reason",
    [
        ("not json", "not JSON"),
        ('{"keys": []}', "JWKS"),
        ("[1, 2]", "JWKS"),
        ('{"keys": [{"kty": "oct", "k": "c2VjcmV0", "kid": "s"}]}', "private"),
        (_private_jwks(), "private key"),
        (_small_rsa_jwks(), "2048"),
        (_p256_jwks(), "P-384"),
        (_without_kid(), "kid"),
        ('{"keys": [{"kty": "RSA", "kid": "a", "n": "!!", "e": "AQAB"}]}', "could not be read"),
    ],
)
def test_cli_refuses_key_sets_the_token_endpoint_should_not_trust(
    app, runner, make, tmp_path, jwks: str, reason: str
) -> None:
    make.user("integrator", "ehr")
    result = runner.invoke(
        args=[
            "register-smart-client", "svc", "--integrator", "ehr",
            "--jwks", _jwks_file(tmp_path, jwks), "--scope", "system/*.rs",
        ]
    )  # fmt: skip
    assert result.exit_code == 1 and "jwks:" in result.output and reason in result.output
    assert _registrations(app) == []


@pytest.mark.parametrize(
    "integrator, scope, client_id, field",
    [
        ("dr-a", "system/*.rs", "svc", "integrator"),  # a clinician is not an integrator
        ("ghost", "system/*.rs", "svc", "integrator"),
        ("ehr", "patient/*.rs", "svc", "scopes"),
        ("ehr", "system/Nothing.rs", "svc", "scopes"),
        ("ehr", "system/*.rs", "has space", "client_id"),
        ("ehr", "system/*.rs", "x" * 121, "client_id"),
    ],
)
def test_cli_refuses_bad_registrations_field_by_field(
    app, runner, make, tmp_path, integrator: str, scope: str, client_id: str, field: str
) -> None:
    make.user("integrator", "ehr")
    make.user("clinician", "dr-a")
    result = runner.invoke(
        args=[
            "register-smart-client", client_id, "--integrator", integrator,
            "--jwks", _jwks_file(tmp_path, BackendClient("x").jwks()), "--scope", scope,
        ]
    )  # fmt: skip
    assert result.exit_code == 1 and f"{field}:" in result.output, result.output
    assert _registrations(app) == []


def test_cli_refuses_a_second_registration_of_a_client_id(app, runner, make, tmp_path) -> None:
    make.user("integrator", "ehr")
    args = [
        "register-smart-client", "svc", "--integrator", "ehr",
        "--jwks", _jwks_file(tmp_path, BackendClient("svc").jwks()), "--scope", "system/*.rs",
    ]  # fmt: skip
    assert runner.invoke(args=args).exit_code == 0
    again = runner.invoke(args=args)
    assert again.exit_code == 1 and "already registered" in again.output


# The admin page --------------------------------------------------------------------------


def _csrf(page: str) -> str:
    return page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]


@pytest.fixture
def csrf_app(app_factory, make):  # type: ignore[no-untyped-def]
    strict = app_factory(WTF_CSRF_ENABLED=True)
    make.user("admin", "root")
    make.user("integrator", "ehr")
    make.user("clinician", "dr-a")
    return strict


def _signed_in(app, username: str):  # type: ignore[no-untyped-def]
    web = app.test_client()
    login_page = web.get("/login").get_data(as_text=True)
    web.post(
        "/login", data={"username": username, "password": PASSWORD, "csrf_token": _csrf(login_page)}
    )
    return web


def test_admin_registers_and_disables_a_client_on_the_page(csrf_app) -> None:
    web = _signed_in(csrf_app, "root")
    assert "/admin/smart-clients" in web.get("/admin").get_data(as_text=True)
    page = web.get("/admin/smart-clients")
    assert page.status_code == 200
    backend = BackendClient("page-client", "ES384")
    form = {
        "client_id": "page-client",
        "label": "Registry sync",
        "integrator": "ehr",
        "jwks": backend.jwks(),
        "scopes": "system/Observation.rs",
        "csrf_token": _csrf(page.get_data(as_text=True)),
    }
    done = web.post("/admin/smart-clients", data=form)
    assert done.status_code == 302
    listing = web.get("/admin/smart-clients").get_data(as_text=True)
    assert "page-client" in listing and "Registry sync" in listing
    api = csrf_app.test_client()
    answer = api.post(TOKEN_PATH, data=backend.form("system/Observation.rs"))
    assert answer.status_code == 200, answer.json  # no CSRF token: the API is exempt
    [row] = _registrations(csrf_app)
    disable = web.post(
        f"/admin/smart-clients/{row.id}/disable", data={"csrf_token": _csrf(listing)}
    )
    assert disable.status_code == 302
    assert _registrations(csrf_app)[0].active is False
    assert api.post(TOKEN_PATH, data=backend.form("system/Observation.rs")).status_code == 401


def test_the_page_shows_field_errors_and_keeps_nothing(csrf_app) -> None:
    web = _signed_in(csrf_app, "root")
    token = _csrf(web.get("/admin/smart-clients").get_data(as_text=True))
    form = {
        "client_id": "svc",
        "label": "X",
        "integrator": "dr-a",
        "jwks": _private_jwks(),
        "scopes": "user/*.rs",
        "csrf_token": token,
    }
    answer = web.post("/admin/smart-clients", data=form)
    assert answer.status_code == 400
    text = answer.get_data(as_text=True)
    assert 'id="jwks-error"' in text and "private key" in text
    assert 'id="integrator-error"' in text and 'id="scopes-error"' in text
    assert _registrations(csrf_app) == []


def test_the_page_refuses_a_form_without_its_csrf_token(csrf_app) -> None:
    web = _signed_in(csrf_app, "root")
    form = {
        "client_id": "svc",
        "label": "X",
        "integrator": "ehr",
        "jwks": BackendClient("svc").jwks(),
        "scopes": "system/*.rs",
    }
    assert web.post("/admin/smart-clients", data=form).status_code == 400
    assert _registrations(csrf_app) == []


@pytest.mark.parametrize("username", ["dr-a", "ehr"])
def test_only_admins_reach_the_registrations(csrf_app, runner, tmp_path, username: str) -> None:
    strict_runner = csrf_app.test_cli_runner()
    strict_runner.invoke(
        args=[
            "register-smart-client", "svc", "--integrator", "ehr",
            "--jwks", _jwks_file(tmp_path, BackendClient("svc").jwks()), "--scope", "system/*.rs",
        ]
    )  # fmt: skip
    [row] = _registrations(csrf_app)
    web = _signed_in(csrf_app, username)
    refused = web.get("/admin/smart-clients")
    assert refused.status_code == 403
    token = refused.get_data(as_text=True).split('name="csrf_token" value="')[1].split('"')[0]
    assert (
        web.post(f"/admin/smart-clients/{row.id}/disable", data={"csrf_token": token}).status_code
        == 403
    )
    assert _registrations(csrf_app)[0].active is True
    anonymous = csrf_app.test_client().get("/admin/smart-clients")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    with csrf_app.app_context():
        refusals = (
            session()
            .scalars(
                select(AuditRecord).where(
                    AuditRecord.outcome == "4", AuditRecord.entity.like("/admin/smart-clients%")
                )
            )
            .all()
        )
    assert len(refusals) == 3  # the two refused admin actions, and the anonymous visit


def test_reading_the_registrations_is_audited(app, client, make) -> None:
    make.user("admin", "root")
    AuthActions(client).login("root")
    assert client.get("/admin/smart-clients").status_code == 200
    with app.app_context():
        views = (
            session()
            .scalars(select(AuditRecord).where(AuditRecord.entity == "/admin/smart-clients"))
            .all()
        )
    assert [(v.operation, v.agent_name, v.outcome) for v in views] == [("view", "root", "0")]

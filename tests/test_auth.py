"""Signing in and out, refusing anonymous requests, CSRF on forms."""

from __future__ import annotations

from sqlalchemy import func, select

from intake_ai.models import AuditRecord, Client
from intake_ai.store.database import session
from tests.conftest import PASSWORD


def test_login_and_logout(client, auth, make) -> None:
    make.user("clinician", "dr-a")
    response = auth.login("dr-a")
    assert response.status_code == 302
    assert client.get("/clients").status_code == 200
    auth.logout()
    assert client.get("/clients").status_code == 302


def test_wrong_password_is_refused_and_audited(app, client, auth, make) -> None:
    make.user("clinician", "dr-a")
    response = auth.login("dr-a", "not-the-password")
    assert response.status_code == 401
    assert b"Wrong username or password." in response.data
    with app.app_context():
        record = (
            session().scalars(select(AuditRecord).where(AuditRecord.operation == "login")).one()
        )
        assert record.outcome == "4"


def test_passwords_are_stored_hashed(app, make) -> None:
    from intake_ai.models import User

    make.user("clinician", "dr-a")
    with app.app_context():
        user = session().scalars(select(User)).one()
        assert PASSWORD not in (user.password_hash or "")
        assert user.check_password(PASSWORD)


def test_anonymous_pages_redirect_to_login(client) -> None:
    response = client.get("/clients/1")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=/clients/1")


def test_anonymous_api_gets_401_with_an_operation_outcome(client) -> None:
    response = client.get("/fhir/Patient/1")
    assert response.status_code == 401
    assert response.mimetype == "application/fhir+json"
    assert response.json["resourceType"] == "OperationOutcome"
    assert response.json["issue"][0]["code"] == "login"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_login_never_redirects_off_site(client, make) -> None:
    make.user("clinician", "dr-a")
    response = client.post(
        "/login?next=//evil.example/x", data={"username": "dr-a", "password": PASSWORD}
    )
    assert response.headers["Location"] == "/"


def test_inactive_user_cannot_sign_in(app, auth, make) -> None:
    from intake_ai.models import User
    from intake_ai.store.database import transaction

    make.user("clinician", "dr-a")
    with app.app_context(), transaction():
        session().scalars(select(User)).one().active = False
    assert auth.login("dr-a").status_code == 401


def test_form_without_csrf_token_is_refused_and_stores_nothing(app_factory, make) -> None:
    app = app_factory(WTF_CSRF_ENABLED=True)
    make.app = app
    make.user("clinician", "dr-a")
    web = app.test_client()
    # Sign in with a real token taken from the form.
    page = web.get("/login").get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    assert (
        web.post(
            "/login", data={"username": "dr-a", "password": PASSWORD, "csrf_token": token}
        ).status_code
        == 302
    )
    response = web.post("/clients/new", data={"ehr_patient_id": "P1", "display_name": "X"})
    assert response.status_code == 400
    assert b"Form expired" in response.data
    with app.app_context():
        assert session().scalar(select(func.count()).select_from(Client)) == 0
    # The same form with its token goes through.
    page = web.get("/clients/new").get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    ok = web.post(
        "/clients/new", data={"ehr_patient_id": "P1", "display_name": "X", "csrf_token": token}
    )
    assert ok.status_code == 302

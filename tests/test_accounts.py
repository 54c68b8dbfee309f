"""Account lifecycle in the admin pages: create, deactivate, reactivate, reset, change own."""

from __future__ import annotations

import re

import pytest
from flask import g
from sqlalchemy import select

from intake_ai.models import AuditRecord, User
from intake_ai.store import migrate
from intake_ai.store.database import session, transaction
from tests.conftest import PASSWORD, bearer
from tests.test_host_mount import make_host

NEW_PASSWORD = "tidal-lantern-orbit-91"


def _user(app, username: str) -> User:
    with app.app_context():
        user = session().scalars(select(User).where(User.username == username)).one()
        session().expunge(user)
        return user


def _shown_password(page: str) -> str:
    match = re.search(r'<code class="secret">([^<]+)</code>', page)
    assert match, page
    return match.group(1)


def _audit(app) -> list[AuditRecord]:
    with app.app_context():
        rows = list(session().scalars(select(AuditRecord).order_by(AuditRecord.id)))
        session().expunge_all()
        return rows


def test_every_page_user_has_an_account_page_in_the_header(client, auth, make) -> None:
    for role in ("clinician", "supervisor", "admin", "integrator"):
        make.user(role, f"{role}-x")
        auth.login(f"{role}-x")
        page = client.get("/account")
        assert page.status_code == 200
        text = page.get_data(as_text=True)
        assert '<a href="/account">Account</a>' in text
        assert f"{role}-x" in text and 'href="/account/password"' in text
        auth.logout()


def test_admin_home_manages_users(client, auth, make) -> None:
    make.user("admin", "root")
    make.user("clinician", "dr-a")
    auth.login("root")
    page = client.get("/admin").get_data(as_text=True)
    assert 'href="/admin/users/new"' in page and 'href="/admin/tokens"' in page
    assert re.search(r'href="/admin/users/\d+">dr-a</a>', page)


def test_admin_creates_a_user_with_a_temporary_password_they_must_change(
    app, client, auth, make
) -> None:
    make.user("admin", "root")
    auth.login("root")
    created = client.post(
        "/admin/users/new",
        data={
            "username": "dr-new",
            "display_name": "Dr New",
            "role": "clinician",
            "supervisor": "",
            "sign_in": "generate",
        },
    )
    assert created.status_code == 200
    temporary = _shown_password(created.get_data(as_text=True))
    assert "this once" in created.get_data(as_text=True)
    user = _user(app, "dr-new")
    assert user.must_change_password and user.role.value == "clinician"
    # Shown once: the user's page does not show it again.
    assert temporary not in client.get(f"/admin/users/{user.id}").get_data(as_text=True)
    auth.logout()

    assert auth.login("dr-new", temporary).status_code == 302
    for page in ("/", "/clients", "/account", "/clients/new"):
        answer = client.get(page)
        assert answer.status_code == 302, page
        assert answer.headers["Location"] == "/account/password"
    form = client.get("/account/password")
    assert form.status_code == 200 and b"set by an admin" in form.data
    same = client.post(
        "/account/password",
        data={"current_password": temporary, "new_password": temporary, "confirm": temporary},
    )
    assert same.status_code == 400 and b"different from the current one" in same.data
    changed = client.post(
        "/account/password",
        data={
            "current_password": temporary,
            "new_password": NEW_PASSWORD,
            "confirm": NEW_PASSWORD,
        },
    )
    assert changed.status_code == 302
    assert client.get("/clients").status_code == 200
    assert not _user(app, "dr-new").must_change_password
    auth.logout()
    assert auth.login("dr-new", temporary).status_code == 401
    assert auth.login("dr-new", NEW_PASSWORD).status_code == 302


def test_admin_creates_a_clinician_with_a_supervisor_and_a_typed_password(
    app, client, auth, make
) -> None:
    make.user("admin", "root")
    make.user("supervisor", "sup-1")
    auth.login("root")
    answer = client.post(
        "/admin/users/new",
        data={
            "username": "dr-b",
            "display_name": "Dr B",
            "role": "clinician",
            "supervisor": "sup-1",
            "sign_in": "typed",
            "password": NEW_PASSWORD,
        },
    )
    assert answer.status_code == 200
    assert NEW_PASSWORD not in answer.get_data(as_text=True)
    with app.app_context():
        from intake_ai.models import Supervision

        assert session().scalars(select(Supervision)).one() is not None
        assert (
            session()
            .scalars(select(User).where(User.username == "dr-b"))
            .one()
            .check_password(NEW_PASSWORD)
        )


def test_bad_new_user_input_gets_field_messages(app, client, auth, make) -> None:
    make.user("admin", "root")
    auth.login("root")
    answer = client.post(
        "/admin/users/new",
        data={"username": "root", "display_name": "X", "role": "admin", "sign_in": "none"},
    )
    assert answer.status_code == 400 and b"&#39;root&#39; is already taken" in answer.data
    answer = client.post(
        "/admin/users/new",
        data={"username": "a b<", "display_name": "X", "role": "wizard", "sign_in": "none"},
    )
    assert answer.status_code == 400
    assert b"Letters, digits" in answer.data and b"Not a valid choice" in answer.data
    # The sign-in and one refusal per refused form; no user was created.
    assert [a.outcome for a in _audit(app)[1:]] == ["4", "4"]
    assert all(a.operation != "create" for a in _audit(app))


def test_deactivating_says_what_happens_to_tokens_and_they_stop_working(
    app, client, auth, make
) -> None:
    make.user("admin", "root")
    make.user("integrator", "ehr")
    token = make.token("ehr", "system/*.read")
    user = _user(app, "ehr")
    assert client.get("/fhir/Patient", headers=bearer(token)).status_code == 200
    auth.login("root")
    page = client.get(f"/admin/users/{user.id}").get_data(as_text=True)
    assert "Their API tokens are <strong>not revoked</strong>" in page
    assert "their 1 unrevoked, unexpired token stops working because the user is inactive" in page
    answer = client.post(f"/admin/users/{user.id}/deactivate")
    assert answer.status_code == 302
    assert not _user(app, "ehr").active
    assert client.get("/fhir/Patient", headers=bearer(token)).status_code == 401
    page = client.get(f"/admin/users/{user.id}").get_data(as_text=True)
    assert "user inactive" in page and "Reactivate ehr" in page
    assert client.post(f"/admin/users/{user.id}/reactivate").status_code == 302
    assert _user(app, "ehr").active
    assert client.get("/fhir/Patient", headers=bearer(token)).status_code == 200


def test_deactivated_user_is_signed_out_and_cannot_sign_in(app, client, auth, make) -> None:
    make.user("admin", "root")
    make.user("clinician", "dr-a")
    target = _user(app, "dr-a").id
    dr = app.test_client()
    dr.post("/login", data={"username": "dr-a", "password": PASSWORD})
    assert dr.get("/clients").status_code == 200
    auth.login("root")
    client.post(f"/admin/users/{target}/deactivate")
    assert dr.get("/clients").status_code == 302  # back to sign-in
    assert auth.login("dr-a").status_code == 401


def test_admin_cannot_deactivate_themselves(app, client, auth, make) -> None:
    make.user("admin", "root")
    me = _user(app, "root").id
    auth.login("root")
    answer = client.post(f"/admin/users/{me}/deactivate", follow_redirects=True)
    assert b"You cannot deactivate your own account." in answer.data
    assert _user(app, "root").active


def test_admin_reset_shows_the_temporary_password_once_and_forces_a_change(
    app, client, auth, make
) -> None:
    make.user("admin", "root")
    make.user("clinician", "dr-a")
    target = _user(app, "dr-a").id
    auth.login("root")
    answer = client.post(f"/admin/users/{target}/password", data={"how": "generate"})
    assert answer.status_code == 200
    temporary = _shown_password(answer.get_data(as_text=True))
    assert "Set-Cookie" not in answer.headers or temporary not in answer.headers["Set-Cookie"]
    auth.logout()
    assert auth.login("dr-a").status_code == 401  # the old password is gone
    auth.login("dr-a", temporary)
    assert client.get("/clients").headers["Location"] == "/account/password"


def test_admin_reset_to_a_typed_password(app, client, auth, make) -> None:
    make.user("admin", "root")
    make.user("clinician", "dr-a")
    target = _user(app, "dr-a").id
    auth.login("root")
    answer = client.post(
        f"/admin/users/{target}/password", data={"how": "typed", "password": NEW_PASSWORD}
    )
    assert answer.status_code == 200 and NEW_PASSWORD not in answer.get_data(as_text=True)
    user = _user(app, "dr-a")
    assert user.must_change_password
    auth.logout()
    auth.login("dr-a", NEW_PASSWORD)
    assert client.get("/supervision").headers["Location"] == "/account/password"


def test_the_forced_change_works_with_a_hosts_current_user(tmp_path) -> None:
    from intake_ai import directory
    from intake_ai.models import Role

    host, db = make_host(
        f"sqlite:///{tmp_path}/host.sqlite3", current_user=lambda: g.get("host_user")
    )
    with host.app_context():
        migrate.upgrade()
        with transaction():
            user = directory.create_user(
                "host-dr", "Dr Host", Role.CLINICIAN, PASSWORD, must_change_password=True
            )
            user_id = user.id

    @host.before_request
    def _host_login() -> None:
        g.host_user = session().get(User, user_id)

    web = host.test_client()
    answer = web.get("/intake-ai/clients")
    assert answer.status_code == 302
    assert answer.headers["Location"] == "/intake-ai/account/password"
    changed = web.post(
        "/intake-ai/account/password",
        data={"current_password": PASSWORD, "new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    assert changed.status_code == 302
    assert web.get("/intake-ai/clients").status_code == 200
    with host.app_context():
        db.engine.dispose()


ADMIN_GETS = ["/admin", "/admin/users/new", "/admin/users/{id}", "/admin/tokens"]
ADMIN_POSTS = [
    "/admin/users/new",
    "/admin/users/{id}/deactivate",
    "/admin/users/{id}/reactivate",
    "/admin/users/{id}/password",
    "/admin/tokens/{token}/revoke",
]


@pytest.mark.parametrize("role", ["clinician", "supervisor", "integrator"])
def test_admin_pages_are_for_admins_only(app, client, auth, make, role) -> None:
    make.user("clinician", "dr-target")
    secret = make.token("dr-target", "system/*.read")
    target = _user(app, "dr-target").id
    with app.app_context():
        from intake_ai.models import ApiToken

        token = session().scalars(select(ApiToken)).one().id
    make.user(role, "someone")
    auth.login("someone")
    for path in ADMIN_GETS:
        answer = client.get(path.format(id=target, token=token))
        assert answer.status_code == 403, path
        assert b"Not permitted" in answer.data
    for path in ADMIN_POSTS:
        answer = client.post(
            path.format(id=target, token=token),
            data={
                "username": "sneaky",
                "display_name": "S",
                "role": "admin",
                "sign_in": "typed",
                "password": NEW_PASSWORD,
                "how": "typed",
            },
        )
        assert answer.status_code == 403, path
    user = _user(app, "dr-target")
    assert user.active and user.check_password(PASSWORD) and not user.must_change_password
    with app.app_context():
        assert session().scalars(select(User).where(User.username == "sneaky")).first() is None
    assert client.get("/fhir/Patient", headers=bearer(secret)).status_code == 200
    refusals = [r for r in _audit(app) if r.outcome == "4" and r.agent_name == "someone"]
    assert len(refusals) == len(ADMIN_GETS) + len(ADMIN_POSTS)


def test_admin_actions_need_the_csrf_token(app_factory, make) -> None:
    app = app_factory(WTF_CSRF_ENABLED=True)
    make.app = app
    make.user("admin", "root")
    make.user("clinician", "dr-a")
    target = _user(app, "dr-a").id
    web = app.test_client()
    page = web.get("/login").get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    web.post("/login", data={"username": "root", "password": PASSWORD, "csrf_token": token})
    for path in ("deactivate", "password"):
        answer = web.post(f"/admin/users/{target}/{path}", data={"how": "generate"})
        assert answer.status_code == 400 and b"Form expired" in answer.data
    user = _user(app, "dr-a")
    assert user.active and not user.must_change_password
    page = web.get(f"/admin/users/{target}").get_data(as_text=True)
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    assert (
        web.post(f"/admin/users/{target}/deactivate", data={"csrf_token": token}).status_code == 302
    )
    assert not _user(app, "dr-a").active


def test_every_account_action_is_audited_without_the_password(app, client, auth, make) -> None:
    make.user("admin", "root")
    make.user("clinician", "dr-a")
    target = _user(app, "dr-a").id
    auth.login("root")
    client.post(
        "/admin/users/new",
        data={
            "username": "dr-c",
            "display_name": "Dr C",
            "role": "clinician",
            "sign_in": "typed",
            "password": NEW_PASSWORD,
        },
    )
    client.post(f"/admin/users/{target}/deactivate")
    client.post(f"/admin/users/{target}/reactivate")
    shown = _shown_password(
        client.post(f"/admin/users/{target}/password", data={"how": "generate"}).get_data(
            as_text=True
        )
    )
    auth.logout()
    auth.login("dr-a", shown)
    client.post(
        "/account/password",
        data={"current_password": shown, "new_password": PASSWORD + "x", "confirm": PASSWORD + "x"},
    )
    records = _audit(app)
    changes = [(r.agent_name, r.operation, r.entity, r.detail) for r in records if r.action != "E"]
    new_id = _user(app, "dr-c").id
    created = "created clinician dr-c (temporary password)"
    assert ("root", "create", f"user/{new_id}", created) in changes
    assert ("root", "update", f"user/{target}", "deactivated dr-a") in changes
    assert ("root", "update", f"user/{target}", "reactivated dr-a") in changes
    assert (
        "root",
        "update",
        f"user/{target}",
        "password of dr-a reset (generated, to be changed at next sign-in)",
    ) in changes
    assert ("dr-a", "update", f"user/{target}", "changed own password") in changes
    for record in records:
        text = " ".join(str(v) for v in vars(record).values())
        for secret in (NEW_PASSWORD, shown, PASSWORD):
            assert secret not in text

"""Server-side sign-in sessions: sign-out that really ends them, idle and absolute timeouts,
no fixation, cookie flags, no "remember me" bypass, and sessions ended for the accounts work."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from intake_ai.models import AuditRecord, LoginSession, User
from intake_ai.store.database import session, transaction, utcnow
from tests.conftest import PASSWORD

SID = "_intake_sid"


def _login(client: FlaskClient, username: str = "dr-a", password: str = PASSWORD):  # type: ignore[no-untyped-def]
    return client.post("/login", data={"username": username, "password": password})


def _cookie_data(app: Flask, client: FlaskClient) -> dict:
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    assert cookie is not None
    return dict(app.session_interface.get_signing_serializer(app).loads(cookie.value))  # type: ignore[attr-defined]


def _shift(app: Flask, **moves: timedelta) -> None:
    """Move every session's timestamps into the past (as if that much time had gone by)."""
    with app.app_context(), transaction():
        for row in session().scalars(select(LoginSession)):
            for column, delta in moves.items():
                setattr(row, column, getattr(row, column) - delta)


def _signed_in(client: FlaskClient) -> bool:
    response = client.get("/clients")
    assert response.status_code in (200, 302)
    return response.status_code == 200


def test_copied_cookie_is_dead_after_sign_out(app, client, make) -> None:
    make.user("clinician", "dr-a")
    assert _login(client).status_code == 302
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    thief = app.test_client()
    thief.set_cookie(cookie.key, cookie.value)
    assert _signed_in(thief)
    client.post("/logout")
    response = thief.get("/clients")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")
    with app.app_context():
        row = session().scalars(select(LoginSession)).one()
        assert row.ended_at is not None and row.end_reason == "signed-out"


def test_cookie_carries_only_a_random_id_stored_as_its_digest(app, client, make) -> None:
    make.user("clinician", "dr-a")
    _login(client)
    data = _cookie_data(app, client)
    assert set(data) == {SID}
    raw = data[SID]
    assert len(raw) >= 40
    with app.app_context():
        row = session().scalars(select(LoginSession)).one()
        assert row.id_hash == hashlib.sha256(raw.encode()).hexdigest()
        assert raw not in repr([getattr(row, c.name) for c in LoginSession.__table__.c])


def test_idle_timeout_ends_the_session_and_says_why(app, client, make) -> None:
    make.user("clinician", "dr-a")
    _login(client)
    _shift(app, last_seen_at=timedelta(minutes=16))
    response = client.get("/clients")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=/clients"
    page = client.get("/login").get_data(as_text=True)
    assert "signed out after 15 minutes without activity" in page
    # Gone for good: moving the clock back does not revive it.
    _shift(app, last_seen_at=-timedelta(minutes=16))
    assert not _signed_in(client)
    with app.app_context():
        row = session().scalars(select(LoginSession)).one()
        assert row.end_reason == "idle"
        ended = (
            session().scalars(select(AuditRecord).where(AuditRecord.operation == "logout")).one()
        )
        assert ended.detail == "session ended: idle" and ended.agent_name == "dr-a"


def test_activity_moves_the_idle_timer_on(app, client, make) -> None:
    make.user("clinician", "dr-a")
    _login(client)
    _shift(app, last_seen_at=timedelta(minutes=10))
    assert _signed_in(client)
    with app.app_context():
        seen = session().scalars(select(LoginSession)).one().last_seen_at
        assert utcnow() - seen < timedelta(seconds=10)
    _shift(app, last_seen_at=timedelta(minutes=10))
    assert _signed_in(client)  # 20 minutes in, but never 15 idle


def test_idle_minutes_come_from_the_configuration(app_factory, make) -> None:
    app = app_factory(INTAKE_AI_IDLE_MINUTES=5)
    make.app = app
    make.user("clinician", "dr-a")
    client = app.test_client()
    _login(client)
    _shift(app, last_seen_at=timedelta(minutes=4))
    assert _signed_in(client)
    _shift(app, last_seen_at=timedelta(minutes=6))
    assert not _signed_in(client)


def test_absolute_lifetime_ends_even_an_active_session(app_factory, make) -> None:
    app = app_factory()
    make.app = app
    make.user("clinician", "dr-a")
    client = app.test_client()
    _login(client)
    _shift(app, created_at=timedelta(hours=11, minutes=50))
    assert _signed_in(client)
    _shift(app, created_at=timedelta(minutes=20))
    response = client.get("/clients")
    assert response.status_code == 302
    assert "12-hour limit" in client.get("/login").get_data(as_text=True)
    longer = app_factory(INTAKE_AI_SESSION_HOURS=24)
    other = longer.test_client()
    _login(other)
    _shift(longer, created_at=timedelta(hours=13))
    assert _signed_in(other)


def test_session_id_is_new_at_every_sign_in(app, client, make) -> None:
    make.user("clinician", "dr-a")
    make.user("clinician", "dr-b")
    with client.session_transaction() as planted:
        planted[SID] = "chosen-by-an-attacker"
    _login(client)
    first = _cookie_data(app, client)[SID]
    assert first != "chosen-by-an-attacker"
    before = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    _login(client, "dr-b")
    second = _cookie_data(app, client)[SID]
    assert second != first
    # The id of the earlier sign-in in this browser is ended, not handed on.
    old = app.test_client()
    old.set_cookie(before.key, before.value)
    assert not _signed_in(old)


def test_cookie_is_http_only_same_site_lax_and_secure_when_configured(app_factory, make) -> None:
    def set_cookie(**config: object) -> str:
        app = app_factory(**config)
        make.app = app
        if not hasattr(make, "made"):
            make.user("clinician", "dr-a")
            make.made = True
        return _login(app.test_client()).headers["Set-Cookie"]

    plain = set_cookie()  # the tests turn secure cookies off
    assert "HttpOnly" in plain and "SameSite=Lax" in plain and "Secure" not in plain
    assert "Secure" in set_cookie(INTAKE_AI_SECURE_COOKIES=True)
    # Unset, it is on outside debug and testing.
    assert "Secure" in set_cookie(TESTING=False, INTAKE_AI_SECURE_COOKIES=None)
    assert "Secure" not in set_cookie(DEBUG=True, TESTING=False, INTAKE_AI_SECURE_COOKIES=None)


def test_remember_me_cookie_signs_nobody_in(app, client, make) -> None:
    from flask_login.utils import encode_cookie

    make.user("clinician", "dr-a")
    with app.test_request_context():
        user = session().scalars(select(User)).one()
        forged = encode_cookie(str(user.id))
    client.set_cookie("remember_token", forged)
    response = client.get("/clients")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_new_password_or_deactivation_ends_sessions(app, make) -> None:
    make.user("clinician", "dr-a")
    first, second = app.test_client(), app.test_client()
    _login(first)
    _login(second)
    with app.app_context(), transaction():
        session().scalars(select(User)).one().set_password(
            "another-password-2", "pbkdf2:sha256:1000"
        )
    assert not _signed_in(first) and not _signed_in(second)
    _login(first, password="another-password-2")
    assert _signed_in(first)
    with app.app_context(), transaction():
        session().scalars(select(User)).one().active = False
    assert not _signed_in(first)


def test_end_sessions_of_signs_a_user_out_everywhere(app, make) -> None:
    from intake_ai.auth.login_sessions import end_sessions_of

    make.user("clinician", "dr-a")
    make.user("clinician", "dr-b")
    a1, a2, b = app.test_client(), app.test_client(), app.test_client()
    for web, name in ((a1, "dr-a"), (a2, "dr-a"), (b, "dr-b")):
        _login(web, name)
    with app.app_context(), transaction():
        user = session().scalars(select(User).where(User.username == "dr-a")).one()
        assert end_sessions_of(user.id) == 2
    assert not _signed_in(a1) and not _signed_in(a2)
    assert _signed_in(b)


def test_pages_tell_the_timer_when_the_session_ends(app, client, make) -> None:
    make.user("clinician", "dr-a")
    _login(client)
    page = client.get("/clients").get_data(as_text=True)
    ends_in = int(re.search(r'data-ends-in="(\d+)"', page).group(1))
    assert 890 <= ends_in <= 900
    assert 'data-warn-before="60"' in page
    assert 'src="/intake-ai-static/js/session-timeout.js"' in page
    assert "<script>" not in page  # no inline script (CSP: script-src 'self')


def test_status_does_not_count_as_activity_but_keep_alive_does(app, client, make) -> None:
    make.user("clinician", "dr-a")
    _login(client)
    _shift(app, last_seen_at=timedelta(minutes=10))
    status = client.get("/session/status")
    assert status.status_code == 200
    assert status.json["signed_in"] is True and 290 <= status.json["ends_in"] <= 300
    assert status.json["extendable"] is True
    again = client.get("/session/status").json["ends_in"]
    assert again <= 300
    alive = client.post("/session/keep-alive")
    assert alive.status_code == 200 and alive.json["ends_in"] >= 895
    assert alive.json["csrf_token"]
    client.post("/logout")
    assert client.get("/session/status").status_code == 401
    assert client.post("/session/keep-alive").status_code == 401


def test_keep_alive_cannot_pass_the_absolute_lifetime(app, client, make) -> None:
    make.user("clinician", "dr-a")
    _login(client)
    _shift(app, created_at=timedelta(hours=11, minutes=55))
    alive = client.post("/session/keep-alive").json
    assert alive["extendable"] is False and alive["ends_in"] <= 300


def test_keep_alive_needs_the_csrf_token(app_factory, make) -> None:
    app = app_factory(WTF_CSRF_ENABLED=True)
    make.app = app
    make.user("clinician", "dr-a")
    web = app.test_client()
    page = web.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    web.post("/login", data={"username": "dr-a", "password": PASSWORD, "csrf_token": token})
    assert web.post("/session/keep-alive").status_code == 400
    page = web.get("/clients").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    assert web.post("/session/keep-alive", data={"csrf_token": token}).status_code == 200


def test_the_page_timer_signs_out_with_its_reason_and_returns_to_the_form(app, client, make):  # type: ignore[no-untyped-def]
    make.user("clinician", "dr-a")
    _login(client)
    response = client.post(
        "/logout", data={"reason": "idle", "next": "/sessions/4/intake", "draft": "saved"}
    )
    assert response.headers["Location"] == "/login?next=/sessions/4/intake"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "signed out after 15 minutes without activity" in page
    assert "kept as a draft" in page
    off_site = client.post("/logout", data={"reason": "idle", "next": "//evil.example/"})
    assert off_site.headers["Location"] == "/login"

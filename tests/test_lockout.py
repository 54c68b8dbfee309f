"""Brute force and enumeration: growing delays and locks per name and per address, the same
answer and the same time for unknown and known names, every failure audited."""

from __future__ import annotations

import statistics
import time
from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from intake_ai.auth import lockout
from intake_ai.models import AuditRecord, LoginThrottle
from intake_ai.store.database import session, transaction, utcnow
from tests.conftest import PASSWORD


def _attempt(client: FlaskClient, username: str, password: str, address: str = "10.1.0.1"):  # type: ignore[no-untyped-def]
    return client.post(
        "/login",
        data={"username": username, "password": password},
        environ_base={"REMOTE_ADDR": address},
    )


def _wait_out(app: Flask) -> None:
    """As if every running delay had passed (the code never sleeps; neither do the tests)."""
    with app.app_context(), transaction():
        for row in session().scalars(select(LoginThrottle)):
            if row.locked_until is not None:
                row.locked_until = utcnow() - timedelta(seconds=1)


def test_delays_grow_after_five_failures_and_ten_lock_for_fifteen_minutes(app, client, make):  # type: ignore[no-untyped-def]
    make.user("clinician", "dr-a")
    for _ in range(5):
        assert _attempt(client, "dr-a", "wrong-guess").status_code == 401
    waits = []
    for _ in range(5):
        refused = _attempt(client, "dr-a", PASSWORD)  # even the right password is not heard
        assert refused.status_code == 429
        waits.append(int(refused.headers["Retry-After"]))
        assert f"Try again in {waits[-1]} seconds." in refused.get_data(as_text=True)
        _wait_out(app)
        assert _attempt(client, "dr-a", "wrong-guess").status_code == 401
    assert waits == [2, 4, 8, 16, 32]
    locked = _attempt(client, "dr-a", PASSWORD)
    assert locked.status_code == 429
    assert 895 <= int(locked.headers["Retry-After"]) <= 900


def test_unknown_and_known_names_get_the_same_answers(app, client, make) -> None:
    make.user("clinician", "dr-a")

    def answers(username: str, address: str) -> list[tuple[int, str, str | None]]:
        seen = []
        for _ in range(7):
            response = _attempt(client, username, "wrong-guess", address)
            body = response.get_data(as_text=True).replace(username, "NAME")
            seen.append((response.status_code, body, response.headers.get("Retry-After")))
        return seen

    known, unknown = answers("dr-a", "10.2.0.1"), answers("dr-zz", "10.2.0.2")
    assert known == unknown
    assert [status for status, _, _ in known] == [401] * 5 + [429] * 2


def test_an_unknown_name_takes_as_long_as_a_wrong_password(app_factory, make) -> None:
    # A deliberately slow hash, so that skipping it would stand out from any noise.
    app = app_factory(INTAKE_AI_PASSWORD_HASH_METHOD="pbkdf2:sha256:400000")
    make.app = app
    make.user("clinician", "dr-a")
    make.user("clinician", "dr-host", password=None)  # signs in through the host only
    web = app.test_client()

    def seconds(username: str, round_: int) -> float:
        started = time.perf_counter()
        response = _attempt(web, username, "wrong-guess", f"10.3.{round_}.{len(username)}")
        assert response.status_code == 401
        return time.perf_counter() - started

    _attempt(web, "warm-up", "x", "10.3.9.9")
    known = [seconds("dr-a", i) for i in range(3)]
    unknown = [seconds("nobody-here", i) for i in range(3)]
    no_password = [seconds("dr-host", i) for i in range(3)]
    assert statistics.median(unknown) > 0.6 * statistics.median(known), (known, unknown)
    assert statistics.median(no_password) > 0.6 * statistics.median(known), no_password


def test_each_address_is_throttled_across_names(app, client, make) -> None:
    for i in range(5):
        assert _attempt(client, f"guess-{i}", "x", "10.4.0.1").status_code == 401
    assert _attempt(client, "guess-new", "x", "10.4.0.1").status_code == 429
    assert _attempt(client, "guess-new", "x", "10.4.0.2").status_code == 401


def test_a_complete_sign_in_clears_the_names_count(app, client, make) -> None:
    make.user("clinician", "dr-a")
    for i in range(4):
        _attempt(client, "dr-a", "wrong-guess", f"10.5.0.{i}")
    assert _attempt(client, "dr-a", PASSWORD, "10.5.1.1").status_code == 302
    client.post("/logout")
    for i in range(4):
        _attempt(client, "dr-a", "wrong-guess", f"10.5.2.{i}")
    # Counted afresh from the sign-in: the fifth failure since is heard, the next is delayed.
    assert _attempt(client, "dr-a", "wrong-guess", "10.5.3.1").status_code == 401
    assert _attempt(client, "dr-a", PASSWORD, "10.5.3.2").status_code == 429


def test_a_quiet_quarter_hour_forgets_the_failures(app, client, make) -> None:
    for _ in range(4):
        _attempt(client, "dr-a", "wrong-guess")
    with app.app_context(), transaction():
        for row in session().scalars(select(LoginThrottle)):
            row.last_failure_at -= timedelta(minutes=16)
    _attempt(client, "dr-a", "wrong-guess")
    with app.app_context():
        counts = {row.kind: row.failures for row in session().scalars(select(LoginThrottle))}
    assert counts == {"account": 1, "address": 1}


def test_unlock_user_lifts_the_lock_early(app, client, make, runner) -> None:
    make.user("clinician", "dr-a")
    for i in range(10):
        _attempt(client, "dr-a", "wrong-guess", f"10.6.0.{i}")
        if i < 9:
            _wait_out(app)
    assert _attempt(client, "dr-a", PASSWORD, "10.6.1.1").status_code == 429
    result = runner.invoke(args=["unlock-user", "dr-a"])
    assert result.exit_code == 0, result.output
    assert "unlocked" in result.output
    assert _attempt(client, "dr-a", PASSWORD, "10.6.1.1").status_code == 302
    again = runner.invoke(args=["unlock-user", "dr-a"])
    assert "was not locked" in again.output
    with app.app_context():
        lifted = (
            session().scalars(select(AuditRecord).where(AuditRecord.operation == "update")).all()
        )
        assert any("sign-in lock lifted for 'dr-a'" in (r.detail or "") for r in lifted)


def test_unlock_address_lifts_an_address_lock(app, client) -> None:
    for i in range(5):
        _attempt(client, f"guess-{i}", "x", "10.7.0.1")
    with app.app_context(), transaction():
        assert lockout.unlock_address("10.7.0.1") is True
    assert _attempt(client, "guess-9", "x", "10.7.0.1").status_code == 401


def test_every_failure_is_audited_with_the_name_tried_never_the_password(app, client, make):  # type: ignore[no-untyped-def]
    make.user("clinician", "dr-a")
    long_name = "pasted-" + "x" * 70
    _attempt(client, "dr-a", "Secret-Guess-1")
    _attempt(client, "dr-ghost", "Secret-Guess-2")
    _attempt(client, long_name, "Secret-Guess-3")
    for _ in range(2):
        _attempt(client, "dr-ghost", "Secret-Guess-4")
    _attempt(client, "dr-ghost", "Secret-Guess-5")  # refused unheard (sixth from the address)
    with app.app_context():
        records = (
            session()
            .scalars(
                select(AuditRecord).where(AuditRecord.operation == "login").order_by(AuditRecord.id)
            )
            .all()
        )
    details = [r.detail or "" for r in records]
    assert len(records) == 6 and all(r.outcome == "4" for r in records)
    assert details[0] == "username 'dr-a': wrong password"
    assert details[1] == "username 'dr-ghost': no such user"
    assert details[2] == f"username '{long_name[:40]}...': no such user"
    assert details[5].startswith("username 'dr-ghost': refused unheard")
    every_column = repr([[getattr(r, c.name) for c in AuditRecord.__table__.c] for r in records])
    assert "Secret-Guess" not in every_column
    assert all(r.source_ip == "10.1.0.1" for r in records)


def test_delay_after_counts() -> None:
    assert [lockout.delay_after(n) for n in range(1, 5)] == [None] * 4
    assert lockout.delay_after(5) == timedelta(seconds=2)
    assert lockout.delay_after(9) == timedelta(seconds=32)
    assert lockout.delay_after(10) == lockout.delay_after(14) == timedelta(minutes=15)

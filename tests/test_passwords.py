"""The password policy, and every place a password is set applying it."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from intake_ai.auth.passwords import password_problems
from intake_ai.demo.seed import DEMO_PASSWORD
from intake_ai.models import User
from intake_ai.store.database import session
from tests.conftest import PASSWORD

GOOD = "tidal-lantern-orbit-91"


@pytest.mark.parametrize(
    ("password", "username", "reason"),
    [
        ("short-1", "dr-a", "at least 12 characters"),
        ("password1234", "dr-a", "very common password"),
        ("Qwerty123456!", "dr-a", "commonly used password"),
        ("aaaaaaaaaaaaaaa", "dr-a", "Repeats"),
        ("abcdefghijklmnop", "dr-a", "Sequences"),
        ("my-name-is-maria-k", "maria", "username"),
        ("x" * 129, "dr-a", "at most 128"),
    ],
)
def test_weak_passwords_are_refused_with_the_reason(password, username, reason) -> None:
    problems = password_problems(password, username)
    assert len(problems) == 1
    assert reason.lower() in problems[0].lower()


@pytest.mark.parametrize(
    "password", [GOOD, PASSWORD, "correct horse battery staple", "x7#Kq!9mZ2@w"]
)
def test_strong_passwords_pass(password) -> None:
    assert password_problems(password, "dr-a") == []


def test_a_long_passphrase_is_judged_without_error() -> None:
    assert password_problems("plum-river-quiet-staple-" * 5, "dr-a") == []


def test_the_username_counts_whatever_its_case(app) -> None:
    assert "username" in password_problems("Hello-DrSmith-2026", "drsmith")[0]


def test_the_demo_password_would_not_pass_the_policy() -> None:
    # So the demo seeder's bypass is real, and needed.
    assert password_problems(DEMO_PASSWORD, "demo-clinician-1")


def test_demo_users_still_sign_in_with_the_demo_password(app, runner, client) -> None:
    result = runner.invoke(args=["seed-demo", "--clients", "1", "--sessions", "1"])
    assert result.exit_code == 0, result.output
    answer = client.post("/login", data={"username": "demo-clinician-1", "password": DEMO_PASSWORD})
    assert answer.status_code == 302 and answer.headers["Location"] == "/"


def test_cli_create_user_refuses_a_common_password(app, runner) -> None:
    result = runner.invoke(
        args=["create-user", "dr-a", "--role", "clinician", "--password", "password1234"]
    )
    assert result.exit_code == 1
    assert "password: This is a very common password." in result.output
    with app.app_context():
        assert session().scalars(select(User)).first() is None


def test_cli_create_user_refuses_a_password_holding_the_username(runner) -> None:
    result = runner.invoke(
        args=["create-user", "maria", "--role", "clinician", "--password", "maria-lantern-91"]
    )
    assert result.exit_code == 1 and "username" in result.output


def test_cli_set_password_applies_the_policy(app, runner, make) -> None:
    make.user("clinician", "dr-a")
    weak = runner.invoke(args=["set-password", "dr-a", "--password", "iloveyou123"])
    assert weak.exit_code == 1 and "at least 12" in weak.output
    common = runner.invoke(args=["set-password", "dr-a", "--password", "password123456"])
    assert common.exit_code == 1 and "common" in common.output
    with app.app_context():
        assert session().scalars(select(User)).one().check_password(PASSWORD)
    ok = runner.invoke(args=["set-password", "dr-a", "--password", GOOD])
    assert ok.exit_code == 0, ok.output
    with app.app_context():
        assert session().scalars(select(User)).one().check_password(GOOD)


def test_admin_reset_applies_the_policy_at_the_field(app, client, auth, make) -> None:
    make.user("admin", "root")
    make.user("clinician", "dr-a")
    with app.app_context():
        target = session().scalars(select(User).where(User.username == "dr-a")).one().id
    auth.login("root")
    answer = client.post(
        f"/admin/users/{target}/password", data={"how": "typed", "password": "password1234"}
    )
    assert answer.status_code == 400
    page = answer.get_data(as_text=True)
    assert 'id="password-error">This is a very common password.' in page
    with app.app_context():
        user = session().get(User, target)
        assert user is not None and user.check_password(PASSWORD)
        assert not user.must_change_password


def test_admin_new_user_with_a_typed_weak_password_is_refused(app, client, auth, make) -> None:
    make.user("admin", "root")
    auth.login("root")
    answer = client.post(
        "/admin/users/new",
        data={
            "username": "newbie",
            "display_name": "New Bie",
            "role": "clinician",
            "supervisor": "",
            "sign_in": "typed",
            "password": "newbie-2026-x",
        },
    )
    assert answer.status_code == 400
    assert "Do not put your username in the password." in answer.get_data(as_text=True)
    with app.app_context():
        assert session().scalars(select(User).where(User.username == "newbie")).first() is None


def test_changing_your_own_password_applies_the_policy(app, client, auth, make) -> None:
    make.user("clinician", "dr-a")
    auth.login("dr-a")
    answer = client.post(
        "/account/password",
        data={
            "current_password": PASSWORD,
            "new_password": "short-pw",
            "confirm": "short-pw",
        },
    )
    assert answer.status_code == 400
    page = answer.get_data(as_text=True)
    assert 'id="new_password-error">Use at least 12 characters (this has 8).' in page
    with app.app_context():
        assert session().scalars(select(User)).one().check_password(PASSWORD)

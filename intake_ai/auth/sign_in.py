"""The steps of signing in to the module's own pages: password, then (if set up or required)
the second factor. Every refusal looks and takes the same for known and unknown names, is
counted by ``lockout`` and is on file in the audit trail with the name tried (never the
password or the code)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from flask import current_app
from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from intake_ai import audit
from intake_ai.auth import lockout, second_factor
from intake_ai.auth.actors import Actor, client_address
from intake_ai.auth.login_sessions import LoginState, Stage, begin
from intake_ai.models import User
from intake_ai.store.database import session, transaction

#: How much of a name that signed nobody in goes into the audit trail: people sometimes
#: type their password into the name field, so keep only a recognisable start.
SHOWN_NAME = 40


@dataclass(frozen=True)
class Attempt:
    """The result of one step: the user it signs in, or why not."""

    user: User | None = None
    #: Set when the attempt was not heard at all: seconds until one will be.
    retry_after: int | None = None


@cache
def _dummy_hash(method: str) -> str:
    # Checked instead of a real hash when the name is unknown (or cannot sign in), so the
    # answer takes as long as for a real account with a wrong password.
    return generate_password_hash("no one has this password", method=method)


def _refuse(username: str, reason: str, user: User | None = None) -> None:
    shown = username[:SHOWN_NAME] + ("..." if len(username) > SHOWN_NAME else "")
    audit.record_refusal(
        "login",
        detail=f"username {shown!r}: {reason}",
        actor=Actor(user=user) if user is not None else None,
    )


def _throttled(username: str, user: User | None = None) -> Attempt | None:
    wait = lockout.retry_after(username, client_address())
    if wait is None:
        return None
    _refuse(username, f"refused unheard, too many failures (retry in {wait} s)", user)
    return Attempt(retry_after=wait)


def password_step(username: str, password: str) -> Attempt:
    """Check a name and password; on failure counted, audited and slowed."""
    throttled = _throttled(username)
    if throttled is not None:
        return throttled
    user = session().scalars(select(User).where(User.username == username)).first()
    usable = user is not None and user.active and user.password_hash is not None
    stored = user.password_hash if usable and user is not None else None
    method = current_app.config["INTAKE_AI_PASSWORD_HASH_METHOD"]
    matches = check_password_hash(stored or _dummy_hash(method), password)
    if usable and matches:
        return Attempt(user=user)
    lockout.record_failure(username, client_address())
    if user is None:
        reason = "no such user"
    elif not usable:
        reason = "user cannot sign in with a password (inactive or host sign-in only)"
    else:
        reason = "wrong password"
    _refuse(username, reason)
    return Attempt()


def start(user: User) -> Stage:
    """After the password: a session at the step the user is now at (caller's transaction)."""
    if second_factor.has_second_factor(user):
        stage = Stage.CODE
    elif current_app.config["INTAKE_AI_REQUIRE_MFA"]:
        stage = Stage.ENROL
    else:
        stage = Stage.SIGNED_IN
    begin(user, stage)
    if stage is Stage.SIGNED_IN:
        _signed_in(user, "password")
    return stage


def code_step(state: LoginState, code: str) -> Attempt:
    """Check the authenticator (or recovery) code of a session waiting for it.

    Its own unit of work: on SQLite a failure can be counted (on its own connection) only
    once this one has let go of the database.
    """
    user = state.user
    throttled = _throttled(user.username, user)
    if throttled is not None:
        return throttled
    with transaction():
        used = second_factor.verify(user, code)
        if used is not None:
            begin(user, Stage.SIGNED_IN)
            how = "authenticator code"
            if used == "recovery":
                how = f"a recovery code ({second_factor.recovery_codes_left(user)} left)"
            _signed_in(user, f"password and {how}")
    if used is None:
        lockout.record_failure(user.username, client_address())
        _refuse(user.username, "wrong or already used second-factor code", user)
        return Attempt()
    return Attempt(user=user)


def enrolled(state: LoginState) -> None:
    """A second factor was just confirmed: a session waiting for enrolment is signed in."""
    user = state.user
    audit.record("login", detail="second factor set up", actor=Actor(user=user))
    if state.stage is Stage.ENROL:
        begin(user, Stage.SIGNED_IN)
        _signed_in(user, "password, then set up a second factor")


def _signed_in(user: User, how: str) -> None:
    lockout.clear_account(user.username)
    audit.record("login", detail=f"signed in with {how}", actor=Actor(user=user))


def unlock(username: str) -> bool:
    """An admin lifts a lock on an account name (caller's transaction, audited)."""
    was_locked = lockout.unlock_account(username)
    audit.record("update", detail=f"sign-in lock lifted for {username[:SHOWN_NAME]!r}")
    return was_locked

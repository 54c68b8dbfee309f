"""Server-side sign-in sessions: the browser's signed cookie carries only a random id.

A session ends when its person signs out, after ``INTAKE_AI_IDLE_MINUTES`` without a
request, ``INTAKE_AI_SESSION_HOURS`` after sign-in, when the user is deactivated or their
password changes, or when ``end_sessions_of`` is called. Because the row decides, a copy of
the cookie taken before sign-out is worth nothing after it.
"""

from __future__ import annotations

import enum
import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app, flash, g, url_for
from flask import session as cookie_session
from sqlalchemy import delete, or_, select, update

from intake_ai import audit
from intake_ai.auth.actors import Actor
from intake_ai.models import LoginSession, User
from intake_ai.store.database import engine, session, utcnow

#: The key of the session id in Flask's signed cookie; nothing else there says who you are.
SESSION_KEY = "_intake_sid"
#: A password step waiting for its second factor or enrolment lasts no longer than this.
PENDING_LIMIT = timedelta(minutes=10)
#: Requests closer together than this do not rewrite ``last_seen_at`` (one write, not one
#: per page); the effective idle time is at most this much shorter than configured.
TOUCH_AT_MOST_EVERY = timedelta(seconds=30)


class Stage(enum.StrEnum):
    SIGNED_IN = "signed-in"
    #: Password accepted; the authenticator code (or a recovery code) is still to come.
    CODE = "code"
    #: Password accepted; a second factor is required and must be set up first.
    ENROL = "enrol"


@dataclass(frozen=True)
class LoginState:
    row_id: int
    user: User
    stage: Stage
    #: When the session ends if no further request comes.
    ends_at: datetime
    #: False when the absolute lifetime, not idleness, decides ``ends_at``.
    extendable: bool

    def seconds_left(self) -> int:
        return max(0, int((self.ends_at - utcnow()).total_seconds()))


def digest(raw: str) -> str:
    # The id is 256 random bits: a fast hash suffices, as for API tokens.
    return hashlib.sha256(raw.encode()).hexdigest()


def credential_stamp(user: User) -> str:
    """Changes whenever the user's password does (a reset ends every session)."""
    return hashlib.sha256((user.password_hash or "").encode()).hexdigest()


def idle_limit() -> timedelta:
    return timedelta(minutes=float(current_app.config["INTAKE_AI_IDLE_MINUTES"]))


def lifetime_limit() -> timedelta:
    return timedelta(hours=float(current_app.config["INTAKE_AI_SESSION_HOURS"]))


def _touch_every() -> timedelta:
    return min(TOUCH_AT_MOST_EVERY, idle_limit() / 10)


def _lifetime_end(row: LoginSession) -> datetime:
    limit = (
        lifetime_limit() if row.stage == Stage.SIGNED_IN else min(lifetime_limit(), PENDING_LIMIT)
    )
    return row.created_at + limit


def begin(user: User, stage: Stage) -> None:
    """Start a fresh session for ``user`` in the caller's transaction.

    Always a new random id (the one the browser brought, if any, is ended): an id planted
    before sign-in, or kept from the password step, never becomes a signed-in session.
    """
    now = utcnow()
    db = session()
    previous = cookie_session.get(SESSION_KEY)
    if isinstance(previous, str):
        db.execute(
            update(LoginSession)
            .where(LoginSession.id_hash == digest(previous), LoginSession.ended_at.is_(None))
            .values(ended_at=now, end_reason="replaced")
        )
    # The user's finished sessions are of no further use: keep the table small.
    db.execute(
        delete(LoginSession).where(
            LoginSession.user_id == user.id,
            or_(
                LoginSession.ended_at.is_not(None),
                LoginSession.created_at < now - lifetime_limit(),
                LoginSession.last_seen_at < now - idle_limit(),
            ),
        )
    )
    raw = secrets.token_urlsafe(32)
    row = LoginSession(
        id_hash=digest(raw),
        user_id=user.id,
        stage=stage.value,
        credential_stamp=credential_stamp(user),
        created_at=now,
        last_seen_at=now,
    )
    db.add(row)
    db.flush()
    # Nothing from before sign-in carries over into the signed-in cookie.
    cookie_session.clear()
    cookie_session[SESSION_KEY] = raw
    g.pop("intake_login", None)
    g.pop("intake_actor", None)


def current(*, touch: bool | None = None) -> LoginState | None:
    """This request's live session (any stage), or None; checked once per request.

    A request counts as activity: ``last_seen_at`` moves on, at most every 30 s
    (``touch=None``), always (``True``: "stay signed in") or not at all (``False``: the
    page's timer asking how long is left). The write goes on its own short connection,
    like audit refusals, so a page that only reads still keeps its person signed in.
    """
    if touch is None and "intake_login" in g:
        return g.intake_login
    state = _load(touch)
    g.intake_login = state
    return state


def signed_in_user() -> User | None:
    """The user of a fully signed-in session (both factors, if one is set up)."""
    state = current()
    return state.user if state is not None and state.stage is Stage.SIGNED_IN else None


def _load(touch: bool | None) -> LoginState | None:
    raw = cookie_session.get(SESSION_KEY)
    if not isinstance(raw, str) or not raw:
        return None
    found = (
        session()
        .execute(
            select(LoginSession, User)
            .join(User, User.id == LoginSession.user_id)
            .where(LoginSession.id_hash == digest(raw))
        )
        .first()
    )
    if found is None:
        cookie_session.pop(SESSION_KEY, None)
        return None
    row, user = found
    now = utcnow()
    reason = _why_over(row, user, now)
    if reason is not None:
        cookie_session.pop(SESSION_KEY, None)
        g.intake_login_ended = reason
        if row.ended_at is None:
            _end_now(row.id, reason, user)
        return None
    last_seen = row.last_seen_at
    if touch or (touch is None and now - last_seen >= _touch_every()):
        with engine().begin() as connection:
            connection.execute(
                update(LoginSession).where(LoginSession.id == row.id).values(last_seen_at=now)
            )
        last_seen = now
    idle_end, lifetime_end = last_seen + idle_limit(), _lifetime_end(row)
    return LoginState(
        row_id=row.id,
        user=user,
        stage=Stage(row.stage),
        ends_at=min(idle_end, lifetime_end),
        extendable=idle_end < lifetime_end,
    )


def _why_over(row: LoginSession, user: User, now: datetime) -> str | None:
    if row.ended_at is not None:
        return row.end_reason or "ended"
    if not user.active:
        return "deactivated"
    if credential_stamp(user) != row.credential_stamp:
        return "password-changed"
    if now >= _lifetime_end(row):
        return "lifetime"
    if now >= row.last_seen_at + idle_limit():
        return "idle"
    return None


def _end_now(row_id: int, reason: str, user: User) -> None:
    """End a session found over its time, at once and on file (the request may fail)."""
    with engine().begin() as connection:
        ended = connection.execute(
            update(LoginSession)
            .where(LoginSession.id == row_id, LoginSession.ended_at.is_(None))
            .values(ended_at=utcnow(), end_reason=reason)
        ).rowcount
    if ended:
        audit.record_refusal(
            "logout",
            outcome=audit.Outcome.SUCCESS,
            detail=f"session ended: {reason}",
            actor=Actor(user=user),
        )


def end_current(reason: str = "signed-out") -> LoginState | None:
    """End this browser's session (caller's transaction) and empty its cookie."""
    state = current()
    raw = cookie_session.get(SESSION_KEY)
    if isinstance(raw, str):
        session().execute(
            update(LoginSession)
            .where(LoginSession.id_hash == digest(raw), LoginSession.ended_at.is_(None))
            .values(ended_at=utcnow(), end_reason=reason)
        )
    cookie_session.clear()
    g.pop("intake_login", None)
    g.pop("intake_actor", None)
    return state


def keep_current(user: User) -> None:
    """After the person changed their own password: this browser stays signed in (its
    session takes the new credential), every other session of theirs ends by it."""
    raw = cookie_session.get(SESSION_KEY)
    if isinstance(raw, str) and raw:
        session().execute(
            update(LoginSession)
            .where(LoginSession.id_hash == digest(raw), LoginSession.user_id == user.id)
            .values(credential_stamp=credential_stamp(user))
        )


def end_sessions_of(user_id: int, reason: str = "ended-by-admin") -> int:
    """End every open session of a user, in the caller's transaction; how many were open.

    For deactivation, password resets and "sign out everywhere". (Deactivation and a new
    password also end them on their own, at the session's next request.)
    """
    result = session().execute(
        update(LoginSession)
        .where(LoginSession.user_id == user_id, LoginSession.ended_at.is_(None))
        .values(ended_at=utcnow(), end_reason=reason[:20])
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


#: What a person sent back to sign-in is told about the session that just ended.
ENDED_MESSAGES = {
    "idle": "You were signed out after {idle} minutes without activity. Please sign in again.",
    "lifetime": "Your sign-in reached its {hours}-hour limit. Please sign in again.",
}


def ended_message(reason: str | None) -> str | None:
    template = ENDED_MESSAGES.get(reason or "")
    if template is None:
        return None
    config = current_app.config
    return template.format(
        idle=_number(config["INTAKE_AI_IDLE_MINUTES"]),
        hours=_number(config["INTAKE_AI_SESSION_HOURS"]),
    )


def _number(value: float) -> str:
    return f"{value:g}"


def sign_in_url(next_path: str) -> str:
    """Where the page guard sends a request without a signed-in session."""
    state = current()
    if state is not None and state.stage is Stage.CODE:
        return url_for("intake_auth.code")
    if state is not None and state.stage is Stage.ENROL:
        return url_for("intake_auth.two_step")
    message = ended_message(g.get("intake_login_ended"))
    if message:
        flash(message)
    return url_for("intake_auth.login", next=next_path)

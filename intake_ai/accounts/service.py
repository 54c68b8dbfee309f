"""Account lifecycle: creating, deactivating and reactivating users, setting passwords.

Used by the admin pages and the command line alike. Each function works in the caller's
unit of work and adds its audit entry there: who acted, on which user, never a password.
Page callers are checked here (admins only); the command line is the server's operator.
"""

from __future__ import annotations

import getpass
import secrets
from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import ColumnElement, func, or_, select

from intake_ai import access, audit, directory
from intake_ai.auth import login_sessions
from intake_ai.auth.actors import Actor
from intake_ai.auth.passwords import require_acceptable_password
from intake_ai.errors import AccessDenied, InvalidInput, NotFound
from intake_ai.models import ApiToken, Role, User
from intake_ai.store.database import session, utcnow

#: No look-alikes (0/O, 1/l/I): a temporary password is read off a screen and typed.
_TEMPORARY_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789"


@dataclass(frozen=True)
class Operator:
    """Whoever runs a command on the server, audited under their system login."""

    username: str
    id: None = None
    role: str = "command-line"


@dataclass(frozen=True)
class CommandLine:
    """The actor of a ``flask`` command: trusted, since it holds the server's shell."""

    user: Operator = field(default_factory=lambda: Operator(f"cli:{_system_login()}"[:80]))
    token: None = None


def _system_login() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no login name in a bare container
        return "unknown"


#: Who may manage accounts: an admin at a page, or the operator at the command line.
Manager = Actor | CommandLine


def require_admin(actor: Manager) -> None:
    if isinstance(actor, Actor) and not access.is_admin(actor):
        raise AccessDenied("User and token administration is for admins.")


def _end_sessions(user: User) -> None:
    """End the user's signed-in page sessions everywhere (a deactivation, a reset)."""
    login_sessions.end_sessions_of(user.id)


def _entity(user: User) -> str:
    return f"user/{user.id}"


@dataclass(frozen=True)
class UserRow:
    user: User
    #: Tokens that would work if the user is active: not revoked, not expired.
    live_tokens: int


def _unrevoked_unexpired() -> list[ColumnElement[bool]]:
    return [
        ApiToken.revoked_at.is_(None),
        or_(ApiToken.expires_at.is_(None), ApiToken.expires_at > utcnow()),
    ]


def live_token_count(user: User) -> int:
    """The user's tokens that work whenever the user is active."""
    count = select(func.count(ApiToken.id)).where(
        ApiToken.user_id == user.id, *_unrevoked_unexpired()
    )
    return session().scalar(count) or 0


def list_users(actor: Manager) -> list[UserRow]:
    require_admin(actor)
    live = (
        select(ApiToken.user_id, func.count(ApiToken.id).label("n"))
        .where(*_unrevoked_unexpired())
        .group_by(ApiToken.user_id)
        .subquery()
    )
    rows = session().execute(
        select(User, live.c.n)
        .outerjoin(live, live.c.user_id == User.id)
        .order_by(User.role, User.username)
    )
    audit.record("search-type", "User", detail="user list", actor=actor)
    return [UserRow(user, n or 0) for user, n in rows]


def get_user(actor: Manager, user_id: int, *, for_change: bool = False) -> User:
    """The user an admin opens; audited as a read unless it is opened to be changed (the
    change's own entry then stands for the request)."""
    require_admin(actor)
    user = session().get(User, user_id)
    if user is None:
        raise NotFound("No such user.")
    if not for_change:
        audit.record("read", _entity(user), detail=f"account of {user.username}", actor=actor)
    return user


def find_user(actor: Manager, username: str) -> User:
    require_admin(actor)
    return directory.find_user(username)


def supervisors() -> list[User]:
    return list(
        session().scalars(
            select(User)
            .where(User.role == Role.SUPERVISOR, User.active.is_(True))
            .order_by(User.username)
        )
    )


def temporary_password(username: str) -> str:
    """A random password in four groups of four: about 92 bits, and it meets the policy."""
    while True:
        text = "-".join(
            "".join(secrets.choice(_TEMPORARY_ALPHABET) for _ in range(4)) for _ in range(4)
        )
        try:
            require_acceptable_password(text, username)
        except InvalidInput:  # pragma: no cover - chance of one in billions
            continue
        return text


def create_user(
    actor: Manager,
    username: str,
    display_name: str,
    role: Role,
    password: str | None,
    *,
    supervisor: str | None = None,
    temporary: bool = False,
) -> User:
    """A new user; ``temporary``: they must change the password at their first sign-in."""
    require_admin(actor)
    if supervisor and role is not Role.CLINICIAN:
        raise InvalidInput({"supervisor": ["only a clinician has a supervisor"]})
    user = directory.create_user(
        username, display_name, role, password, must_change_password=temporary
    )
    if supervisor:
        directory.assign_supervisor(directory.find_user(supervisor), user)
    sign_in = "no password" if password is None else "temporary password" if temporary else ""
    audit.record(
        "create",
        _entity(user),
        detail=f"created {role.value} {username}" + (f" ({sign_in})" if sign_in else ""),
        actor=actor,
    )
    return user


def set_active(actor: Manager, user: User, active: bool) -> None:
    """Deactivate or reactivate. Their tokens are not revoked: they stop working while the
    user is inactive (``auth/tokens.py`` refuses them) and work again after reactivation."""
    require_admin(actor)
    if not active and isinstance(actor, Actor) and actor.user.id == user.id:
        raise InvalidInput({"user": ["You cannot deactivate your own account."]})
    if user.active == active:
        return
    user.active = active
    session().flush()
    if not active:
        _end_sessions(user)
    verb = "reactivated" if active else "deactivated"
    audit.record("update", _entity(user), detail=f"{verb} {user.username}", actor=actor)


def _store_password(user: User, password: str) -> None:
    user.set_password(password, current_app.config["INTAKE_AI_PASSWORD_HASH_METHOD"])


def reset_password(
    actor: Manager, user: User, typed: str | None = None, *, temporary: bool = True
) -> str | None:
    """Set ``typed``, or a generated password (returned, to be shown once, never stored).

    ``temporary``: until the user changes it, every page sends them to change it.
    """
    require_admin(actor)
    if isinstance(actor, Actor) and actor.user.id == user.id:
        raise InvalidInput({"user": ["Change your own password on your Account page."]})
    generated = None
    if typed is None:
        generated = typed = temporary_password(user.username)
    else:
        require_acceptable_password(typed, user.username, [user.display_name])
    _store_password(user, typed)
    user.must_change_password = temporary
    session().flush()
    _end_sessions(user)
    how = "generated" if generated else "typed"
    must = ", to be changed at next sign-in" if temporary else ""
    audit.record(
        "update",
        _entity(user),
        detail=f"password of {user.username} reset ({how}{must})",
        actor=actor,
    )
    return generated


def change_own_password(actor: Actor, current: str, new: str) -> None:
    """The signed-in person replaces their password (and so ends a forced change)."""
    user = actor.user_row()
    if not user.check_password(current):
        raise InvalidInput({"current_password": ["This is not your current password."]})
    if new == current:
        raise InvalidInput({"new_password": ["Choose a password different from the current one."]})
    require_acceptable_password(new, user.username, [user.display_name], field="new_password")
    _store_password(user, new)
    user.must_change_password = False
    session().flush()
    login_sessions.keep_current(user)  # this browser stays; the others end
    audit.record("update", _entity(user), detail="changed own password", actor=actor)

"""The one notion of "who is asking", for pages and API calls alike."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from flask import current_app, g, request

from intake_ai.auth.scopes import Scope
from intake_ai.models import ApiToken, Role, User
from intake_ai.store.database import session


@dataclass(frozen=True, slots=True)
class TokenUser:
    """The user a bearer token acts for, read with the token in one statement: what the
    checks, the access rules and the audit ask of a user, as plain values (loading the token
    and its user as ORM objects cost an API read more than the read itself)."""

    id: int
    username: str
    display_name: str
    role: Role
    active: bool
    must_change_password: bool = False

    @property
    def practitioner_ref(self) -> str:
        return f"Practitioner/{self.id}"


@dataclass(frozen=True, slots=True)
class TokenFacts:
    """A bearer token as read for one API call: who holds it and when it was last used."""

    id: int
    user_id: int
    last_used_at: datetime | None
    smart_client_id: int | None


@dataclass(frozen=True)
class Actor:
    #: A page's signed-in user (a row), or an API token's user (plain values).
    user: User | TokenUser
    #: Set for API calls: the token's scopes narrow what the user may do.
    token: ApiToken | TokenFacts | None = None
    scopes: tuple[Scope, ...] = field(default=())

    @property
    def role(self) -> Role:
        return self.user.role

    def user_row(self) -> User:
        """The user as a row, for work that changes it or links rows to it (an API token's
        user is plain values: loaded here, on the rare call that needs the row)."""
        if isinstance(self.user, User):
            return self.user
        row = session().get(User, self.user.id)
        if row is None:  # removed while the call ran: as if the token had been refused
            raise RuntimeError("the token's user no longer exists")
        return row

    @property
    def name(self) -> str:
        return self.user.username


def page_actor() -> Actor | None:
    """The signed-in person for a page request, or None."""
    cached = g.get("intake_actor")
    if cached is not None:
        return cached
    user = current_app.extensions["intake_ai"].current_user()
    if user is None or not user.active:
        return None
    actor = Actor(user=user)
    g.intake_actor = actor
    return actor


def current_actor() -> Actor:
    """The actor of this request; routes run only after authentication set it."""
    actor = g.get("intake_actor")
    if actor is None:
        raise RuntimeError("no authenticated actor on this request")
    return actor


def client_address() -> str | None:
    return request.remote_addr

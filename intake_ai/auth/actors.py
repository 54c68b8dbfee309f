"""The one notion of "who is asking", for pages and API calls alike."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import current_app, g, request

from intake_ai.auth.scopes import Scope
from intake_ai.models import ApiToken, Role, User


@dataclass(frozen=True)
class Actor:
    user: User
    #: Set for API calls: the token's scopes narrow what the user may do.
    token: ApiToken | None = None
    scopes: tuple[Scope, ...] = field(default=())

    @property
    def role(self) -> Role:
        return self.user.role

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

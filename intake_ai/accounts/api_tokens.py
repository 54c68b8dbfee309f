"""API token lifecycle: issuing with an expiry, listing, revoking.

The secret itself is made and checked in ``auth/tokens.py``; this is what admins and the
operator do with tokens. Every action is audited (which token, whose; never the secret).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from intake_ai import audit
from intake_ai.accounts.service import Manager, require_admin
from intake_ai.auth.tokens import issue_token
from intake_ai.errors import InvalidInput, NotFound
from intake_ai.models import ApiToken, User
from intake_ai.store.database import session, utcnow


def default_days() -> int:
    """``INTAKE_AI_TOKEN_DAYS``: how long a token lives unless its issuer says otherwise."""
    days = current_app.config["INTAKE_AI_TOKEN_DAYS"]
    if isinstance(days, bool) or not isinstance(days, int) or days < 1:
        raise InvalidInput(
            {"INTAKE_AI_TOKEN_DAYS": [f"must be a whole number of days, not {days!r}"]}
        )
    return days


def issue(
    actor: Manager, user: User, name: str, scopes: list[str], days: int | None
) -> tuple[ApiToken, str]:
    """A token for ``user`` expiring after ``days`` (None: never, only when asked for)."""
    require_admin(actor)
    expires = utcnow() + timedelta(days=days) if days is not None else None
    row, secret = issue_token(user, name, scopes, expires)
    audit.record(
        "create",
        f"token/{row.id}",
        detail=f"token {name!r} for {user.username}, "
        + (f"expires in {days} days" if days is not None else "never expires"),
        actor=actor,
    )
    return row, secret


@dataclass(frozen=True)
class TokenRow:
    token: ApiToken
    status: str


def status_of(token: ApiToken, now: datetime) -> str:
    """Why a token works or not, in the words the pages and the CLI show."""
    if token.revoked_at is not None:
        return "revoked"
    if token.expires_at is not None and token.expires_at <= now:
        return "expired"
    if not token.user.active:
        return "user inactive"
    return "active"


def list_tokens(actor: Manager, user: User | None = None) -> list[TokenRow]:
    """Every token (or one user's, shown on that user's audited page), newest first."""
    require_admin(actor)
    query = select(ApiToken).options(joinedload(ApiToken.user)).order_by(ApiToken.id.desc())
    if user is not None:
        query = query.where(ApiToken.user_id == user.id)
    now = utcnow()
    rows = [TokenRow(token, status_of(token, now)) for token in session().scalars(query)]
    if user is None:
        audit.record("search-type", "ApiToken", detail="token list", actor=actor)
    return rows


def revoke(actor: Manager, token_id: int) -> ApiToken:
    """Revoke for good; revoking a revoked token changes nothing (and says so)."""
    require_admin(actor)
    token = session().get(ApiToken, token_id)
    if token is None:
        raise NotFound(f"No token with id {token_id}.")
    if token.revoked_at is not None:
        raise InvalidInput({"token": [f"Token {token_id} was already revoked."]})
    token.revoked_at = utcnow()
    session().flush()
    audit.record(
        "update",
        f"token/{token.id}",
        detail=f"revoked token {token.name!r} of {token.user.username}",
        actor=actor,
    )
    return token

"""Bearer tokens for API clients: issued once, stored as a SHA-256 digest."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from functools import lru_cache

from sqlalchemy import bindparam, or_, select, update

from intake_ai.auth.actors import Actor, TokenFacts, TokenUser
from intake_ai.auth.scopes import Scope, parse_scopes
from intake_ai.models import ApiToken, SmartClient, User
from intake_ai.store.database import session, utcnow

#: Makes leaked tokens easy to recognise in logs and secret scanners.
TOKEN_PREFIX = "iat_"  # noqa: S105


def digest(token: str) -> str:
    # Tokens are 256 random bits, so a fast hash is enough (no password stretching needed).
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(
    user: User, name: str, scopes: list[str], expires_at: datetime | None = None
) -> tuple[ApiToken, str]:
    """Create a token; returns the row and the secret, which is never stored or shown again."""
    parse_scopes(scopes)  # raises ScopeError on a malformed scope
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(
        name=name,
        user=user,
        token_hash=digest(secret),
        scopes=" ".join(scopes),
        expires_at=expires_at,
    )
    session().add(row)
    session().flush()
    return row, secret


#: Built once: every API call runs it. One Core statement, the token's columns and its
#: user's, no ORM objects: loading the token and its user through the ORM cost a read by
#: id more than the read itself. Nothing of it is cached, so a token revoked, expired or
#: whose user was disabled is refused on the very next call. A token a SMART client
#: obtained is found only while the client's registration is active: disabling one
#: revokes its tokens too, and this also covers a registration switched off in the
#: database directly.
_BY_DIGEST = (
    select(
        ApiToken.id,
        ApiToken.user_id,
        ApiToken.scopes,
        ApiToken.expires_at,
        ApiToken.revoked_at,
        ApiToken.last_used_at,
        ApiToken.smart_client_id,
        User.username,
        User.display_name,
        User.role,
        User.active,
        User.must_change_password,
    )
    .join(User, User.id == ApiToken.user_id)
    .outerjoin(SmartClient, SmartClient.id == ApiToken.smart_client_id)
    .where(ApiToken.token_hash == bindparam("digest"))
    .where(or_(ApiToken.smart_client_id.is_(None), SmartClient.active.is_(True)))
)


#: How stale ``last_used_at`` may get: a busy token costs one UPDATE a minute, not one a call.
LAST_USED_RESOLUTION = timedelta(minutes=1)

#: Built once. The condition repeats the staleness test in the database, so two calls that
#: both saw a stale time write once (the second finds the row already fresh).
_TOUCH = (
    update(ApiToken)
    .where(
        ApiToken.id == bindparam("token_id"),
        or_(ApiToken.last_used_at.is_(None), ApiToken.last_used_at < bindparam("stale_before")),
    )
    .values(last_used_at=bindparam("now"))
)


def note_use(token: ApiToken | TokenFacts) -> None:
    """Record the call's time on the token, at most once a minute.

    A single UPDATE on the session's connection: it commits (or rolls back) with the
    request's work and its audit entry, and costs nothing on the calls in between. Call it
    right before the request's own work (after anything that commits on its own).
    """
    now = utcnow()
    if token.last_used_at is not None and now - token.last_used_at < LAST_USED_RESOLUTION:
        return
    session().connection().execute(
        _TOUCH,
        {"token_id": token.id, "stale_before": now - LAST_USED_RESOLUTION, "now": now},
    )


def authenticate(authorization: str | None) -> Actor | None:
    """The actor for an ``Authorization: Bearer ...`` header, or None."""
    if not authorization:
        return None
    scheme, _, secret = authorization.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        return None
    row = session().connection().execute(_BY_DIGEST, {"digest": digest(secret.strip())}).first()
    if row is None or row.revoked_at is not None:
        return None
    if row.expires_at is not None and row.expires_at <= utcnow():
        return None
    if not row.active:
        return None
    user = TokenUser(
        id=row.user_id,
        username=row.username,
        display_name=row.display_name,
        role=row.role,
        active=row.active,
        must_change_password=row.must_change_password,
    )
    token = TokenFacts(
        id=row.id,
        user_id=row.user_id,
        last_used_at=row.last_used_at,
        smart_client_id=row.smart_client_id,
    )
    return Actor(user=user, token=token, scopes=_scopes(row.scopes))


@lru_cache(maxsize=256)
def _scopes(granted: str) -> tuple[Scope, ...]:
    """A token's scopes, parsed once per distinct string (pure: the string is the key)."""
    return tuple(parse_scopes(granted.split()))

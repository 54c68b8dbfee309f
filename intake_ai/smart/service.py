"""The token endpoint's work: authenticate a backend client by its signed assertion
(RFC 7523 ``private_key_jwt``), grant the registered part of what it asks, issue a token.

The access token is an opaque random secret kept as a digest, like the operator's tokens,
with an expiry: every API call already looks tokens up in the database, so a revoked or
disabled client's tokens stop working at once, which a self-contained signed token
would not do before it expires; and there is no server signing key to keep and rotate.

Every grant and refusal is audited with the client id and the reason, never the assertion.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import current_app, request
from joserfc import jwt
from joserfc.errors import ExpiredTokenError, InvalidClaimError, JoseError, MissingClaimError
from joserfc.jwk import KeySet
from joserfc.jws import extract_compact
from sqlalchemy import delete, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from intake_ai import audit
from intake_ai.auth.actors import Actor
from intake_ai.auth.scopes import ScopeError
from intake_ai.auth.tokens import issue_token
from intake_ai.models import Role, SmartClient, UsedAssertion
from intake_ai.smart.discovery import ALGORITHMS, CLIENT_ASSERTION_TYPE, GRANT_TYPE
from intake_ai.smart.scope_grants import grant
from intake_ai.store.database import engine, session, utcnow

#: SMART: an assertion expires at most five minutes after it is made.
MAX_ASSERTION_SECONDS = 300
#: Clock difference tolerated between a client and this server.
LEEWAY_SECONDS = 30
#: The form's parameters; each may be given once.
PARAMETERS = ("grant_type", "client_assertion_type", "client_assertion", "scope", "client_id")
MAX_ASSERTION_CHARS = 16_000


class TokenRefused(Exception):
    """An OAuth error response (RFC 6749 §5.2): ``error`` code and a description."""

    def __init__(self, error: str, description: str) -> None:
        super().__init__(description)
        self.error = error
        self.description = description

    @property
    def status(self) -> int:
        return 401 if self.error == "invalid_client" else 400


@dataclass(frozen=True)
class Grant:
    access_token: str
    expires_in: int
    scope: str


#: What a caller is told when the client is unknown or the signature is not its own: the
#: same words for both, so that nobody learns which client ids are registered.
NOT_AUTHENTICATED = (
    "the client is unknown, or the assertion's signature does not verify with its "
    f"registered keys ({' or '.join(ALGORITHMS)})"
)


def _refuse(
    error: str,
    description: str,
    client_id: str | None,
    who: Any = None,
    *,
    reason: str | None = None,
) -> TokenRefused:
    """Write the refusal's audit entry now (the request's work rolls back) and return it.

    ``reason``: what the audit entry says, where the caller is told less (``description``).
    """
    named = repr(client_id[:120]) if client_id else "(none)"
    detail = f"SMART client {named}: {error}: {reason or description}"
    audit.record_refusal("login", request.path, detail=detail, actor=who)
    return TokenRefused(error, description)


def _parameters(form: Mapping[str, list[str]]) -> dict[str, str]:
    values: dict[str, str] = {}
    for name in PARAMETERS:
        given = form.get(name) or []
        if len(given) > 1:
            raise _refuse("invalid_request", f"{name} is given more than once", None)
        if given:
            values[name] = given[0]
    if "grant_type" not in values:
        raise _refuse("invalid_request", "grant_type is required", None)
    if values["grant_type"] != GRANT_TYPE:
        raise _refuse("unsupported_grant_type", f"only {GRANT_TYPE} is supported", None)
    if values.get("client_assertion_type") != CLIENT_ASSERTION_TYPE:
        raise _refuse(
            "invalid_request", f"client_assertion_type must be {CLIENT_ASSERTION_TYPE}", None
        )
    if not values.get("client_assertion"):
        raise _refuse("invalid_request", "client_assertion is required", None)
    if not values.get("scope", "").split():
        raise _refuse("invalid_request", "scope is required", None)
    return values


def _claimed_client(assertion: str, given: str | None) -> str:
    """The client the assertion says it is from (not yet verified: it picks the keys)."""
    try:
        if len(assertion) > MAX_ASSERTION_CHARS:
            raise ValueError("too long")
        claims = json.loads(extract_compact(assertion.encode()).payload)
    except (JoseError, ValueError, TypeError, UnicodeError):
        raise _refuse("invalid_client", "client_assertion is not a signed JWT", given) from None
    issuer = claims.get("iss") if isinstance(claims, dict) else None
    if not isinstance(issuer, str) or not issuer:
        raise _refuse("invalid_client", "the assertion has no iss", given)
    if given is not None and given != issuer:
        raise _refuse("invalid_client", "client_id is not the assertion's iss", given)
    return issuer


def _registration(client_id: str) -> SmartClient:
    registration = (
        session()
        .scalars(
            select(SmartClient)
            .options(joinedload(SmartClient.user))
            .where(SmartClient.client_id == client_id[:120])
        )
        .first()
    )
    if registration is None or registration.client_id != client_id:
        raise _refuse("invalid_client", NOT_AUTHENTICATED, client_id, reason="unknown client")
    return registration


def _check_standing(registration: SmartClient) -> None:
    """Told only to a caller holding the client's key: the signature verified."""
    who = Actor(user=registration.user)
    if not registration.active:
        raise _refuse(
            "invalid_client", "the client's registration is disabled", registration.client_id, who
        )
    if not registration.user.active or registration.user.role is not Role.INTEGRATOR:
        raise _refuse(
            "invalid_client",
            "the client's integrator user is not active",
            registration.client_id,
            who,
        )


def _verified_claims(assertion: str, registration: SmartClient, audience: str) -> dict[str, Any]:
    client_id = registration.client_id
    try:
        keys = KeySet.import_key_set(json.loads(registration.jwks))
        token = jwt.decode(assertion, keys, algorithms=list(ALGORITHMS))
    except (JoseError, ValueError, TypeError):
        # Not yet known to be the client: the entry names no user.
        raise _refuse(
            "invalid_client", NOT_AUTHENTICATED, client_id, reason="signature not verified"
        ) from None
    _check_standing(registration)
    who = Actor(user=registration.user)
    now = int(time.time())
    registry = jwt.JWTClaimsRegistry(
        now=now,
        leeway=LEEWAY_SECONDS,
        iss={"essential": True, "value": client_id},
        sub={"essential": True, "value": client_id},
        aud={"essential": True, "value": audience},
        exp={"essential": True},
        jti={"essential": True},
    )
    try:
        registry.validate(token.claims)
    except ExpiredTokenError:
        raise _refuse("invalid_client", "the assertion has expired", client_id, who) from None
    except MissingClaimError as error:
        raise _refuse(
            "invalid_client", f"the assertion has no {error.claim}", client_id, who
        ) from None
    except InvalidClaimError as error:
        reason = (
            "aud is not this token endpoint" if error.claim == "aud" else f"{error.claim} is wrong"
        )
        raise _refuse("invalid_client", reason, client_id, who) from None
    except JoseError as error:
        raise _refuse("invalid_client", error.description or error.error, client_id, who) from None
    claims = token.claims
    exp, jti = claims.get("exp"), claims.get("jti")
    if not isinstance(exp, int) or exp > now + MAX_ASSERTION_SECONDS + LEEWAY_SECONDS:
        raise _refuse("invalid_client", "exp is more than five minutes ahead", client_id, who)
    if not isinstance(jti, str) or not 0 < len(jti) <= 255:
        raise _refuse(
            "invalid_client", "jti must be text of at most 255 characters", client_id, who
        )
    return claims


def _use_once(registration: SmartClient, jti: str, exp: int) -> None:
    """Mark the jti used, at once and on its own connection: whatever happens to this
    request, the assertion cannot be used again. Used ids are forgotten when they expire
    (the assertion would be refused as expired then anyway)."""
    now = utcnow()
    try:
        with engine().begin() as connection:
            connection.execute(delete(UsedAssertion).where(UsedAssertion.expires_at < now))
            connection.execute(
                insert(UsedAssertion).values(
                    smart_client_id=registration.id,
                    jti=jti,
                    expires_at=datetime.fromtimestamp(exp, UTC) + timedelta(seconds=LEEWAY_SECONDS),
                )
            )
    except IntegrityError:
        raise _refuse(
            "invalid_client",
            "the assertion's jti was used before",
            registration.client_id,
            Actor(user=registration.user),
        ) from None


def exchange(form: Mapping[str, list[str]], audience: str) -> Grant:
    """A token for a valid client assertion, in the caller's unit of work, or TokenRefused."""
    values = _parameters(form)
    client_id = _claimed_client(values["client_assertion"], values.get("client_id"))
    registration = _registration(client_id)
    claims = _verified_claims(values["client_assertion"], registration, audience)
    _use_once(registration, claims["jti"], claims["exp"])
    try:
        scopes = grant(values["scope"].split(), registration.scopes.split())
    except ScopeError as error:
        raise _refuse(
            "invalid_scope", str(error), client_id, Actor(user=registration.user)
        ) from None
    lifetime = int(current_app.config["INTAKE_AI_SMART_TOKEN_SECONDS"])
    row, secret = issue_token(
        registration.user,
        f"SMART {client_id}"[:120],
        scopes,
        utcnow() + timedelta(seconds=lifetime),
    )
    row.smart_client_id = registration.id
    scope = " ".join(scopes)
    audit.record(
        "login",
        request.path,
        detail=f"SMART client {client_id!r}: granted {scope}",
        actor=Actor(user=registration.user, token=row),
    )
    return Grant(secret, lifetime, scope)

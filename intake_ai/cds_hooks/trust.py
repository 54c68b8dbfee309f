"""Trusting a CDS client (CDS Hooks 2.0, "Trusting CDS Clients"): every call carries a JWT
signed by the EHR, checked with joserfc against the JWKS configured for its issuer.

Required: ``iss`` (a configured client), ``aud`` (the URL of the service called), ``exp``
(at most five minutes ahead), ``iat`` and ``jti`` (used once). The call then acts as the
integrator account configured for that issuer: the EHR's ``context.userId`` names a user of
the EHR, not of the module, and is asserted by the caller, so it never widens access; it is
kept in the audit entry only. ``fhirAuthorization`` is not used (the service reads the
module's own records, never the EHR's FHIR server).
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import current_app
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from joserfc.jws import extract_compact
from sqlalchemy import delete, insert, select
from sqlalchemy.exc import IntegrityError

from intake_ai import audit
from intake_ai.auth.actors import Actor
from intake_ai.models import Role, UsedCdsToken, User
from intake_ai.store.database import engine, session, utcnow

#: Signing algorithms accepted (the spec recommends ES384 and RS384).
ALGORITHMS = ("ES384", "RS384")
MAX_SECONDS_AHEAD = 300
LEEWAY_SECONDS = 30
MAX_TOKEN_CHARS = 16_000


class CdsRefused(Exception):
    """The call is not trusted: 401, with the reason (already audited)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _refuse(reason: str, issuer: str | None, who: Actor | None = None) -> CdsRefused:
    named = repr(issuer[:120]) if issuer else "(none)"
    audit.record_refusal("login", "cds-services", detail=f"CDS client {named}: {reason}", actor=who)
    return CdsRefused(reason)


def _configured(issuer: str) -> dict[str, Any] | None:
    clients = current_app.config.get("INTAKE_AI_CDS_CLIENTS") or {}
    found = clients.get(issuer) if isinstance(clients, dict) else None
    return found if isinstance(found, dict) else None


def _integrator(username: object) -> User | None:
    if not isinstance(username, str):
        return None
    user = session().scalars(select(User).where(User.username == username)).first()
    if user is None or not user.active or user.role is not Role.INTEGRATOR:
        return None
    return user


def _claimed_issuer(token: str) -> str:
    try:
        if len(token) > MAX_TOKEN_CHARS:
            raise ValueError("too long")
        claims = json.loads(extract_compact(token.encode()).payload)
    except (JoseError, ValueError, TypeError, UnicodeError):
        raise _refuse("the bearer token is not a signed JWT", None) from None
    issuer = claims.get("iss") if isinstance(claims, dict) else None
    if not isinstance(issuer, str) or not issuer:
        raise _refuse("the JWT has no iss", None)
    return issuer


def _spend(issuer: str, jti: str, exp: int, who: Actor) -> None:
    """Mark the jti used at once, on its own connection, whatever becomes of the call."""
    now = utcnow()
    try:
        with engine().begin() as connection:
            connection.execute(delete(UsedCdsToken).where(UsedCdsToken.expires_at < now))
            connection.execute(
                insert(UsedCdsToken).values(
                    issuer=issuer[:255],
                    jti=jti,
                    expires_at=datetime.fromtimestamp(exp, UTC) + timedelta(seconds=LEEWAY_SECONDS),
                )
            )
    except IntegrityError:
        raise _refuse("the JWT's jti was used before", issuer, who) from None


def trusted_actor(authorization: str | None, audience: str) -> Actor:
    """The actor a CDS call acts as, or CdsRefused (audited) for an untrusted call."""
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise _refuse("no bearer JWT (Authorization: Bearer ...)", None)
    token = token.strip()
    issuer = _claimed_issuer(token)
    client = _configured(issuer)
    if client is None:
        raise _refuse("the issuer is not a configured CDS client", issuer)
    try:
        jwks: Any = client.get("jwks")
        keys = KeySet.import_key_set(json.loads(jwks) if isinstance(jwks, str) else jwks)
        decoded = jwt.decode(token, keys, algorithms=list(ALGORITHMS))
    except (JoseError, ValueError, TypeError):
        raise _refuse("the signature does not verify with the issuer's keys", issuer) from None
    user = _integrator(client.get("user"))
    if user is None:
        raise _refuse("the issuer's integrator account is missing or inactive", issuer)
    who = Actor(user=user)
    now = int(time.time())
    registry = jwt.JWTClaimsRegistry(
        now=now,
        leeway=LEEWAY_SECONDS,
        iss={"essential": True, "value": issuer},
        aud={"essential": True, "value": audience},
        exp={"essential": True},
        iat={"essential": True},
        jti={"essential": True},
    )
    try:
        registry.validate(decoded.claims)
    except JoseError as error:
        claim = getattr(error, "claim", None)
        reason = f"{claim}: {error.description or error.error}" if claim else error.error
        raise _refuse(f"the JWT is not valid here ({reason})", issuer, who) from None
    exp, jti = decoded.claims.get("exp"), decoded.claims.get("jti")
    if not isinstance(exp, int) or exp > now + MAX_SECONDS_AHEAD + LEEWAY_SECONDS:
        raise _refuse("exp is more than five minutes ahead", issuer, who)
    if not isinstance(jti, str) or not 0 < len(jti) <= 255:
        raise _refuse("jti must be text of at most 255 characters", issuer, who)
    _spend(issuer, jti, exp, who)
    return who

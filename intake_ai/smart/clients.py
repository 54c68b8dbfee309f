"""The registry of SMART backend clients: registering, listing and disabling them.

Used alike by the CLI and the admin page; both are the operator's (the page checks the
admin). A registration keeps only public keys: a key set holding a private key is
refused, since a private key pasted here would no longer be the client's secret.
"""

from __future__ import annotations

import json
import re
import warnings
from typing import Any

from joserfc.errors import JoseError, SecurityWarning
from joserfc.jwk import KeySet, RSAKey
from sqlalchemy import select, update

from intake_ai import audit
from intake_ai.auth.scopes import ScopeError
from intake_ai.errors import InvalidInput, NotFound
from intake_ai.models import ApiToken, Role, SmartClient, User
from intake_ai.smart.scope_grants import parse_system_scopes
from intake_ai.store.database import session, utcnow

#: A client id as OAuth allows it, kept to printable ASCII without spaces.
_CLIENT_ID = re.compile(r"[A-Za-z0-9._~:/@+\-]{1,120}")
#: JWK members only a private key has.
_PRIVATE_MEMBERS = frozenset({"d", "p", "q", "dp", "dq", "qi", "oth", "k"})
MIN_RSA_BITS = 2048
MAX_KEYS = 10
MAX_JWKS_CHARS = 20_000


REGISTRY_ENTITY = "/admin/smart-clients"


def page_entity(registration: SmartClient) -> str:
    """Where an audit entry says a registration change happened (no FHIR resource stands
    for a registration)."""
    return f"{REGISTRY_ENTITY}/{registration.id}"


def _key_problem(key: Any) -> str | None:
    if not isinstance(key, dict):
        return "each key must be a JSON object"
    if _PRIVATE_MEMBERS & key.keys():
        return "holds a private key: register the public key only"
    if not isinstance(key.get("kid"), str) or not key["kid"]:
        return "each key needs a kid"
    if key.get("kty") == "RSA" or (key.get("kty") == "EC" and key.get("crv") == "P-384"):
        return None
    return "keys must be RSA (for RS384) or EC on P-384 (for ES384)"


def _read_keys(keys: list[Any]) -> str | None:
    """Why the keys cannot be used (read by joserfc, as the token endpoint will), or None."""
    try:
        # joserfc only warns about weak keys; a registration refuses them.
        with warnings.catch_warnings():
            warnings.simplefilter("error", SecurityWarning)
            key_set = KeySet.import_key_set({"keys": keys})
    except SecurityWarning as warning:
        return f"a key is too weak ({warning})"
    except (JoseError, ValueError, TypeError) as error:
        return f"a key could not be read ({type(error).__name__})"
    for key in key_set.keys:
        if isinstance(key, RSAKey) and key.raw_value.key_size < MIN_RSA_BITS:
            return f"RSA keys need at least {MIN_RSA_BITS} bits"
    return None


def _jwks_problem(value: Any) -> str | None:
    keys = value.get("keys") if isinstance(value, dict) else None
    if not isinstance(keys, list) or not keys or len(keys) > MAX_KEYS:
        return f'a JWKS: {{"keys": [...]}} with 1 to {MAX_KEYS} public keys'
    problem = next((p for p in map(_key_problem, keys) if p), None)
    if problem is not None:
        return problem
    kids = [key["kid"] for key in keys]
    if len(set(kids)) != len(kids):
        return "two keys share a kid"
    return _read_keys(keys)


def read_jwks(text: str) -> str:
    """The public key set ``text`` holds, as compact JSON, or InvalidInput saying why not."""
    if len(text) > MAX_JWKS_CHARS:
        raise InvalidInput({"jwks": [f"at most {MAX_JWKS_CHARS} characters"]})
    try:
        value = json.loads(text)
    except ValueError:
        raise InvalidInput({"jwks": ["not JSON"]}) from None
    problem = _jwks_problem(value)
    if problem is not None:
        raise InvalidInput({"jwks": [problem]})
    return json.dumps(value, separators=(",", ":"), sort_keys=True)


def read_scopes(texts: list[str]) -> str:
    try:
        scopes = parse_system_scopes(texts)
    except ScopeError as error:
        raise InvalidInput({"scopes": [str(error)]}) from error
    return " ".join(s.text for s in scopes)


def _integrator(username: str) -> User:
    user = session().scalars(select(User).where(User.username == username)).first()
    if user is None or not user.active or user.role is not Role.INTEGRATOR:
        raise InvalidInput({"integrator": [f"no active integrator user named {username!r}"]})
    return user


def register(
    client_id: str, label: str, integrator: str, jwks: str, scopes: list[str]
) -> SmartClient:
    """Register a client acting as the integrator user; every problem is a field error."""
    errors: dict[str, list[str]] = {}
    values: dict[str, Any] = {}
    if not _CLIENT_ID.fullmatch(client_id):
        errors["client_id"] = ["1 to 120 letters, digits or . _ ~ : / @ + -"]
    elif session().scalars(select(SmartClient).where(SmartClient.client_id == client_id)).first():
        errors["client_id"] = ["already registered"]
    if not label.strip() or len(label) > 200:
        errors["label"] = ["1 to 200 characters"]
    for name, read in (
        ("user", lambda: _integrator(integrator)),
        ("jwks", lambda: read_jwks(jwks)),
        ("scopes", lambda: read_scopes(scopes)),
    ):
        try:
            values[name] = read()
        except InvalidInput as error:
            errors.update(error.errors)
    if errors:
        raise InvalidInput(errors)
    registration = SmartClient(client_id=client_id, label=label.strip(), **values)
    session().add(registration)
    session().flush()
    audit.record("create", page_entity(registration), detail=f"SMART client {client_id!r}")
    return registration


def find(client_id: str) -> SmartClient:
    registration = (
        session().scalars(select(SmartClient).where(SmartClient.client_id == client_id)).first()
    )
    if registration is None:
        raise NotFound(f"no SMART client {client_id!r} is registered")
    return registration


def registrations() -> list[SmartClient]:
    """Every registration (an audited read: the list says who may reach the API)."""
    audit.record("view", REGISTRY_ENTITY)
    return list(session().scalars(select(SmartClient).order_by(SmartClient.client_id)))


def integrator_names() -> list[str]:
    """Who a registration may act as: the active integrator users."""
    return list(
        session().scalars(
            select(User.username)
            .where(User.role == Role.INTEGRATOR, User.active.is_(True))
            .order_by(User.username)
        )
    )


def disable_by_id(registration_id: int) -> SmartClient:
    registration = session().get(SmartClient, registration_id)
    if registration is None:
        raise NotFound("No such SMART client registration.")
    return disable(registration.client_id)


def disable(client_id: str) -> SmartClient:
    """No more tokens for the client, and the ones it holds stop working now."""
    registration = find(client_id)
    now = utcnow()
    if registration.active:
        registration.active = False
        registration.disabled_at = now
    session().execute(
        update(ApiToken)
        .where(ApiToken.smart_client_id == registration.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    audit.record("update", page_entity(registration), detail=f"SMART client {client_id!r} disabled")
    return registration

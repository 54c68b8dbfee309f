"""A SMART backend client built from other libraries than the server's: keys from
cryptography, assertions signed by PyJWT (the server verifies with joserfc)."""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

TOKEN_PATH = "/fhir/auth/token"
TOKEN_URL = "http://localhost" + TOKEN_PATH
JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


@dataclass
class BackendClient:
    client_id: str
    algorithm: str = "RS384"  # or ES384
    kid: str = field(default_factory=lambda: uuid.uuid4().hex[:8])
    private_key: Any = None

    def __post_init__(self) -> None:
        if self.private_key is None:
            self.private_key = (
                rsa.generate_private_key(public_exponent=65537, key_size=2048)
                if self.algorithm == "RS384"
                else ec.generate_private_key(ec.SECP384R1())
            )

    def public_jwk(self) -> dict[str, Any]:
        family = RSAAlgorithm if self.algorithm == "RS384" else ECAlgorithm
        jwk = json.loads(family.to_jwk(self.private_key.public_key()))
        jwk.update({"kid": self.kid, "alg": self.algorithm, "use": "sig"})
        return jwk

    def jwks(self) -> str:
        return json.dumps({"keys": [self.public_jwk()]})

    def assertion(self, audience: str = TOKEN_URL, **overrides: Any) -> str:
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": self.client_id,
            "sub": self.client_id,
            "aud": audience,
            "exp": now + 240,
            "jti": uuid.uuid4().hex,
        }
        claims.update(overrides)
        claims = {k: v for k, v in claims.items() if v is not None}
        return jwt.encode(
            claims, self.private_key, algorithm=self.algorithm, headers={"kid": self.kid}
        )

    def form(self, scope: str = "system/*.rs", assertion: str | None = None, **extra: str) -> dict:
        return {
            "grant_type": "client_credentials",
            "client_assertion_type": JWT_BEARER,
            "client_assertion": assertion if assertion is not None else self.assertion(),
            "scope": scope,
            **extra,
        }


def register(app, client: BackendClient, integrator: str, scopes: str) -> None:  # type: ignore[no-untyped-def]
    from intake_ai.smart import clients
    from intake_ai.store.database import transaction

    with app.app_context(), transaction():
        clients.register(
            client.client_id, client.client_id, integrator, client.jwks(), scopes.split()
        )

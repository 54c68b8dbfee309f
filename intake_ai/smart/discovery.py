"""What the server tells clients about its SMART support: the well-known document and the
CapabilityStatement's ``rest.security``, both naming the same token endpoint."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from flask import current_app, url_for

from fhir_mappings.codes import API_RESOURCE_TYPES
from intake_ai.auth.scopes import EXPLICIT_ONLY

GRANT_TYPE = "client_credentials"
CLIENT_ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
AUTH_METHOD = "private_key_jwt"
#: Assertion signatures SMART Backend Services requires servers to support.
ALGORITHMS = ("RS384", "ES384")
CAPABILITIES = ("client-confidential-asymmetric", "permission-v2", "permission-v1")
SECURITY_SERVICE_SYSTEM = "http://terminology.hl7.org/CodeSystem/restful-security-service"
SECURITY_SERVICE_CODE = "SMART-on-FHIR"
OAUTH_URIS = "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris"
#: FHIR interactions as the SMART v2 letters a scope needs for them.
INTERACTION_LETTERS = {"create": "c", "update": "u", "delete": "d"}


def token_url() -> str:
    """The token endpoint's absolute URL: what assertions must name as their ``aud``.

    Behind a proxy the request's own host may not be the public one (and a client could
    pick it): set ``INTAKE_AI_SMART_TOKEN_URL`` there.
    """
    configured = current_app.config.get("INTAKE_AI_SMART_TOKEN_URL")
    return str(configured) if configured else url_for("intake_smart_api.token", _external=True)


def scopes_supported(writes: Mapping[str, Sequence[str]]) -> list[str]:
    """System scopes a client may be registered for: reading each type (and ``*``), and
    writing those the API writes (``writes``: type -> its write interactions)."""
    scopes = ["system/*.rs", "system/*.read"]
    for resource_type in API_RESOURCE_TYPES:
        scopes.append(f"system/{resource_type}.rs")
        letters = "".join(
            INTERACTION_LETTERS[i]
            for i in writes.get(resource_type, ())
            if i in INTERACTION_LETTERS
        )
        if letters and resource_type not in EXPLICIT_ONLY:
            scopes.append(f"system/{resource_type}.{letters}")
    return scopes


def smart_configuration(endpoint: str, writes: Mapping[str, Sequence[str]]) -> dict[str, Any]:
    """The ``/.well-known/smart-configuration`` document."""
    return {
        "token_endpoint": endpoint,
        "grant_types_supported": [GRANT_TYPE],
        "token_endpoint_auth_methods_supported": [AUTH_METHOD],
        "token_endpoint_auth_signing_alg_values_supported": list(ALGORITHMS),
        "scopes_supported": scopes_supported(writes),
        "capabilities": list(CAPABILITIES),
    }


def rest_security(endpoint: str) -> dict[str, Any]:
    """``CapabilityStatement.rest.security`` for the SMART token endpoint."""
    return {
        "extension": [{"url": OAUTH_URIS, "extension": [{"url": "token", "valueUri": endpoint}]}],
        "cors": False,
        "service": [
            {
                "coding": [{"system": SECURITY_SERVICE_SYSTEM, "code": SECURITY_SERVICE_CODE}],
                "text": "SMART Backend Services (client_credentials, private_key_jwt)",
            }
        ],
        "description": "SMART Backend Services: a registered client signs a JWT assertion "
        f"({', '.join(ALGORITHMS)}) for a short-lived access token at the token endpoint. "
        "The operator's bearer tokens (flask create-token) keep working.",
    }

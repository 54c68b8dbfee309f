"""FHIR REST endpoints. Thin: parse, check access, call the service, answer."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, g, request

from fhir_mappings.codes import SERVED_RESOURCE_TYPES
from intake_ai.auth.tokens import authenticate
from intake_ai.database import transaction
from intake_ai.fhir_api import errors, service
from intake_ai.fhir_api.errors import FHIR_JSON, FhirError

bp = Blueprint("intake_fhir", __name__)
errors.install(bp)

_TYPE = "<any(" + ", ".join(f'"{t}"' for t in SERVED_RESOURCE_TYPES) + "):resource_type>"
_ID = "<string(maxlength=64):resource_id>"


@bp.before_request
def _authenticate() -> None:
    if request.endpoint == "intake_fhir.metadata":
        return  # the CapabilityStatement is public, as FHIR expects
    actor = authenticate(request.headers.get("Authorization"))
    if actor is None:
        raise FhirError(
            401,
            "A valid bearer token is required (Authorization: Bearer ...).",
            code="login",
            headers={"WWW-Authenticate": 'Bearer realm="intake_ai"'},
        )
    g.intake_actor = actor
    limit = current_app.config["INTAKE_AI_FHIR_MAX_BODY"]
    if request.content_length is not None and request.content_length > limit:
        raise FhirError(413, f"The request body is larger than {limit} bytes.", code="too-long")


@bp.after_request
def _headers(response: Response) -> Response:
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Cache-Control", "no-store")
    return response


def _answer(body: bytes, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    response = Response(body, status=status, mimetype=FHIR_JSON)
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


@bp.route(f"/{_TYPE}/{_ID}", methods=["GET"])
def read(resource_type: str, resource_id: str) -> Response:
    with transaction():
        result = service.read(resource_type, resource_id)
    return _answer(result.body, headers=result.headers)


@bp.route("/metadata", methods=["GET"])
def metadata() -> Response:
    return _answer(service.capability_statement())

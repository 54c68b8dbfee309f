"""FHIR REST endpoints. Thin: authenticate, parse, call the service, answer."""

from __future__ import annotations

import json

from flask import Blueprint, Response, g, request, stream_with_context

from fhir_mappings.codes import API_RESOURCE_TYPES, SERVED_RESOURCE_TYPES
from fhir_mappings.outcomes import OutcomeIssue
from intake_ai.auth.actors import current_actor
from intake_ai.auth.tokens import authenticate, note_use
from intake_ai.boundary.hosts import external_url, request_url
from intake_ai.fhir_api import (
    audit_events,
    batch,
    bodies,
    checkin_links,
    compartment,
    errors,
    export,
    export_request,
    extract_operation,
    groups,
    history,
    negotiation,
    observation_notes,
    people_writes,
    service,
    writes,
)
from intake_ai.fhir_api.errors import FHIR_JSON, FhirError, outcome_response
from intake_ai.fhir_api.terminology import service as terminology
from intake_ai.forms.definitions import publish_once
from intake_ai.store.database import transaction
from intake_ai.untrusted import unreadable_field

bp = Blueprint("intake_fhir", __name__)
errors.install(bp)

STORE_TYPES = [t for t in SERVED_RESOURCE_TYPES if t != "AuditEvent"]
_TYPE = "<any(" + ", ".join(f'"{t}"' for t in STORE_TYPES) + "):resource_type>"
_ID = "<string(maxlength=64):resource_id>"
_GROUP = "<string(maxlength=64):group_id>"
_COMPARTMENT = "<any(" + ", ".join(f'"{t}"' for t in compartment.COMPARTMENT) + "):resource_type>"


@bp.before_request
def _authenticate() -> None:
    if request.endpoint == "intake_fhir.metadata":
        negotiation.require_json()
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
    negotiation.require_json(ndjson=request.endpoint == "intake_fhir.export_file")
    # The body's size was bounded before any hook ran (boundary/limits.py).
    garbled = unreadable_field(request)
    if garbled is not None:
        raise FhirError(
            400, f"The parameter '{garbled}' is not valid UTF-8 text or holds control characters."
        )

    publish_once()
    if actor.token is not None:
        note_use(actor.token)  # after publishing, which commits on its own


def _answer(result: service.Answer) -> Response:
    body = result.body if result.status != 304 else b""
    if negotiation.wants_pretty():
        body = negotiation.pretty(body)
    response = Response(body, status=result.status, mimetype=FHIR_JSON)
    for key, value in result.headers.items():
        if result.status != 201 and key == "Location":
            continue  # Location only tells where something new was created
        response.headers[key] = value
    return response


def _args() -> list[tuple[str, str]]:
    """Query parameters in order, repeats kept (and a POSTed _search form)."""
    items = list(request.args.items(multi=True))
    if request.method == "POST":
        items += list(request.form.items(multi=True))

    return items


@bp.route("/metadata", methods=["GET"])
def metadata() -> Response:
    return _answer(service.Answer(service.capability_statement()))


@bp.route("", methods=["POST"])
@bp.route("/", methods=["POST"])
def batch_bundle() -> Response:
    with transaction():
        result = batch.batch()
    return _answer(result)


def _require_search_form() -> None:
    """A POSTed search carries its parameters as a form, as FHIR defines ``_search``."""
    if request.method == "POST" and request.mimetype != "application/x-www-form-urlencoded":
        raise FhirError(
            415, "POST _search takes application/x-www-form-urlencoded.", code="not-supported"
        )


@bp.route(f"/{_TYPE}", methods=["GET"])
@bp.route(f"/{_TYPE}/_search", methods=["POST"])
def search(resource_type: str) -> Response:
    _require_search_form()
    with transaction():
        result = service.search(resource_type, _args())
    return _answer(result)


@bp.route(f"/Patient/<intake_id:client_id>/{_COMPARTMENT}", methods=["GET"])
def compartment_search(client_id: int, resource_type: str) -> Response:
    with transaction():
        result = compartment.compartment_search(client_id, resource_type, _args())
    return _answer(result)


@bp.route("/Patient/<intake_id:client_id>/$everything", methods=["GET"])
def everything(client_id: int) -> Response:
    with transaction():
        result = compartment.everything(client_id, _args())
    return _answer(result)


@bp.route(f"/{_TYPE}/{_ID}", methods=["GET"])
def read(resource_type: str, resource_id: str) -> Response:
    with transaction():
        result = service.read(resource_type, resource_id)
    return _answer(result)


@bp.route(f"/{_TYPE}/{_ID}/_history/<intake_id:version_id>", methods=["GET"])
def vread(resource_type: str, resource_id: str, version_id: int) -> Response:
    with transaction():
        result = service.vread(resource_type, resource_id, version_id)
    return _answer(result)


@bp.route(f"/{_TYPE}/{_ID}/_history", methods=["GET"])
def history_instance(resource_type: str, resource_id: str) -> Response:
    with transaction():
        result = history.history_instance(resource_type, resource_id, _args())
    return _answer(result)


@bp.route("/_history", methods=["GET"])
def history_system() -> Response:
    with transaction():
        result = history.history_system(_args())
    return _answer(result)


@bp.route(f"/{_TYPE}/_history", methods=["GET"])
def history_type(resource_type: str) -> Response:
    with transaction():
        result = history.history_type(resource_type, _args())
    return _answer(result)


@bp.route("/QuestionnaireResponse", methods=["POST"])
def create_response() -> Response:
    with transaction():
        result = writes.create_response()
    return _answer(result)


@bp.route("/QuestionnaireResponse/$extract", methods=["POST"])
def extract() -> Response:
    """SDC $extract: what a POST of the response would store, stored nowhere (the
    operation rolls its own work back and commits only its audit entry)."""
    return _answer(extract_operation.extract())


@bp.route(f"/QuestionnaireResponse/{_ID}", methods=["PUT"])
def update_response(resource_id: str) -> Response:
    with transaction():
        result = writes.update_response(resource_id)
    return _answer(result)


@bp.route("/Patient", methods=["POST"])
def create_patient() -> Response:
    with transaction():
        result = people_writes.create_patient()
    return _answer(result)


@bp.route("/Patient", methods=["PUT"])
def upsert_patient() -> Response:
    """Conditional update: ``PUT Patient?identifier=system|value``."""
    with transaction():
        result = people_writes.upsert_patient(list(request.args.items(multi=True)))
    return _answer(result)


@bp.route(f"/Patient/{_ID}", methods=["PUT"])
def update_patient(resource_id: str) -> Response:
    with transaction():
        result = people_writes.update_patient(resource_id)
    return _answer(result)


@bp.route("/Encounter", methods=["POST"])
def create_encounter() -> Response:
    with transaction():
        result = people_writes.create_encounter()
    return _answer(result)


@bp.route(f"/Encounter/{_ID}", methods=["PUT"])
def update_encounter(resource_id: str) -> Response:
    with transaction():
        result = people_writes.update_encounter(resource_id)
    return _answer(result)


@bp.route(f"/Observation/{_ID}", methods=["PUT"])
def update_observation(resource_id: str) -> Response:
    with transaction():
        result = observation_notes.update_observation(resource_id)
    return _answer(result)


@bp.route(f"/Encounter/{_ID}/$checkin-link", methods=["POST"])
def checkin_link(resource_id: str) -> Response:
    with transaction():
        result = checkin_links.issue_link(resource_id)
    return _answer(result)


@bp.route(f"/{_TYPE}/$validate", methods=["POST"])
def validate(resource_type: str) -> Response:
    with transaction():
        result = writes.validate_operation(resource_type)
    return _answer(result)


@bp.route("/AuditEvent", methods=["GET"])
def audit_search() -> Response:
    with transaction():
        result = audit_events.search(_args())
    return _answer(result)


@bp.route(f"/AuditEvent/{_ID}", methods=["GET"])
def audit_read(resource_id: str) -> Response:
    with transaction():
        result = audit_events.read(resource_id)
    return _answer(result)


# Terminology operations: type and instance level, GET (query) or POST (Parameters) -------


@bp.route("/ValueSet/$expand", methods=["GET", "POST"])
@bp.route(f"/ValueSet/{_ID}/$expand", methods=["GET", "POST"])
def expand(resource_id: str | None = None) -> Response:
    with transaction():
        result = terminology.expand_value_set(resource_id, _args())
    return _answer(result)


@bp.route("/CodeSystem/$lookup", methods=["GET", "POST"])
@bp.route(f"/CodeSystem/{_ID}/$lookup", methods=["GET", "POST"])
def lookup(resource_id: str | None = None) -> Response:
    with transaction():
        result = terminology.lookup_code(resource_id, _args())
    return _answer(result)


@bp.route("/ValueSet/$validate-code", methods=["GET", "POST"], defaults={"kind": "ValueSet"})
@bp.route(f"/ValueSet/{_ID}/$validate-code", methods=["GET", "POST"], defaults={"kind": "ValueSet"})
@bp.route("/CodeSystem/$validate-code", methods=["GET", "POST"], defaults={"kind": "CodeSystem"})
@bp.route(
    f"/CodeSystem/{_ID}/$validate-code", methods=["GET", "POST"], defaults={"kind": "CodeSystem"}
)
def validate_code(kind: str, resource_id: str | None = None) -> Response:
    with transaction():
        result = terminology.validate_code(kind, resource_id, _args())
    return _answer(result)


# Bulk export -----------------------------------------------------------------------------


def _kick_off(level: str, group_id: str | None = None) -> Response:
    """GET takes the parameters in the query; POST in a Parameters resource."""
    args = (
        export_request.from_parameters(bodies.parse_body("Parameters"))
        if request.method == "POST"
        else _args()
    )
    with transaction():
        job = export.kick_off(
            current_actor(),
            level,
            args,
            request.headers.get("Prefer", ""),
            request_url(),
            group_id,
        )
    response = Response(status=202)
    response.headers["Content-Location"] = external_url(".export_status", job_id=job.id)
    return response


@bp.route("/$export", methods=["GET", "POST"])
def export_system() -> Response:
    return _kick_off("system")


@bp.route("/Patient/$export", methods=["GET", "POST"])
def export_patients() -> Response:
    return _kick_off("patient")


@bp.route(f"/Group/{_GROUP}/$export", methods=["GET", "POST"])
def export_group(group_id: str) -> Response:
    return _kick_off("group", group_id)


@bp.route("/Group", methods=["GET"])
@bp.route("/Group/_search", methods=["POST"])
def group_search() -> Response:
    _require_search_form()
    with transaction():
        result = groups.search(_args())
    return _answer(result)


@bp.route(f"/Group/{_GROUP}", methods=["GET"])
def group_read(group_id: str) -> Response:
    with transaction():
        result = groups.read(group_id)
    return _answer(result)


@bp.route("/$export-status/<job_id>", methods=["GET", "DELETE"])
def export_status(job_id: str) -> Response:
    actor = current_actor()
    if request.method == "DELETE":
        with transaction():
            export.cancel(actor, job_id)
        return outcome_response(
            202, [OutcomeIssue("informational", "Export cancelled.", "information")]
        )
    with transaction():
        job = export.job_for(actor, job_id)
        body = export.manifest(actor, job, external_url(".export_file_base", job_id=job.id))
    response = Response(json.dumps(body), mimetype="application/json")
    response.headers["Expires"] = "0"
    return response


@bp.route("/$export-file/<job_id>", methods=["GET"])
def export_file_base(job_id: str) -> Response:
    raise FhirError(404, "Name a file: /$export-file/<job>/<Type>.ndjson", code="not-found")


@bp.route("/$export-file/<job_id>/<resource_type>.ndjson", methods=["GET"])
def export_file(job_id: str, resource_type: str) -> Response:
    actor = current_actor()
    with transaction():
        job = export.job_for(actor, job_id)
        lines = export.file_stream(actor, job, resource_type)
    return Response(stream_with_context(lines), mimetype="application/fhir+ndjson")


@bp.route("/", defaults={"path": ""}, methods=["GET", "PUT", "PATCH", "DELETE"])
@bp.route("/<path:path>", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
def not_served(path: str) -> Response:
    """Anything else under the base: an OperationOutcome, never the host's HTML error page."""
    resource_type = path.split("/", 1)[0]
    if resource_type in API_RESOURCE_TYPES or not path:  # not path: a system search
        raise FhirError(
            405,
            f"{request.method} {resource_type}{'/...' if '/' in path else ''} "
            "is not supported here; see /metadata for what is.",
            code="not-supported",
        )
    raise FhirError(
        404, f"Unknown resource type or path '{path}'; see /metadata.", code="not-found"
    )

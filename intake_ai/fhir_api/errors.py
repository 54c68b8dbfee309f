"""Every API error is an OperationOutcome with the right status, built here and nowhere else."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable

from flask import Blueprint, Response, current_app, request
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from fhir_mappings.outcomes import OutcomeIssue, operation_outcome
from intake_ai import audit
from intake_ai.audit import Outcome
from intake_ai.boundary.limits import limit_for, too_large_message
from intake_ai.boundary.scope import Area
from intake_ai.errors import AccessDenied, Conflict, ConsentRequired, Gone, InvalidInput, NotFound

FHIR_JSON = "application/fhir+json"
log = logging.getLogger(__name__)


class FhirError(Exception):
    """An API error: status plus the OperationOutcome issues that explain it."""

    def __init__(
        self,
        status: int,
        issues: Iterable[OutcomeIssue] | str,
        code: str = "invalid",
        headers: dict[str, str] | None = None,
    ) -> None:
        if isinstance(issues, str):
            issues = [OutcomeIssue(code, issues)]
        self.status = status
        self.issues = list(issues)
        self.headers = headers or {}
        super().__init__(self.issues[0].diagnostics if self.issues else str(status))


def outcome_response(
    status: int, issues: Iterable[OutcomeIssue], headers: dict[str, str] | None = None
) -> Response:
    body = json.dumps(operation_outcome(issues), ensure_ascii=False)
    response = Response(body, status=status, mimetype=FHIR_JSON)
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


#: The OperationOutcome issue code of each HTTP status the API answers with by itself.
STATUS_CODES = {
    400: "invalid",
    401: "login",
    403: "forbidden",
    404: "not-found",
    405: "not-supported",
    406: "not-supported",
    410: "deleted",
    413: "too-long",
    415: "not-supported",
    500: "exception",
}


def outcome_code(status: int) -> str:
    return STATUS_CODES.get(status, "processing")


def _audit_failure(status: int, detail: str) -> None:
    # 401s have no actor worth recording beyond "anonymous"; everything else is on file.
    outcome = Outcome.SERIOUS_FAILURE if status >= 500 else Outcome.MINOR_FAILURE
    try:
        audit.record_refusal(
            "read" if request.method == "GET" else "update",
            request.path[:160],
            outcome=outcome,
            detail=detail[:200],
        )
    except Exception:  # pragma: no cover - the database itself is down
        log.exception("could not write the audit record of a failed API call")


def install(bp: Blueprint) -> None:
    @bp.errorhandler(FhirError)
    def _fhir_error(error: FhirError) -> Response:
        _audit_failure(error.status, f"{error.status} {error.issues[0].code}")
        return outcome_response(error.status, error.issues, error.headers)

    @bp.errorhandler(InvalidInput)
    def _invalid(error: InvalidInput) -> Response:
        issues = [
            OutcomeIssue("invalid", f"{path}: {'; '.join(messages)}", expression=path)
            for path, messages in error.errors.items()
        ]
        _audit_failure(400, "400 invalid")
        return outcome_response(400, issues)

    @bp.errorhandler(NotFound)
    def _not_found(error: NotFound) -> Response:
        _audit_failure(404, "404 not-found")
        return outcome_response(404, [OutcomeIssue("not-found", str(error))])

    @bp.errorhandler(Gone)
    def _gone(error: Gone) -> Response:
        _audit_failure(410, "410 deleted")
        return outcome_response(410, [OutcomeIssue("deleted", str(error))])

    @bp.errorhandler(AccessDenied)
    def _denied(error: AccessDenied) -> Response:
        _audit_failure(403, "403 forbidden")
        return outcome_response(403, [OutcomeIssue("forbidden", str(error))])

    @bp.errorhandler(ConsentRequired)
    def _consent_required(error: ConsentRequired) -> Response:
        # The consent gate: nothing but the consent answer is stored before the client agrees.
        _audit_failure(403, "403 forbidden")
        return outcome_response(403, [OutcomeIssue("forbidden", str(error))])

    @bp.errorhandler(Conflict)
    def _conflict(error: Conflict) -> Response:
        _audit_failure(412, "412 conflict")
        return outcome_response(412, [OutcomeIssue("conflict", str(error))])

    @bp.errorhandler(HTTPException)
    def _http(error: HTTPException) -> Response:
        status = error.code or 500
        message = error.description or error.name
        if isinstance(error, RequestEntityTooLarge):
            message = too_large_message(limit_for(Area.FHIR))
        return outcome_response(status, [OutcomeIssue(outcome_code(status), message)])

    @bp.errorhandler(Exception)
    def _crash(error: Exception) -> Response:
        if current_app.testing:
            raise error  # tests see the real traceback
        # Log the type only: messages of database errors can carry clinical values.
        log.error("FHIR API request failed with %s", type(error).__name__)
        _audit_failure(500, f"500 {type(error).__name__}")
        return outcome_response(
            500,
            [
                OutcomeIssue(
                    "exception", "The server could not complete the request; nothing was stored."
                )
            ],
        )

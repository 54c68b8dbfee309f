"""Request bodies bounded before anything reads them, on the module's routes only.

Flask's ``MAX_CONTENT_LENGTH`` is app-wide, and a host EHR's own routes keep their own
limits, so the limit is set on each of the module's requests instead
(``request.max_content_length``). Werkzeug then refuses a declared length above it at once
and stops a chunked body (no Content-Length) as soon as it has read that much: either way a
worker never holds more than the limit.
"""

from __future__ import annotations

from flask import current_app, request

from intake_ai.boundary.scope import Area


def limit_for(area: Area) -> int:
    key = "INTAKE_AI_FHIR_MAX_BODY" if area is Area.FHIR else "INTAKE_AI_MAX_FORM_BODY"
    return int(current_app.config[key])


def bound_body(area: Area) -> int | None:
    """Bound this request's body; the limit if the declared length is already above it."""
    limit = limit_for(area)
    request.max_content_length = limit
    declared = request.content_length
    return limit if declared is not None and declared > limit else None


def too_large_message(limit: int) -> str:
    return f"The request body is larger than {limit} bytes, so it was not read."

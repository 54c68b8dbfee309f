"""What every FHIR write shares: reading the body (content type, size, JSON, expected
type), structural validation, If-Match, and answering per ``Prefer``."""

from __future__ import annotations

import json
from typing import Any

from flask import current_app, request

from fhir_mappings.outcomes import OutcomeIssue, from_validation
from fhir_mappings.validation import validate
from intake_ai.fhir_api.errors import FhirError
from intake_ai.fhir_api.service import Answer, version_headers
from intake_ai.models import StoredResource
from intake_ai.untrusted import row_id, unreadable_json_path

JSON_TYPES = ("application/fhir+json", "application/json", "application/json+fhir")


def parse_body(expected_type: str | None) -> dict[str, Any]:
    """The request's resource: right content type (415), JSON (400), the expected type."""
    mimetype = request.mimetype
    if mimetype not in JSON_TYPES:
        raise FhirError(
            415,
            f"Send the resource as application/fhir+json (got '{mimetype or 'no content type'}').",
            code="not-supported",
        )
    raw = request.get_data(cache=False)
    limit = current_app.config["INTAKE_AI_FHIR_MAX_BODY"]
    if len(raw) > limit:
        raise FhirError(413, f"The request body is larger than {limit} bytes.", code="too-long")
    try:
        body = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise FhirError(400, "The request body is not valid UTF-8.", code="structure") from None
    except (ValueError, RecursionError) as error:
        raise FhirError(
            400, f"The request body is not valid JSON: {error}", code="structure"
        ) from None
    if not isinstance(body, dict):
        raise FhirError(
            400, "The request body must be a JSON object (a FHIR resource).", code="structure"
        )
    kind = body.get("resourceType")
    unreadable = unreadable_json_path(body, kind if isinstance(kind, str) else "Resource")
    if unreadable is not None:
        path, problem = unreadable
        raise FhirError(400, [OutcomeIssue("structure", f"{path}: {problem}", expression=path)])

    if expected_type is not None and kind != expected_type:
        raise FhirError(
            400,
            [
                OutcomeIssue(
                    "invalid",
                    f"Expected a {expected_type}, got resourceType {kind!r}.",
                    expression=f"{expected_type}.resourceType",
                )
            ],
        )
    return body


def check_structure(resource: dict[str, Any]) -> None:
    issues = validate(resource)
    if issues:
        raise FhirError(400, from_validation(issues))


def if_match() -> int | None:
    raw = request.headers.get("If-Match")
    if raw is None:
        return None
    value = raw.strip().removeprefix("W/").strip('"')
    version = row_id(value)
    if version is None:
        raise FhirError(400, f"If-Match: expected a version tag such as W/\"3\" (got '{raw}').")
    return version


def prefer_return(row: StoredResource, status: int) -> Answer:
    prefer = request.headers.get("Prefer", "")
    headers = version_headers(row)
    if "return=minimal" in prefer:
        return Answer(b"", headers, status)
    assert row.content is not None
    return Answer(row.content, headers, status)

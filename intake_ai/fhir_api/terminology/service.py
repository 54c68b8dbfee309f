"""The work behind the terminology operations: find the published resources, run the pure
operation (``fhir_mappings.terminology_operations``), audit, answer.

Auth is that of any read of a definitional resource: a valid bearer token whose scopes
allow reading the operation's type (ValueSet or CodeSystem); like the resources
themselves, the operations reveal nothing about any client.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from flask import request
from sqlalchemy import or_, select

from fhir_mappings.datetimes import fhir_instant
from fhir_mappings.outcomes import OutcomeIssue
from fhir_mappings.terminology_operations import (
    ExpandRequest,
    TerminologyProblem,
    expand,
    lookup,
    validate_in_code_system,
    validate_in_value_set,
)
from intake_ai import audit
from intake_ai.auth.actors import current_actor
from intake_ai.fhir_api.bodies import parse_body
from intake_ai.fhir_api.errors import FhirError
from intake_ai.fhir_api.service import Answer, readable, require_scope
from intake_ai.fhir_api.terminology.inputs import Inputs, from_parameters, from_query
from intake_ai.models import StoredResource
from intake_ai.store import resources as resource_store
from intake_ai.store.database import session, utcnow

EXPAND = frozenset({"url", "valueSetVersion", "filter", "count", "offset", "displayLanguage"})
LOOKUP = frozenset({"system", "version", "code", "coding", "displayLanguage"})
VALUESET_VALIDATE = frozenset(
    {
        "url",
        "valueSetVersion",
        "system",
        "systemVersion",
        "code",
        "display",
        "coding",
        "codeableConcept",
        "displayLanguage",
    }
)
CODESYSTEM_VALIDATE = frozenset(
    {"url", "version", "code", "display", "coding", "codeableConcept", "displayLanguage"}
)


def _inputs(operation: str, args: Sequence[tuple[str, str]], allowed: frozenset[str]) -> Inputs:
    if request.method == "POST":
        return from_parameters(operation, parse_body(None), allowed)
    return from_query(operation, args, allowed)


def _by_canonical(resource_type: str, url: str, version: str | None, name: str) -> StoredResource:
    """The current published resource with this canonical (its newest business version
    when no version is given), or 404."""
    canonical = StoredResource.code
    match = (
        canonical == f"{url}|{version}"
        if version
        else or_(canonical == url, canonical.startswith(f"{url}|", autoescape=True))
    )
    rows = (
        session()
        .scalars(
            select(StoredResource).where(
                StoredResource.resource_type == resource_type,
                StoredResource.is_current,
                StoredResource.deleted.is_(False),
                StoredResource.client_id.is_(None),
                match,
            )
        )
        .all()
    )
    if not rows:
        named = f"{url}|{version}" if version else url
        raise FhirError(
            404,
            [
                OutcomeIssue(
                    "not-found", f"No {resource_type} {named} is known here", expression=name
                )
            ],
        )
    return max(rows, key=lambda row: row.code or "")


def _target(
    resource_type: str, resource_id: str | None, url: str | None, version: str | None, name: str
) -> StoredResource:
    actor = current_actor()
    if resource_id is not None:
        if url is not None:
            raise FhirError(400, f"{name}: the instance already names the {resource_type}")
        return readable(actor, resource_type, resource_id)
    require_scope(actor, resource_type, "read")
    if url is None:
        raise FhirError(
            400,
            [
                OutcomeIssue(
                    "required",
                    f"{name}: name the {resource_type} (or call it on one)",
                    expression=name,
                )
            ],
        )
    return _by_canonical(resource_type, url, version, name)


def _code_systems() -> dict[str, dict[str, Any]]:
    rows = session().scalars(
        select(StoredResource).where(
            StoredResource.resource_type == "CodeSystem",
            StoredResource.is_current,
            StoredResource.deleted.is_(False),
        )
    )
    systems = [resource_store.load(row) for row in rows]
    return {system["url"]: system for system in systems if "url" in system}


def _answer(operation: str, row: StoredResource, body: dict[str, Any]) -> Answer:
    audit.record(operation, row.reference)
    return Answer(json.dumps(body, ensure_ascii=False).encode())


def _problem(error: TerminologyProblem) -> FhirError:
    return FhirError(
        error.status, [OutcomeIssue(error.code, str(error), expression=error.expression)]
    )


def expand_value_set(resource_id: str | None, args: Sequence[tuple[str, str]]) -> Answer:
    inputs = _inputs("$expand", args, EXPAND)
    row = _target(
        "ValueSet", resource_id, inputs.text("url"), inputs.text("valueSetVersion"), "url"
    )
    wanted = ExpandRequest(
        filter=inputs.text("filter"),
        offset=inputs.number("offset") or 0,
        count=inputs.number("count"),
        display_language=inputs.text("displayLanguage"),
    )
    try:
        body = expand(
            resource_store.load(row),
            _code_systems(),
            wanted,
            identifier=f"urn:uuid:{resource_store.new_id()}",
            timestamp=fhir_instant(utcnow()),
        )
    except TerminologyProblem as error:
        raise _problem(error) from None
    return _answer("expand", row, body)


def _coding_of(inputs: Inputs) -> tuple[str | None, str, str | None]:
    """(system, code, display) from code/system/display, a coding or a CodeableConcept."""
    given = inputs.coding("coding")
    concept = inputs.coding("codeableConcept")
    if concept is not None:
        codings = concept.get("coding") or []
        if len(codings) != 1:
            raise FhirError(400, "codeableConcept: give exactly one coding here")
        given = codings[0]
    if given is not None:
        code = given.get("code")
        if not isinstance(code, str) or not code:
            raise FhirError(
                400, [OutcomeIssue("required", "coding: has no code", expression="coding")]
            )
        return given.get("system"), code, given.get("display")
    code = inputs.text("code")
    if code is None:
        raise FhirError(
            400, [OutcomeIssue("required", "code: give a code (or a coding)", expression="code")]
        )
    return inputs.text("system"), code, inputs.text("display")


def lookup_code(resource_id: str | None, args: Sequence[tuple[str, str]]) -> Answer:
    inputs = _inputs("$lookup", args, LOOKUP)
    system, code, _display = _coding_of(inputs)
    if resource_id is None and system is None:
        raise FhirError(
            400, [OutcomeIssue("required", "system: name the CodeSystem", expression="system")]
        )
    row = _target(
        "CodeSystem",
        resource_id,
        system if resource_id is None else None,
        inputs.text("version"),
        "system",
    )
    try:
        body = lookup(resource_store.load(row), code, inputs.text("displayLanguage"))
    except TerminologyProblem as error:
        raise _problem(error) from None
    return _answer("lookup", row, body)


def validate_code(
    resource_type: str, resource_id: str | None, args: Sequence[tuple[str, str]]
) -> Answer:
    allowed = VALUESET_VALIDATE if resource_type == "ValueSet" else CODESYSTEM_VALIDATE
    inputs = _inputs("$validate-code", args, allowed)
    system, code, display = _coding_of(inputs)
    version = inputs.text("valueSetVersion" if resource_type == "ValueSet" else "version")
    url = inputs.text("url")
    if resource_type == "CodeSystem" and url is None and resource_id is None:
        url = system
    row = _target(resource_type, resource_id, url, version, "url")
    resource = resource_store.load(row)
    try:
        if resource_type == "ValueSet":
            body = validate_in_value_set(resource, _code_systems(), system, code, display)
        else:
            if system is not None and system != resource.get("url"):
                raise FhirError(
                    400,
                    [
                        OutcomeIssue(
                            "invalid",
                            f"system: {system} is not {resource.get('url')}",
                            expression="system",
                        )
                    ],
                )
            body = validate_in_code_system(resource, code, display)
    except TerminologyProblem as error:
        raise _problem(error) from None
    return _answer("validate-code", row, body)

"""A Bulk Data kick-off request read into what to export: from the query string (GET) or
a Parameters resource (POST), with _type, _since, _outputFormat, _typeFilter and patient.

Unsupported parameters are refused (400), or with ``Prefer: handling=lenient`` left out
and named in the job's error file, as the Bulk Data IG asks.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl

from flask import current_app

from fhir_mappings.outcomes import OutcomeIssue
from intake_ai import access
from intake_ai.auth.actors import Actor
from intake_ai.fhir_api import search_query
from intake_ai.fhir_api.errors import FhirError

OUTPUT_FORMATS = frozenset({"application/fhir+ndjson", "application/ndjson", "ndjson"})
#: Parameters that may repeat (their values are joined, as the IG allows).
REPEATABLE = frozenset({"_type", "_typeFilter", "patient"})
SUPPORTED = frozenset({"_type", "_since", "_outputFormat", "_typeFilter", "patient"})
#: Parameters of a search that make no sense in a _typeFilter (paging, shaping the answer).
FILTER_FORBIDDEN = frozenset(
    {"_count", "_cursor", "_sort", "_include", "_revinclude", "_summary", "_elements", "_total"}
)
#: The value[x] a Parameters entry may carry for each parameter.
VALUE_KEYS = ("valueString", "valueInstant", "valueDateTime", "valueCode", "valueReference")


@dataclass
class KickOff:
    types: list[str]
    since: datetime | None = None
    type_filters: dict[str, list[str]] = field(default_factory=dict)
    patient_ids: list[int] | None = None
    #: What was asked but will not be exported: the job's error file.
    issues: list[OutcomeIssue] = field(default_factory=list)


def from_parameters(body: dict[str, Any]) -> list[tuple[str, str]]:
    """A POSTed Parameters resource as (name, value) pairs, checked entry by entry."""
    pairs: list[tuple[str, str]] = []
    entries = body.get("parameter", [])
    if not isinstance(entries, list):
        raise FhirError(400, "Parameters.parameter must be a list.", code="structure")
    for index, entry in enumerate(entries):
        path = f"Parameters.parameter[{index}]"
        name = entry.get("name") if isinstance(entry, dict) else None
        if not isinstance(name, str):
            raise FhirError(
                400, [OutcomeIssue("required", f"{path}.name is missing", "error", path)]
            )
        values = [k for k in entry if k.startswith("value")]
        if len(values) != 1 or values[0] not in VALUE_KEYS:
            raise FhirError(
                400,
                [
                    OutcomeIssue(
                        "invalid",
                        f"{path} ({name}) needs one of {', '.join(VALUE_KEYS)}",
                        "error",
                        path,
                    )
                ],
            )
        value = entry[values[0]]
        if values[0] == "valueReference":
            value = value.get("reference") if isinstance(value, dict) else None
        if not isinstance(value, str):
            raise FhirError(400, [OutcomeIssue("invalid", f"{path}: not text", "error", path)])
        pairs.append((name, value))
    return pairs


def _grouped(
    args: Sequence[tuple[str, str]], lenient: bool, issues: list[OutcomeIssue]
) -> dict[str, list[str]]:
    values: dict[str, list[str]] = {}
    for name, value in args:
        if name not in SUPPORTED:
            problem = (
                f"Unknown $export parameter '{name}' (supported: {', '.join(sorted(SUPPORTED))})."
            )
            if not lenient:
                raise FhirError(400, problem)
            issues.append(OutcomeIssue("not-supported", "Ignored: " + problem, "warning"))
            continue
        if name in values and name not in REPEATABLE:
            raise FhirError(400, f"{name} appears more than once.")
        values.setdefault(name, []).append(value)
    return values


def _patients(level: str, references: list[str]) -> list[int]:
    if level == "system":
        raise FhirError(400, "patient: only a Patient- or Group-level export takes patients.")
    ids = []
    for reference in references:
        number = reference.removeprefix("Patient/")
        if not number.isdigit():
            raise FhirError(400, f"patient: '{reference}' is not a reference to a Patient.")
        ids.append(int(number))
    return ids


def _type_filters(
    queries: list[str], types: list[str], lenient: bool, issues: list[OutcomeIssue]
) -> dict[str, list[str]]:
    filters: dict[str, list[str]] = {}
    for raw in (q for joined in queries for q in joined.split(",") if q):
        resource_type, mark, query = raw.partition("?")
        problem = None
        if not mark or resource_type not in types:
            problem = (
                f"_typeFilter '{raw}' does not name an exported type (Type?search; "
                f"exported: {', '.join(types)})."
            )
        else:
            pairs = parse_qsl(query, keep_blank_values=True)
            shaping = sorted({n for n, _ in pairs} & FILTER_FORBIDDEN)
            if shaping:
                problem = f"_typeFilter '{raw}': {', '.join(shaping)} cannot filter an export."
            else:
                try:
                    parse_filter(resource_type, query)
                except search_query.SearchError as error:
                    problem = f"_typeFilter '{raw}': {error}"
        if problem is None:
            filters.setdefault(resource_type, []).append(query)
        elif lenient:
            issues.append(OutcomeIssue("not-supported", "Ignored: " + problem, "warning"))
        else:
            raise FhirError(400, problem)
    return filters


def parse_filter(resource_type: str, query: str) -> search_query.Search:
    """A _typeFilter's query as a search (checked at kick-off, applied at download)."""
    return search_query.parse(
        resource_type,
        parse_qsl(query, keep_blank_values=True),
        max_count=current_app.config["INTAKE_AI_FHIR_MAX_COUNT"],
    )


def read_kick_off(
    actor: Actor,
    level: str,
    args: Sequence[tuple[str, str]],
    allowed: Sequence[str],
    prefer: str,
) -> KickOff:
    """What this kick-off asks for, as this caller may have it."""
    preferences = prefer.replace(" ", "").split(",")
    if "respond-async" not in preferences:
        raise FhirError(400, "Bulk export is asynchronous: send 'Prefer: respond-async'.")
    lenient = "handling=lenient" in preferences
    issues: list[OutcomeIssue] = []
    values = _grouped(args, lenient, issues)
    output = values.get("_outputFormat", ["application/fhir+ndjson"])[0]
    if output not in OUTPUT_FORMATS:
        raise FhirError(400, f"_outputFormat: only NDJSON is produced (got '{output}').")
    asked = [t for joined in values.get("_type", []) for t in joined.split(",") if t]
    types = asked or list(allowed)
    unknown = [t for t in types if t not in allowed]
    if unknown:
        raise FhirError(
            400,
            f"_type: {', '.join(unknown)} cannot be exported at this level "
            f"(choose from {', '.join(allowed)}).",
        )
    readable = [t for t in dict.fromkeys(types) if access.may_use_api_type(actor, t, "read")]
    if not readable:
        raise FhirError(403, "This token may read none of the requested types.", code="forbidden")
    if asked:
        issues += [
            OutcomeIssue(
                "forbidden", f"{t}: this token's scopes do not allow reading it.", "warning"
            )
            for t in dict.fromkeys(asked)
            if t not in readable
        ]
    since = None
    if "_since" in values:
        try:
            _prefix, since, _end = search_query.parse_date("_since", values["_since"][0])
        except search_query.SearchError as error:
            raise FhirError(400, str(error)) from None
    patients = _patients(level, values["patient"]) if "patient" in values else None
    filters = _type_filters(values.get("_typeFilter", []), readable, lenient, issues)
    return KickOff(readable, since, filters, patients, issues)

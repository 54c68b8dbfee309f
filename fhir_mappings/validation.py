"""Validating FHIR R4 JSON with fhir.resources (R4B models) and naming the failing element.

fhir.resources checks structure, cardinality and primitive formats but not value-set
bindings, so the required bindings of the elements this module accepts are checked here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from fhir.resources.R4B import get_fhir_model_class
from pydantic import ValidationError

from fhir_mappings.codes import API_RESOURCE_TYPES

#: Required bindings fhir.resources does not enforce: (type, element) -> allowed codes.
REQUIRED_CODES: dict[tuple[str, str], frozenset[str]] = {
    ("QuestionnaireResponse", "status"): frozenset(
        {"in-progress", "completed", "amended", "entered-in-error", "stopped"}
    ),
    ("Observation", "status"): frozenset(
        {
            "registered",
            "preliminary",
            "final",
            "amended",
            "corrected",
            "cancelled",
            "entered-in-error",
            "unknown",
        }
    ),
    ("Flag", "status"): frozenset({"active", "inactive", "entered-in-error"}),
    ("Group", "type"): frozenset(
        {"person", "animal", "practitioner", "device", "medication", "substance"}
    ),
    ("Consent", "status"): frozenset(
        {"draft", "proposed", "active", "rejected", "inactive", "entered-in-error"}
    ),
}


@dataclass(frozen=True)
class Issue:
    #: FHIRPath-style location, e.g. ``Observation.valueQuantity.value``.
    path: str
    message: str


def _path(resource_type: str, loc: Sequence[Any]) -> str:
    path = resource_type
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        elif part == "__root__" or not str(part):
            continue
        else:
            path += f".{part}"
    return path


def validate(resource: Any) -> list[Issue]:
    """Every problem found in one resource; an empty list means it is valid R4."""
    if not isinstance(resource, dict):
        return [Issue("Resource", "a resource must be a JSON object")]
    resource_type = resource.get("resourceType")
    if not isinstance(resource_type, str) or not resource_type:
        return [Issue("Resource.resourceType", "resourceType is missing")]
    if resource_type not in API_RESOURCE_TYPES:
        return [
            Issue(
                f"{resource_type}.resourceType",
                f"{resource_type} is not a resource type this server handles",
            )
        ]
    model = get_fhir_model_class(resource_type)
    issues: list[Issue] = []
    try:
        model.model_validate(resource)
    except ValidationError as error:
        for detail in error.errors():
            message = str(detail["msg"]).removeprefix("Value error, ")
            issues.append(Issue(_path(resource_type, detail["loc"]), message))
    except (TypeError, ValueError) as error:
        issues.append(Issue(resource_type, str(error)))
    for (kind, element), allowed in REQUIRED_CODES.items():
        if kind == resource_type and element in resource and resource[element] not in allowed:
            issues.append(
                Issue(
                    f"{kind}.{element}",
                    f"{resource[element]!r} is not one of {', '.join(sorted(allowed))}",
                )
            )
    return issues

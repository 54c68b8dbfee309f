"""The module's own FHIR operations: their OperationDefinitions, and a Parameters body read
against one, so what an operation accepts and answers is declared once and the definition
integrators read is the one the operation checks its requests with."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from fhir_mappings.codes import CANONICAL_BASE
from fhir_mappings.profiles.elements import PROFILES_DATE
from fhir_mappings.terminology import PUBLISHER

#: Bump when any OperationDefinition changes.
OPERATIONS_VERSION = "1.0.0"
OPERATION_DEFINITION_BASE = f"{CANONICAL_BASE}/OperationDefinition"


@dataclass(frozen=True)
class OperationParameter:
    """One parameter of an operation: ``fhir_type`` is a primitive type's name."""

    name: str
    use: str  # "in" or "out"
    fhir_type: str
    min: int
    max: str
    documentation: str

    @property
    def value_key(self) -> str:
        """The ``value[x]`` element a Parameters entry carries it in (``valueString``)."""
        return "value" + self.fhir_type[0].upper() + self.fhir_type[1:]


@dataclass(frozen=True)
class Operation:
    """An instance-level operation on one resource type."""

    code: str
    resource_type: str
    title: str
    description: str
    affects_state: bool
    parameters: tuple[OperationParameter, ...]

    @property
    def url(self) -> str:
        return f"{OPERATION_DEFINITION_BASE}/{self.code}"

    def parameter(self, use: str, name: str) -> OperationParameter:
        return next(p for p in self.parameters if p.use == use and p.name == name)

    def of_use(self, use: str) -> tuple[OperationParameter, ...]:
        return tuple(p for p in self.parameters if p.use == use)


#: The parameters of ``$checkin-link``, as the operation and its definition name them.
CHECKIN_FIRST_NAME, CHECKIN_URL, CHECKIN_EXPIRES = "firstName", "url", "expires"
CHECKIN_LINK = Operation(
    code="checkin-link",
    resource_type="Encounter",
    title="Issue a check-in link for an upcoming session",
    description=(
        "The client's clinician of record, with a token of their own and a write scope, "
        "issues a link the client opens before the session (the Encounter) to answer its "
        "check-in questions. The secret is part of the URL and is never stored: the answer "
        "is the only time it is shown. Refused with an OperationOutcome saying why when the "
        "client's consent is not active, the session has started, or its note is saved."
    ),
    affects_state=True,
    parameters=(
        OperationParameter(
            CHECKIN_FIRST_NAME,
            "in",
            "string",
            0,
            "1",
            "The client's first name, the one thing about them the check-in page shows "
            "(it greets them by it). Without it the page greets no one by name.",
        ),
        OperationParameter(
            CHECKIN_URL,
            "out",
            "uri",
            1,
            "1",
            "The link to give the client. It holds the secret, which is not stored and is "
            "shown this once.",
        ),
        OperationParameter(
            CHECKIN_EXPIRES,
            "out",
            "instant",
            1,
            "1",
            "When the link stops working; it also stops once the client has sent answers.",
        ),
    ),
)

#: Every operation the module defines.
OPERATIONS = (CHECKIN_LINK,)


def operation_definition(operation: Operation) -> dict[str, Any]:
    return {
        "resourceType": "OperationDefinition",
        "id": operation.code,
        "url": operation.url,
        "version": OPERATIONS_VERSION,
        "name": "".join(part.title() for part in operation.code.split("-")),
        "title": operation.title,
        "status": "active",
        "kind": "operation",
        "experimental": False,
        "date": PROFILES_DATE,
        "publisher": PUBLISHER,
        "description": operation.description,
        "affectsState": operation.affects_state,
        "code": operation.code,
        "resource": [operation.resource_type],
        "system": False,
        "type": False,
        "instance": True,
        "parameter": [
            {
                "name": p.name,
                "use": p.use,
                "min": p.min,
                "max": p.max,
                "documentation": p.documentation,
                "type": p.fhir_type,
            }
            for p in operation.parameters
        ],
    }


def operation_definitions() -> list[dict[str, Any]]:
    return [operation_definition(o) for o in OPERATIONS]


def read_inputs(
    operation: Operation, body: Mapping[str, Any]
) -> tuple[dict[str, list[tuple[str, Any]]], dict[str, list[str]]]:
    """The in-parameters of a Parameters body by name, each value with its element path
    (``Parameters.parameter[0].valueString``), and the errors by element path.

    A parameter the definition does not declare, a value of another type than declared, or
    more values than its ``max`` allows is an error, never ignored: a misspelt name would
    otherwise issue a link without what the caller meant to send.
    """
    declared = {p.name: p for p in operation.of_use("in")}
    values: dict[str, list[tuple[str, Any]]] = {}
    errors: dict[str, list[str]] = {}
    entries = body.get("parameter", [])
    if not isinstance(entries, Sequence) or isinstance(entries, str):
        return {}, {"Parameters.parameter": ["expected a list of parameters"]}
    for index, entry in enumerate(entries):
        path = f"Parameters.parameter[{index}]"
        name = entry.get("name") if isinstance(entry, Mapping) else None
        parameter = declared.get(name) if isinstance(name, str) else None
        if parameter is None or not isinstance(entry, Mapping):
            known = ", ".join(sorted(declared)) or "none"
            errors[f"{path}.name"] = [
                f"{name!r} is not a parameter of ${operation.code} (it takes: {known})"
            ]
            continue
        value = entry.get(parameter.value_key)
        others = sorted(k for k in entry if k.startswith("value") and k != parameter.value_key)
        if others or "resource" in entry or "part" in entry:
            errors[f"{path}.{parameter.value_key}"] = [
                f"{name} is a {parameter.fhir_type}, given as "
                f"{', '.join(others) or 'a resource or parts'}"
            ]
        elif not _is_of_type(value, parameter.fhir_type):
            errors[f"{path}.{parameter.value_key}"] = [f"{name} is a {parameter.fhir_type}"]
        else:
            given = values.setdefault(parameter.name, [])
            given.append((f"{path}.{parameter.value_key}", value))
            if parameter.max != "*" and len(given) > int(parameter.max):
                errors[f"{path}.name"] = [f"{name} may be given at most {parameter.max} time(s)"]
    for parameter in declared.values():
        if len(values.get(parameter.name, [])) < parameter.min:
            errors["Parameters.parameter"] = [f"{parameter.name} is required"]
    return values, errors


def _is_of_type(value: Any, fhir_type: str) -> bool:
    # The in-parameters the module's operations take are text; other types are added here
    # when an operation takes one.
    if fhir_type in ("string", "uri", "url", "code", "instant", "dateTime"):
        return isinstance(value, str)
    return False


def answer(operation: Operation, values: Mapping[str, Any]) -> dict[str, Any]:
    """The Parameters an operation answers with, each out-parameter in its declared type."""
    return {
        "resourceType": "Parameters",
        "parameter": [
            {"name": p.name, p.value_key: values[p.name]}
            for p in operation.of_use("out")
            if p.name in values
        ],
    }

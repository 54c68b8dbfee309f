"""An operation's inputs: the query string of a GET, or the Parameters resource of a POST."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from fhir_mappings.outcomes import OutcomeIssue
from intake_ai.fhir_api.errors import FhirError

#: Value types a Parameters entry may carry for the inputs the operations take.
_VALUE_KEYS = (
    "valueString",
    "valueUri",
    "valueUrl",
    "valueCanonical",
    "valueCode",
    "valueInteger",
    "valueBoolean",
    "valueCoding",
    "valueCodeableConcept",
)


@dataclass
class Inputs:
    operation: str
    values: dict[str, list[Any]] = field(default_factory=dict)

    def one(self, name: str) -> Any:
        found = self.values.get(name) or []
        if len(found) > 1:
            raise bad(self.operation, name, "give it once")
        return found[0] if found else None

    def text(self, name: str) -> str | None:
        value = self.one(name)
        if value is None:
            return None
        if not isinstance(value, str) or not value:
            raise bad(self.operation, name, "expected text")
        return value

    def number(self, name: str) -> int | None:
        value = self.one(name)
        if value is None:
            return None
        if isinstance(value, bool) or not str(value).isdigit():
            raise bad(self.operation, name, f"expected a whole number of 0 or more, got '{value}'")
        return int(value)

    def coding(self, name: str) -> dict[str, Any] | None:
        value = self.one(name)
        if value is not None and not isinstance(value, dict):
            raise bad(self.operation, name, "expected a Coding")
        return value


def bad(operation: str, name: str, problem: str) -> FhirError:
    return FhirError(
        400, [OutcomeIssue("invalid", f"{operation} {name}: {problem}", expression=name)]
    )


def from_query(operation: str, args: Sequence[tuple[str, str]], allowed: frozenset[str]) -> Inputs:
    inputs = Inputs(operation)
    for name, value in args:
        if name.startswith("_"):
            continue  # _format and the like: the answer is JSON whatever they say
        if name not in allowed:
            raise bad(operation, name, f"not a parameter of {operation} here")
        inputs.values.setdefault(name, []).append(value)
    return inputs


def from_parameters(operation: str, body: dict[str, Any], allowed: frozenset[str]) -> Inputs:
    if body.get("resourceType") != "Parameters":
        raise FhirError(
            400,
            [
                OutcomeIssue(
                    "invalid",
                    f"POST {operation} takes a Parameters resource",
                    expression="Parameters.resourceType",
                )
            ],
        )
    inputs = Inputs(operation)
    for index, entry in enumerate(body.get("parameter") or []):
        path = f"Parameters.parameter[{index}]"
        name = entry.get("name") if isinstance(entry, dict) else None
        if not isinstance(name, str) or name not in allowed:
            message = f"{path}.name: {name!r} is not a parameter of {operation} here"
            if name in ("valueSet", "codeSystem"):
                message += " (name the published one by url instead)"
            raise FhirError(400, [OutcomeIssue("invalid", message, expression=f"{path}.name")])
        keys = [k for k in _VALUE_KEYS if k in entry]
        if len(keys) != 1:
            raise FhirError(
                400,
                [OutcomeIssue("invalid", f"{path}: expected one value", expression=path)],
            )
        inputs.values.setdefault(name, []).append(entry[keys[0]])
    return inputs

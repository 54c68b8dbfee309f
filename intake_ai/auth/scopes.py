"""SMART-style scopes: ``system/Observation.read``, ``user/*.write``, ``system/*.rs`` (v2).

A token's scopes only narrow what its user may see; they never widen it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from fhir_mappings.codes import API_RESOURCE_TYPES

_SCOPE = re.compile(r"^(system|user|patient)/(\*|[A-Z][A-Za-z]+)\.([a-z*]+)$")
_V1 = {"read": ("read",), "write": ("write",), "*": ("read", "write")}
_V2_LETTERS = set("cruds")

#: Resource types only an explicit scope reaches: ``*`` never covers the audit trail.
EXPLICIT_ONLY = frozenset({"AuditEvent"})


class ScopeError(ValueError):
    pass


@dataclass(frozen=True)
class Scope:
    resource_type: str  # a type, or "*"
    modes: frozenset[str]  # {"read"}, {"write"} or both

    def allows(self, resource_type: str, mode: str) -> bool:
        if mode not in self.modes:
            return False
        if self.resource_type == "*":
            return resource_type not in EXPLICIT_ONLY
        return self.resource_type == resource_type


def parse_scope(text: str) -> Scope:
    match = _SCOPE.match(text)
    if not match:
        raise ScopeError(f"{text!r} is not a scope of the form system/Type.read")
    _context, resource_type, permission = match.groups()
    if resource_type != "*" and resource_type not in API_RESOURCE_TYPES:
        raise ScopeError(f"{text!r}: {resource_type} is not a resource type this server serves")
    if permission in _V1:
        modes = set(_V1[permission])
    elif set(permission) <= _V2_LETTERS:
        modes = set()
        if set(permission) & {"r", "s"}:
            modes.add("read")
        if set(permission) & {"c", "u", "d"}:
            modes.add("write")
    else:
        raise ScopeError(f"{text!r}: permission must be read, write, * or SMART v2 letters cruds")
    return Scope(resource_type, frozenset(modes))


def parse_scopes(texts: Iterable[str]) -> list[Scope]:
    scopes = [parse_scope(t) for t in texts]
    if not scopes:
        raise ScopeError("at least one scope is required")
    return scopes


def allows(scopes: Iterable[Scope], resource_type: str, mode: str) -> bool:
    return any(scope.allows(resource_type, mode) for scope in scopes)

"""Which system scopes a backend client is granted: what it asked for, if registered.

Pure: works on scope text. A requested scope is within the registration when one
registered scope reaches the same resource type (``*`` reaches every type but the
explicit-only ones) with at least the same SMART v2 permission letters; v1 ``.read``,
``.write`` and ``.*`` are the letters ``rs``, ``cud`` and ``cruds``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from intake_ai.auth.scopes import EXPLICIT_ONLY, ScopeError, parse_scope

#: SMART v1 permissions as the v2 letters they stand for.
V1_LETTERS = {"read": "rs", "write": "cud", "*": "cruds"}


@dataclass(frozen=True)
class SystemScope:
    text: str
    resource_type: str  # a type, or "*"
    letters: frozenset[str]


def parse_system_scope(text: str) -> SystemScope:
    """A ``system/...`` scope; patient and user scopes need a launch this server does not do."""
    parse_scope(text)  # the shape, the type and the permission; raises ScopeError
    context, _, rest = text.partition("/")
    if context != "system":
        raise ScopeError(f"{text!r}: backend services are granted system/ scopes only")
    resource_type, _, permission = rest.rpartition(".")
    return SystemScope(text, resource_type, frozenset(V1_LETTERS.get(permission, permission)))


def parse_system_scopes(texts: Iterable[str]) -> list[SystemScope]:
    scopes: list[SystemScope] = []
    for text in texts:
        if text not in (s.text for s in scopes):
            scopes.append(parse_system_scope(text))
    if not scopes:
        raise ScopeError("at least one scope is required")
    return scopes


def covers(registered: SystemScope, requested: SystemScope) -> bool:
    if not requested.letters <= registered.letters:
        return False
    if registered.resource_type == "*":
        return requested.resource_type not in EXPLICIT_ONLY
    return registered.resource_type == requested.resource_type


def grant(requested: Iterable[str], registered: Iterable[str]) -> list[str]:
    """The scopes to grant (the requested ones, each once), or ScopeError naming the excess."""
    asked = parse_system_scopes(requested)
    allowed = parse_system_scopes(registered)
    beyond = [s.text for s in asked if not any(covers(r, s) for r in allowed)]
    if beyond:
        raise ScopeError(f"not registered for this client: {' '.join(beyond)}")
    return [s.text for s in asked]

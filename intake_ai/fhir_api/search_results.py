"""The parameters that shape a search's answer rather than choose its matches: _include
(typed, wildcard, :iterate), _revinclude, _elements, _summary and _total. Pure, like the
rest of the parsing; ``search_includes`` fetches what they name."""

from __future__ import annotations

from dataclasses import dataclass

from fhir_mappings.subsetting import ALWAYS, SUMMARY_MODES, elements_of
from intake_ai.fhir_api.search_params import INCLUDES, LINK_BY_SPEC, REVINCLUDES


class SearchError(ValueError):
    """A bad search: ``parameter`` names what to fix (raised by both parsers)."""

    def __init__(self, parameter: str, message: str, status: int = 400) -> None:
        self.parameter = parameter
        self.status = status
        super().__init__(message)


TOTALS = ("accurate", "estimate", "none")
#: fhirpy's count() sends _totalMethod (a server's extension); its values are accepted and
#: change nothing, since every total here is exact.
TOTAL_METHODS = ("count", "accurate", "estimate", "none")


@dataclass(frozen=True)
class Include:
    spec: str  # Source:param
    target: str | None = None  # Source:param:Target
    iterate: bool = False


@dataclass(frozen=True)
class Results:
    includes: tuple[Include, ...] = ()
    revincludes: tuple[str, ...] = ()
    elements: tuple[str, ...] = ()
    summary: str | None = None  # true, text, data, false (count is Search.summary_count)
    total: str = "accurate"


def _error(name: str, message: str) -> SearchError:
    return SearchError(name, message)


def parse_include(resource_type: str, name: str, raw: str) -> tuple[Include, ...]:
    modifier = name.partition(":")[2]
    if modifier not in ("", "iterate", "recurse"):  # recurse: R3's name for iterate
        raise _error(name, f"{name}: the only modifier of _include is :iterate")
    iterate = bool(modifier)
    if raw == "*":
        return tuple(Include(spec, None, iterate) for spec in INCLUDES.get(resource_type, ()))
    source, _, rest = raw.partition(":")
    param, _, target = rest.partition(":")
    spec = f"{source}:{param}"
    link = LINK_BY_SPEC.get(spec)
    if link is None or (not iterate and source != resource_type):
        supported = ", ".join((*INCLUDES.get(resource_type, ()), "*")) if not iterate else ""
        raise _error(
            name,
            f"{name}: '{raw}' is not supported here"
            + (f" (supported: {supported})" if supported else ""),
        )
    if target and target not in link.targets:
        raise _error(name, f"{name}: {spec} points to {', '.join(link.targets)}, not {target}")
    return (Include(spec, target or None, iterate),)


def parse_revinclude(resource_type: str, name: str, raw: str) -> tuple[str, ...]:
    if name != "_revinclude":
        raise _error(name, f"{name}: _revinclude takes no modifier here")
    allowed = REVINCLUDES.get(resource_type, ())
    if raw == "*":
        return allowed
    spec = ":".join(raw.split(":")[:2])
    target = raw.split(":")[2] if raw.count(":") == 2 else resource_type
    if spec not in allowed or target != resource_type:
        supported = ", ".join((*allowed, "*")) if allowed else "none"
        raise _error(name, f"_revinclude: '{raw}' is not supported here (supported: {supported})")
    return (spec,)


def parse_elements(resource_type: str, raw: str) -> tuple[str, ...]:
    names = tuple(n.strip() for n in raw.split(","))
    known = elements_of(resource_type).names | ALWAYS  # clients name resourceType too
    unknown = [n for n in names if n not in known]
    if unknown:
        raise _error("_elements", f"_elements: {resource_type} has no element '{unknown[0]}'")
    return names


def parse_summary(raw: str) -> str:
    if raw not in SUMMARY_MODES:
        raise _error("_summary", f"_summary: one of {', '.join(SUMMARY_MODES)} (got '{raw}')")
    return raw


def parse_total(name: str, raw: str) -> str:
    allowed = TOTALS if name == "_total" else TOTAL_METHODS
    if raw not in allowed:
        raise _error(name, f"{name}: one of {', '.join(allowed)}")
    return raw

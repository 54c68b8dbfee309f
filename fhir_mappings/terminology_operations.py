"""The terminology operations on the module's own CodeSystem and ValueSets, pure.

``$expand``, ``$lookup`` and ``$validate-code`` read the published resources (as dicts) and
answer with a ValueSet or a Parameters resource; what they cannot answer is a
``TerminologyProblem`` that the API turns into an OperationOutcome.

The module's concepts have English displays only: ``displayLanguage`` is accepted and
echoed in the expansion, and a language other than English gets the English displays (the
spec lets a server fall back to its default display), said so in the expansion.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

#: A BCP-47 tag as far as a check needs: letters, digits and hyphens in the usual shape.
LANGUAGE_TAG = re.compile(r"^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$")
#: The language of every display the module defines.
DISPLAY_LANGUAGE = "en"


class TerminologyProblem(Exception):
    """Something an operation's input names is not known, or the input is malformed."""

    def __init__(self, status: int, code: str, message: str, expression: str | None = None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.expression = expression


@dataclass(frozen=True)
class ExpandRequest:
    filter: str | None = None
    offset: int = 0
    count: int | None = None
    display_language: str | None = None


def check_language(tag: str | None, parameter: str = "displayLanguage") -> None:
    if tag is not None and not LANGUAGE_TAG.match(tag):
        raise TerminologyProblem(
            400, "invalid", f"{parameter}: '{tag}' is not a language tag (BCP 47, e.g. en)"
        )


def _concepts_of(code_system: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    def walk(concepts: Any) -> Iterator[Mapping[str, Any]]:
        for concept in concepts or []:
            yield concept
            yield from walk(concept.get("concept"))

    return walk(code_system.get("concept"))


def find_concept(code_system: Mapping[str, Any], code: str) -> Mapping[str, Any] | None:
    return next((c for c in _concepts_of(code_system) if c.get("code") == code), None)


def members(
    value_set: Mapping[str, Any], code_systems: Mapping[str, Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """The codings a ValueSet holds, in its order: listed concepts, or a whole system."""
    found: list[dict[str, Any]] = []
    for include in (value_set.get("compose") or {}).get("include") or []:
        system = include.get("system")
        code_system = code_systems.get(system or "")
        if code_system is None:
            raise TerminologyProblem(
                404,
                "not-found",
                f"The ValueSet {value_set.get('url')} includes the unknown system {system}",
            )
        listed = include.get("concept")
        concepts = listed if listed else list(_concepts_of(code_system))
        for concept in concepts:
            known = find_concept(code_system, concept["code"])
            if known is None:
                raise TerminologyProblem(
                    404, "not-found", f"{concept['code']} is not a code of {system}"
                )
            entry: dict[str, Any] = {"system": system}
            if code_system.get("version"):
                entry["version"] = code_system["version"]
            entry.update(code=concept["code"], display=known.get("display"))
            found.append(entry)
    return found


def _matches(entry: Mapping[str, Any], text: str) -> bool:
    """Every word of the filter starts a word of the display, or is the code (as
    terminology servers commonly match a type-ahead filter)."""
    words = re.findall(r"\w+", str(entry.get("display", "")).lower())
    wanted = re.findall(r"\w+", text.lower())
    if text.strip() == entry.get("code"):
        return True
    return all(any(word.startswith(w) for word in words) for w in wanted)


def expand(
    value_set: Mapping[str, Any],
    code_systems: Mapping[str, Mapping[str, Any]],
    request: ExpandRequest,
    *,
    identifier: str,
    timestamp: str,
) -> dict[str, Any]:
    """The ValueSet with an ``expansion`` (filtered and paged as asked)."""
    check_language(request.display_language)
    everything = members(value_set, code_systems)
    chosen = [e for e in everything if not request.filter or _matches(e, request.filter)]
    end = None if request.count is None else request.offset + request.count
    page = chosen[request.offset : end]
    parameters: list[dict[str, Any]] = []
    if request.filter:
        parameters.append({"name": "filter", "valueString": request.filter})
    if request.offset:
        parameters.append({"name": "offset", "valueInteger": request.offset})
    if request.count is not None:
        parameters.append({"name": "count", "valueInteger": request.count})
    if request.display_language:
        parameters.append({"name": "displayLanguage", "valueCode": request.display_language})
    for system in sorted({e["system"] for e in everything}):
        version = code_systems[system].get("version")
        if version:
            parameters.append({"name": "used-codesystem", "valueUri": f"{system}|{version}"})
    expansion: dict[str, Any] = {
        "identifier": identifier,
        "timestamp": timestamp,
        "total": len(chosen),
    }
    if request.offset:
        expansion["offset"] = request.offset
    if parameters:
        expansion["parameter"] = parameters
    if page:
        expansion["contains"] = page
    result = {k: v for k, v in value_set.items() if k not in ("meta", "text", "expansion")}
    if request.display_language and not _is_english(request.display_language):
        result["language"] = DISPLAY_LANGUAGE  # the displays stay English: say so
    result["expansion"] = expansion
    return result


def _is_english(tag: str) -> bool:
    return tag.lower().split("-")[0] == DISPLAY_LANGUAGE


def _parameters(*entries: dict[str, Any] | None) -> dict[str, Any]:
    return {"resourceType": "Parameters", "parameter": [e for e in entries if e]}


def lookup(
    code_system: Mapping[str, Any], code: str, display_language: str | None = None
) -> dict[str, Any]:
    """``$lookup``: the concept's name, version, display (and definition, as a property)."""
    check_language(display_language)
    concept = find_concept(code_system, code)
    if concept is None:
        raise TerminologyProblem(
            404, "not-found", f"{code} is not a code of {code_system.get('url')}", "code"
        )
    definition = concept.get("definition")
    return _parameters(
        {"name": "name", "valueString": str(code_system.get("name", ""))},
        {"name": "version", "valueString": code_system["version"]}
        if code_system.get("version")
        else None,
        {"name": "display", "valueString": concept.get("display", "")},
        {
            "name": "property",
            "part": [
                {"name": "code", "valueCode": "definition"},
                {"name": "value", "valueString": definition},
            ],
        }
        if definition
        else None,
    )


def _verdict(result: bool, message: str | None, display: str | None) -> dict[str, Any]:
    return _parameters(
        {"name": "result", "valueBoolean": result},
        {"name": "message", "valueString": message} if message else None,
        {"name": "display", "valueString": display} if display else None,
    )


def validate_in_code_system(
    code_system: Mapping[str, Any], code: str, display: str | None = None
) -> dict[str, Any]:
    """``CodeSystem/$validate-code``: is the code in the system, with this display?"""
    concept = find_concept(code_system, code)
    url = code_system.get("url")
    if concept is None:
        return _verdict(False, f"Unknown code '{code}' in the CodeSystem {url}", None)
    known = concept.get("display")
    if display is not None and display != known:
        return _verdict(False, f"The display of '{code}' is '{known}', not '{display}'", known)
    return _verdict(True, None, known)


def validate_in_value_set(
    value_set: Mapping[str, Any],
    code_systems: Mapping[str, Mapping[str, Any]],
    system: str | None,
    code: str,
    display: str | None = None,
) -> dict[str, Any]:
    """``ValueSet/$validate-code``: is the coding a member of the ValueSet?"""
    url = value_set.get("url")
    for entry in members(value_set, code_systems):
        if entry["code"] == code and system in (None, entry["system"]):
            if display is not None and display != entry["display"]:
                message = f"The display of '{code}' is '{entry['display']}', not '{display}'"
                return _verdict(False, message, entry["display"])
            return _verdict(True, None, entry["display"])
    named = f"{system}#{code}" if system else code
    return _verdict(False, f"'{named}' is not in the ValueSet {url}", None)

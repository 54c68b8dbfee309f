"""Parts of a resource, as ``_elements`` and ``_summary`` ask for them, marked SUBSETTED in
``meta.tag`` as FHIR requires of a copy that is not the whole resource.

Which elements are summary or mandatory elements comes from the fhir.resources models
(R4B, whose flags for the types served here are those of R4), never from a second list.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import Any

from fhir.resources.R4B import get_fhir_model_class

from fhir_mappings.codes import SUBSETTED

#: What every copy keeps, whatever was asked.
ALWAYS = frozenset({"resourceType", "id", "meta"})
#: The values of ``_summary``.
SUMMARY_MODES = ("true", "text", "data", "false", "count")


@dataclass(frozen=True)
class Elements:
    """A type's top-level elements by JSON name; a choice (effectiveDateTime) by its stem
    (effective) too."""

    names: frozenset[str]
    summary: frozenset[str]
    required: frozenset[str]
    #: JSON name of each choice's variants -> the choice's stem.
    stems: dict[str, str]


@cache
def elements_of(resource_type: str) -> Elements:
    model = get_fhir_model_class(resource_type)
    names, summary, required, stems = set(), set(), set(), {}
    for name, field in model.model_fields.items():
        extra = field.json_schema_extra
        if not isinstance(extra, dict) or not extra.get("element_property"):
            continue
        key = field.alias or name
        stem = str(extra["one_of_many"]) if extra.get("one_of_many") else None
        names.add(key)
        if stem:
            stems[key] = stem
            names.add(stem)
        if extra.get("summary_element_property"):
            summary.add(stem or key)
        if (
            field.is_required()
            or extra.get("element_required")
            or extra.get("one_of_many_required")
        ):
            required.add(stem or key)
    return Elements(frozenset(names), frozenset(summary), frozenset(required), stems)


def _kept(resource: dict[str, Any], keep: Iterable[str]) -> dict[str, Any]:
    wanted = set(keep) | ALWAYS
    stems = elements_of(resource["resourceType"]).stems
    copy = {}
    for key, value in resource.items():
        bare = key.removeprefix("_")  # a primitive's extensions go with the primitive
        if bare in wanted or stems.get(bare) in wanted:
            copy[key] = value
    return copy


def _tagged(copy: dict[str, Any]) -> dict[str, Any]:
    meta = dict(copy.get("meta") or {})
    tags = list(meta.get("tag") or [])
    if not any(
        t.get("system") == SUBSETTED["system"] and t.get("code") == SUBSETTED["code"] for t in tags
    ):
        tags.append(dict(SUBSETTED))
    meta["tag"] = tags
    copy["meta"] = meta
    return copy


def only_elements(resource: dict[str, Any], names: Iterable[str]) -> dict[str, Any]:
    """Only the named top-level elements (and the mandatory ones), marked SUBSETTED."""
    required = elements_of(resource["resourceType"]).required
    return _tagged(_kept(resource, [*names, *required]))


def summary(resource: dict[str, Any], mode: str) -> dict[str, Any]:
    """``_summary=true`` (the summary elements), ``text`` (text, and the mandatory
    elements), ``data`` (all but the text); ``false`` leaves the resource whole."""
    if mode == "false":
        return resource
    known = elements_of(resource["resourceType"])
    if mode == "true":
        copy = _kept(resource, known.summary)
    elif mode == "text":
        copy = _kept(resource, ["text", *known.required])
    else:  # data
        copy = {k: v for k, v in resource.items() if k not in ("text", "_text")}
    return _tagged(copy)

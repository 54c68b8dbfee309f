"""The local CodeSystem and one ValueSet per answer list, derived from the definitions."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from fhir_mappings.codes import CANONICAL_BASE, LOCAL_CODESYSTEM_ID, LOCAL_SYSTEM, translated
from fhir_mappings.concepts import OTHER_CONCEPTS, Concept
from fhir_mappings.definitions.model import AnswerList, Definition, Option

#: Bump when any concept is added or its display changes.
TERMINOLOGY_VERSION = "1.1.0"
TERMINOLOGY_DATE = "2026-12-01"
PUBLISHER = "intake_ai"


def valueset_url(answer_list: AnswerList) -> str:
    return f"{CANONICAL_BASE}/ValueSet/{answer_list.id}"


def concepts(definitions: Iterable[Definition], extra: Iterable[Concept] = ()) -> list[Concept]:
    """Every local concept, once, in a stable order. A code with two meanings is an error."""
    found: dict[str, Concept] = {}

    def add(concept: Concept) -> None:
        known = found.get(concept.code)
        if known is None:
            found[concept.code] = concept
        elif known.display != concept.display and concept.definition is None:
            raise ValueError(
                f"code {concept.code!r} has two displays: {known.display!r} and {concept.display!r}"
            )

    for definition in definitions:
        add(
            Concept(
                definition.panel_code,
                definition.panel_display,
                f"Observations extracted from one {definition.title} response.",
                definition.panel_display_es,
            )
        )
        for item in definition.walk():
            if item.kind != "display" and not item.link_id.startswith("section-"):
                add(Concept(item.link_id, item.display_label, item.text, item.display_label_es))
            if item.answers is not None:
                for option in item.answers.options:
                    add(Concept(option.code, option.display, display_es=option.es))
    for concept in (*OTHER_CONCEPTS, *extra):
        add(concept)
    return list(found.values())


def code_system(definitions: Iterable[Definition], extra: Iterable[Concept] = ()) -> dict[str, Any]:
    entries = []
    for concept in concepts(definitions, extra):
        entry: dict[str, Any] = {"code": concept.code, "display": concept.display}
        if concept.display_es:
            entry["designation"] = [{"language": "es", "value": concept.display_es}]
        if concept.definition:
            entry["definition"] = concept.definition
        entries.append(entry)
    return {
        "resourceType": "CodeSystem",
        "id": LOCAL_CODESYSTEM_ID,
        "url": LOCAL_SYSTEM,
        "version": TERMINOLOGY_VERSION,
        "name": "AIChatUse",
        "title": "AI chat use: questions, answers and clinical concepts",
        "status": "active",
        "experimental": False,
        "date": TERMINOLOGY_DATE,
        "publisher": PUBLISHER,
        "description": (
            "Local codes of the intake_ai module. No LOINC or SNOMED CT code "
            "covers generative-AI chat use, so the module defines its own."
        ),
        "caseSensitive": True,
        "content": "complete",
        "count": len(entries),
        "concept": entries,
    }


def _value_set_concept(option: Option) -> dict[str, Any]:
    """A concept with its Spanish display, as a designation and as a translation."""
    entry: dict[str, Any] = {"code": option.code, "display": option.display}
    if option.es:
        entry["_display"] = translated("es", option.es)
        entry["designation"] = [{"language": "es", "value": option.es}]
    return entry


def value_set(answer_list: AnswerList) -> dict[str, Any]:
    return {
        "resourceType": "ValueSet",
        "id": answer_list.id,
        "url": valueset_url(answer_list),
        "version": TERMINOLOGY_VERSION,
        "name": "".join(part.title() for part in answer_list.id.split("-")),
        "title": answer_list.title,
        "status": "active",
        "experimental": False,
        "date": TERMINOLOGY_DATE,
        "publisher": PUBLISHER,
        "compose": {
            "include": [
                {
                    "system": LOCAL_SYSTEM,
                    "version": TERMINOLOGY_VERSION,
                    "concept": [_value_set_concept(o) for o in answer_list.options],
                }
            ]
        },
    }


def value_sets(definitions: Iterable[Definition]) -> list[dict[str, Any]]:
    lists: dict[str, AnswerList] = {}
    for definition in definitions:
        for answer_list in definition.answer_lists():
            lists.setdefault(answer_list.id, answer_list)
    return [value_set(answer_list) for answer_list in lists.values()]

"""Red flags as FHIR Flag resources, linked to their source, with urgency and acknowledgement."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fhir_mappings.codes import (
    EXT_FLAG_ACK,
    FLAG_CATEGORY,
    FLAG_DETAIL,
    FLAG_PRIORITY,
    FLAG_PRIORITY_SYSTEM,
    coding,
    local,
)
from fhir_mappings.definitions.risk import URGENCIES, URGENCY_PRIORITY, FlagKind


@dataclass(frozen=True)
class FlagFacts:
    flag_id: str
    kind: FlagKind
    subject: str
    encounter: str | None
    start: str
    author: str  # the clinician who recorded the answers (or raised it by hand)
    #: The record whose answers raised it ("QuestionnaireResponse/<id>"), if any.
    source: str | None
    reason: str


def urgency_concept(urgency: str) -> dict[str, Any]:
    concept = next(c for c in URGENCIES if c.code == f"urgency-{urgency}")
    return local(concept.code, concept.display)


def flag_resource(facts: FlagFacts) -> dict[str, Any]:
    priority, priority_display = URGENCY_PRIORITY[facts.kind.urgency]
    extensions: list[dict[str, Any]] = [
        {
            "url": FLAG_PRIORITY,
            "valueCodeableConcept": {
                "coding": [coding(FLAG_PRIORITY_SYSTEM, priority, priority_display)]
            },
        },
    ]
    if facts.source:
        extensions.append({"url": FLAG_DETAIL, "valueReference": {"reference": facts.source}})
    flag: dict[str, Any] = {
        "resourceType": "Flag",
        "id": facts.flag_id,
        "extension": extensions,
        "status": "active",
        "category": [
            {"coding": [coding(FLAG_CATEGORY, "clinical", "Clinical")]},
            urgency_concept(facts.kind.urgency),
        ],
        "code": {
            **local(facts.kind.code, facts.kind.display),
            "text": f"{facts.kind.display} ({facts.reason})",
        },
        "subject": {"reference": facts.subject},
        "period": {"start": facts.start},
        "author": {"reference": facts.author},
    }
    if facts.encounter:
        flag["encounter"] = {"reference": facts.encounter}
    return flag


def acknowledged(flag: dict[str, Any], note: str, owner: str, by: str, time: str) -> dict[str, Any]:
    """The flag's next version: inactive, with who acknowledged it, the note and one owner."""
    updated = {k: v for k, v in flag.items() if k != "meta"}
    updated["status"] = "inactive"
    updated["period"] = {**flag.get("period", {}), "end": time}
    updated["extension"] = [
        *flag.get("extension", []),
        {
            "url": EXT_FLAG_ACK,
            "extension": [
                {"url": "note", "valueString": note},
                {"url": "owner", "valueReference": {"reference": owner}},
                {"url": "acknowledgedBy", "valueReference": {"reference": by}},
                {"url": "time", "valueDateTime": time},
            ],
        },
    ]
    return updated


def acknowledgement(flag: dict[str, Any]) -> dict[str, str] | None:
    """The acknowledgement's parts (note, owner, acknowledgedBy, time), if acknowledged."""
    for extension in flag.get("extension", []):
        if extension.get("url") == EXT_FLAG_ACK:
            parts: dict[str, str] = {}
            for part in extension.get("extension", []):
                value = (
                    part.get("valueString")
                    or part.get("valueDateTime")
                    or part.get("valueReference", {}).get("reference")
                )
                parts[part["url"]] = value
            return parts
    return None

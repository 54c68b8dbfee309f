"""What the resource store indexes of a resource: pure, from the FHIR JSON alone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from fhir_mappings.codes import DEFINITIONAL_TYPES


@dataclass(frozen=True)
class IndexEntry:
    client_id: int | None = None
    encounter_id: int | None = None
    code_system: str | None = None
    code: str | None = None
    category_system: str | None = None
    category: str | None = None
    value_code: str | None = None
    value_num: float | None = None
    status: str | None = None
    effective: datetime | None = None
    derived_from: str | None = None


def parse_fhir_datetime(text: str) -> datetime:
    """A FHIR date or dateTime as an aware UTC datetime (a bare date means its midnight UTC)."""
    if len(text) == 4:
        return datetime(int(text), 1, 1, tzinfo=UTC)
    if len(text) == 7:
        return datetime(int(text[:4]), int(text[5:7]), 1, tzinfo=UTC)
    if len(text) == 10:
        day = date.fromisoformat(text)
        return datetime(day.year, day.month, day.day, tzinfo=UTC)
    parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        raise ValueError("a dateTime with a time must carry a time zone")
    return parsed.astimezone(UTC)


def canonical_of(resource: dict[str, Any]) -> str | None:
    """``url|version`` of a definition, as references to it name it (a ``url`` search
    matches the canonical with or without its version)."""
    url, version = resource.get("url"), resource.get("version")
    return f"{url}|{version}" if url and version else url


def _local_id(reference: Any, resource_type: str) -> int | None:
    if not isinstance(reference, dict):
        return None
    ref = reference.get("reference")
    prefix = resource_type + "/"
    if isinstance(ref, str) and ref.startswith(prefix) and ref[len(prefix) :].isdigit():
        return int(ref[len(prefix) :])
    return None


def _first_coding(concept: Any) -> tuple[str | None, str | None]:
    if isinstance(concept, dict):
        for item in concept.get("coding") or []:
            return item.get("system"), item.get("code")
    return None, None


def index_resource(resource: dict[str, Any]) -> IndexEntry:
    """The index columns of one resource."""
    kind = resource["resourceType"]
    subject = resource.get("subject") or resource.get("patient")
    client_id = _local_id(subject, "Patient")
    if kind == "Patient" and str(resource.get("id", "")).isdigit():
        client_id = int(resource["id"])
    encounter_id = _local_id(resource.get("encounter"), "Encounter")
    if kind == "Encounter" and str(resource.get("id", "")).isdigit():
        encounter_id = int(resource["id"])

    code_system = code = None
    category_system = category = None
    value_code: str | None = None
    value_num: float | None = None
    effective: str | None = None
    derived: str | None = None

    if kind == "Observation":
        code_system, code = _first_coding(resource.get("code"))
        categories = resource.get("category") or []
        if categories:
            category_system, category = _first_coding(categories[0])
        if "valueCodeableConcept" in resource:
            value_code = _first_coding(resource["valueCodeableConcept"])[1]
        elif "valueInteger" in resource:
            value_num = float(resource["valueInteger"])
        elif "valueBoolean" in resource:
            value_code = "true" if resource["valueBoolean"] else "false"
        effective = resource.get("effectiveDateTime") or (
            resource.get("effectivePeriod") or {}
        ).get("start")
        # The response an answer was extracted from; the indicator a review is about.
        sources = resource.get("derivedFrom") or []
        if sources and isinstance(sources[0], dict):
            derived = sources[0].get("reference")

    elif kind == "QuestionnaireResponse":
        code = resource.get("questionnaire")
        effective = resource.get("authored")
    elif kind in DEFINITIONAL_TYPES:
        code = canonical_of(resource)
        if kind == "Questionnaire":
            effective = resource.get("date")
    elif kind == "Flag":
        code_system, code = _first_coding(resource.get("code"))
        categories = resource.get("category") or []
        if categories:
            category_system, category = _first_coding(categories[0])
        effective = (resource.get("period") or {}).get("start")
    elif kind == "Consent":
        categories = resource.get("category") or []
        if categories:
            category_system, category = _first_coding(categories[0])
        effective = resource.get("dateTime")
    elif kind in ("Patient", "Practitioner"):
        # Searched by identifier (the host EHR's patient id, the clinician's login).
        identifiers = resource.get("identifier") or [{}]
        code_system, code = identifiers[0].get("system"), identifiers[0].get("value")
    elif kind == "Encounter":
        effective = (resource.get("period") or {}).get("start")
        code_system, code = _first_coding((resource.get("type") or [None])[0])
        client_id = _local_id(resource.get("subject"), "Patient")
    elif kind == "AuditEvent":
        effective = resource.get("recorded")
    elif kind == "Provenance":
        # What it is about, so that _revinclude=Provenance:target finds it (its first target).
        targets = resource.get("target") or []
        if targets and isinstance(targets[0], dict):
            derived = targets[0].get("reference")
        effective = resource.get("recorded")

    return IndexEntry(
        client_id=client_id,
        encounter_id=encounter_id,
        code_system=code_system,
        code=code,
        category_system=category_system,
        category=category,
        value_code=value_code,
        value_num=value_num,
        status=resource.get("status"),
        effective=parse_fhir_datetime(effective) if effective else None,
        derived_from=derived,
    )

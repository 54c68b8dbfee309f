"""Publishing the definitional resources (Questionnaires, CodeSystem, ValueSets) to the store.

They are derived from the definitions in code; a new version is stored only when the
derived JSON changes, so every earlier version stays readable.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from fhir_mappings.audit_event import AUDIT_CONCEPTS
from fhir_mappings.codes import DEFINITIONAL_TYPES
from fhir_mappings.definitions import DEFINITIONS
from fhir_mappings.definitions.risk import RISK_CONCEPTS
from fhir_mappings.questionnaire import build_questionnaire
from fhir_mappings.terminology import code_system, value_sets
from intake_ai import resource_store
from intake_ai.database import session
from intake_ai.models import StoredResource


def definitional_resources() -> list[dict[str, Any]]:
    definitions = list(DEFINITIONS.values())
    return [
        *(build_questionnaire(d) for d in definitions),
        code_system(definitions, (*RISK_CONCEPTS, *AUDIT_CONCEPTS)),
        *value_sets(definitions),
    ]


def ensure_published() -> int:
    """Store every definitional resource that is missing or changed; returns how many.

    One query reads what is stored; the unit of work of the caller commits the rest.
    """
    fresh = definitional_resources()
    rows = (
        session()
        .scalars(
            select(StoredResource).where(
                StoredResource.resource_type.in_(DEFINITIONAL_TYPES),
                StoredResource.is_current.is_(True),
            )
        )
        .all()
    )
    stored = {(row.resource_type, row.resource_id): row for row in rows}
    written = 0
    for resource in fresh:
        row = stored.get((resource["resourceType"], resource["id"]))
        if row is not None and not row.deleted:
            current = resource_store.load(row)
            if {k: v for k, v in current.items() if k != "meta"} == resource:
                continue
        resource_store.save(resource)
        written += 1
    return written

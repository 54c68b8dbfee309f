"""Publishing the definitional resources (Questionnaires, CodeSystem, ValueSets, the
StructureDefinitions of the extensions and profiles, the OperationDefinitions of the
module's own operations) to the store.

They are derived from the definitions in code; a new version is stored only when the
derived JSON changes, so every earlier version stays readable.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from flask import current_app
from sqlalchemy import select

from fhir_mappings.audit_event import AUDIT_CONCEPTS
from fhir_mappings.codes import DEFINITIONAL_TYPES
from fhir_mappings.definitions import VERSIONS
from fhir_mappings.definitions.risk import RISK_CONCEPTS
from fhir_mappings.operations import operation_definitions
from fhir_mappings.profiles import structure_definitions
from fhir_mappings.questionnaire import build_questionnaire
from fhir_mappings.terminology import code_system, value_sets
from fhir_mappings.usage_export import EXPORT_CONCEPTS
from intake_ai.errors import Conflict
from intake_ai.models import StoredResource
from intake_ai.store import resources as resource_store
from intake_ai.store.database import engine, session, transaction


def definitional_resources() -> list[dict[str, Any]]:
    # Every version ever published: stored responses name the version they answered.
    definitions = list(VERSIONS)
    return [
        *(build_questionnaire(d) for d in definitions),
        code_system(definitions, (*RISK_CONCEPTS, *AUDIT_CONCEPTS, *EXPORT_CONCEPTS)),
        *value_sets(definitions),
        *structure_definitions(),
        *operation_definitions(),
    ]


PUBLISHED = "intake_ai.definitions_published"


def publish_once() -> None:
    """Publish (in a unit of work of its own) once per process and database.

    Runs before a request's own work, never inside it: the definitions a form refers to
    are in the store before any response is saved, and a rolled-back request cannot
    leave the process believing they are.
    """
    flags = current_app.extensions.setdefault(PUBLISHED, set())
    url = str(engine().url)
    if url in flags:
        return
    for attempt in range(3):
        try:
            with transaction():
                ensure_published()
            break
        except Conflict:
            # Another process published the same version at the same moment: look again.
            if attempt == 2:
                raise
    flags.add(url)


@cache
def definitional_bytes() -> dict[tuple[str, str], dict[str, Any]]:
    """The derived resources by (type, id): pure, so built once per process."""
    return {(r["resourceType"], r["id"]): r for r in definitional_resources()}


def ensure_published() -> int:
    """Store every definitional resource that is missing or changed; returns how many.

    One query reads what is stored; the unit of work of the caller commits the rest.
    """
    fresh = list(definitional_bytes().values())

    rows = (
        session()
        .scalars(
            select(StoredResource).where(
                StoredResource.resource_type.in_(DEFINITIONAL_TYPES),
                StoredResource.is_current,
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

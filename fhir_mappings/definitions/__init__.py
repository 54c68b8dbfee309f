"""The forms as data: the intake and the session note, and their answer lists."""

from __future__ import annotations

from fhir_mappings.definitions.intake import INTAKE
from fhir_mappings.definitions.model import Definition

DEFINITIONS: dict[str, Definition] = {INTAKE.id: INTAKE}


def by_id(definition_id: str) -> Definition:
    return DEFINITIONS[definition_id]

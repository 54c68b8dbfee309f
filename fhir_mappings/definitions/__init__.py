"""The forms as data: the intake and the session note, and their answer lists."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fhir_mappings.definitions.intake import INTAKE
from fhir_mappings.definitions.model import Definition
from fhir_mappings.definitions.session_note import SESSION_NOTE

DEFINITIONS: dict[str, Definition] = {INTAKE.id: INTAKE, SESSION_NOTE.id: SESSION_NOTE}


def by_id(definition_id: str) -> Definition:
    return DEFINITIONS[definition_id]


def definition_of(response: Mapping[str, Any]) -> Definition | None:
    """The definition a QuestionnaireResponse answers (from its questionnaire canonical)."""
    canonical = str(response.get("questionnaire", "")).split("|")[0]
    for definition in DEFINITIONS.values():
        if canonical.endswith(f"/Questionnaire/{definition.id}"):
            return definition
    return None

"""The forms as data: the intake and the session note, and their answer lists."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fhir_mappings.definitions.intake import INTAKE, INTAKE_VERSIONS
from fhir_mappings.definitions.model import Definition
from fhir_mappings.definitions.session_note import SESSION_NOTE

#: The current version of each form: what new records are written against.
DEFINITIONS: dict[str, Definition] = {INTAKE.id: INTAKE, SESSION_NOTE.id: SESSION_NOTE}

#: Every version ever published, oldest first: each stays a Questionnaire of its own.
VERSIONS: tuple[Definition, ...] = (*INTAKE_VERSIONS, SESSION_NOTE)

_BY_VERSION = {(d.id, d.version): d for d in VERSIONS}


def by_id(definition_id: str) -> Definition:
    return DEFINITIONS[definition_id]


def definition_of(response: Mapping[str, Any]) -> Definition | None:
    """The definition a QuestionnaireResponse answers (from its questionnaire canonical).

    The version it names when that version was published (a stored 1.0.0 intake is read
    with 1.0.0), otherwise the current one.
    """
    canonical, _, version = str(response.get("questionnaire", "")).partition("|")
    for definition in DEFINITIONS.values():
        if canonical.endswith(f"/Questionnaire/{definition.id}"):
            return _BY_VERSION.get((definition.id, version), definition)
    return None

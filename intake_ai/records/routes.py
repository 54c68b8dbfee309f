"""Record history: every version of a response or observation stays readable."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template

from fhir_mappings.definitions import DEFINITIONS
from fhir_mappings.definitions.model import Definition
from fhir_mappings.response import answers_of
from intake_ai.answer_views import describe
from intake_ai.auth.actors import current_actor
from intake_ai.database import transaction
from intake_ai.records import service
from intake_ai.web import guard_pages

bp = Blueprint("intake_records", __name__)
guard_pages(bp)

RECORD_TYPES = '<any("QuestionnaireResponse", "Observation", "Flag", "Consent"):resource_type>'


def definition_of(resource: dict[str, Any]) -> Definition | None:
    """The form definition a stored response answers (by its questionnaire canonical)."""
    canonical = resource.get("questionnaire", "")
    for definition in DEFINITIONS.values():
        if canonical.split("|")[0].endswith(f"/Questionnaire/{definition.id}"):
            return definition
    return None


@bp.route(f"/records/{RECORD_TYPES}/<resource_id>/history")
def history(resource_type: str, resource_id: str) -> str:
    with transaction():
        rows = service.history(current_actor(), resource_type, resource_id)
    return render_template(
        "intake_ai/records/history.html",
        rows=rows,
        resource_type=resource_type,
        resource_id=resource_id,
    )


@bp.route(f"/records/{RECORD_TYPES}/<resource_id>/_history/<int:version_id>")
def version(resource_type: str, resource_id: str, version_id: int) -> str:
    with transaction():
        record = service.open_version(current_actor(), resource_type, resource_id, version_id)
    sections = None
    definition = definition_of(record.resource)
    if definition is not None:
        sections = describe(
            definition, answers_of(definition, record.resource), record.free_text_visible
        )
    return render_template("intake_ai/records/version.html", record=record, sections=sections)

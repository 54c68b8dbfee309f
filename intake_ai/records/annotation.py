"""Free-text annotations on a record (Observation.note): added by the clinician of record,
edited and deleted only by their author; each change is a new version, and audited."""

from __future__ import annotations

import uuid
from typing import Any

from flask import current_app

from fhir_mappings.codes import EXT_ANNOTATION_SHARED
from fhir_mappings.datetimes import fhir_datetime
from intake_ai import access, audit
from intake_ai.auth.actors import Actor
from intake_ai.errors import AccessDenied, InvalidInput, NotFound
from intake_ai.models import StoredResource
from intake_ai.store import resources as resource_store
from intake_ai.store.database import utcnow


def now_text() -> str:
    return fhir_datetime(utcnow())


def _checked_text(text: str) -> str:
    text = (text or "").strip()
    limit = current_app.config["INTAKE_AI_MAX_TEXT"]
    if not text:
        raise InvalidInput({"text": ["Write the annotation."]})
    if len(text) > limit:
        raise InvalidInput({"text": [f"Keep this under {limit} characters."]})
    return text


def _annotation(actor: Actor, text: str, shared: bool, annotation_id: str) -> dict[str, Any]:
    return {
        "id": annotation_id,
        "extension": [{"url": EXT_ANNOTATION_SHARED, "valueBoolean": shared}],
        "authorReference": {"reference": actor.user.practitioner_ref},
        "time": now_text(),
        "text": text,
    }


def is_shared(note: dict[str, Any]) -> bool:
    return any(
        e.get("url") == EXT_ANNOTATION_SHARED and e.get("valueBoolean")
        for e in note.get("extension", [])
    )


def user_annotations(observation: dict[str, Any]) -> list[dict[str, Any]]:
    """The clinicians' annotations (notes with an id), not the module's own notes."""
    return [n for n in observation.get("note", []) if n.get("id")]


def _observation(observation_id: str) -> StoredResource:
    row = resource_store.require_current("Observation", observation_id)
    if row.client_id is None:
        raise NotFound("No such record.")
    return row


def add(actor: Actor, observation_id: str, text: str, shared: bool) -> StoredResource:
    row = _observation(observation_id)
    assert row.client_id is not None
    access.require_clinician_of_record(actor, row.client_id)
    resource = resource_store.load(row)
    resource["note"] = [
        *resource.get("note", []),
        _annotation(actor, _checked_text(text), shared, str(uuid.uuid4())),
    ]
    saved = resource_store.save(resource, author_id=actor.user.id, expected_version=row.version_id)
    audit.record("annotate", saved.reference, client_id=row.client_id, detail="added")
    return saved


def _own(actor: Actor, row: StoredResource, annotation_id: str) -> tuple[dict[str, Any], int]:
    resource = resource_store.load(row)
    for index, note in enumerate(resource.get("note", [])):
        if note.get("id") == annotation_id:
            if note.get("authorReference", {}).get("reference") != actor.user.practitioner_ref:
                raise AccessDenied("Only its author may change or delete an annotation.")
            return resource, index
    raise NotFound("No such annotation.")


def edit(
    actor: Actor, observation_id: str, annotation_id: str, text: str, shared: bool
) -> StoredResource:
    row = _observation(observation_id)
    resource, index = _own(actor, row, annotation_id)
    resource["note"][index] = _annotation(actor, _checked_text(text), shared, annotation_id)
    saved = resource_store.save(resource, author_id=actor.user.id, expected_version=row.version_id)
    audit.record("annotate", saved.reference, client_id=row.client_id, detail="edited")
    return saved


def delete(actor: Actor, observation_id: str, annotation_id: str) -> StoredResource:
    row = _observation(observation_id)
    resource, index = _own(actor, row, annotation_id)
    del resource["note"][index]
    if not resource["note"]:
        del resource["note"]
    saved = resource_store.save(resource, author_id=actor.user.id, expected_version=row.version_id)
    audit.record("annotate", saved.reference, client_id=row.client_id, detail="deleted")
    return saved

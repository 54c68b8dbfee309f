"""A record's history as people read it: each version's author, time, reason and what
changed ("Days of use per week: 1–2 days → 5–6 days"), oldest changes explained first."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from fhir_mappings.codes import EXT_ENTERED_IN_ERROR_REASON
from fhir_mappings.definitions import definition_of
from fhir_mappings.response import answers_of, change_reason_of
from intake_ai import access
from intake_ai.auth.actors import Actor
from intake_ai.forms.changes import Change, answer_changes
from intake_ai.models import StoredResource, User
from intake_ai.records import service
from intake_ai.store import resources as resource_store
from intake_ai.store.database import session

NOT_RECORDED = "not recorded"


@dataclass(frozen=True)
class VersionEntry:
    row: StoredResource
    #: Who saved this version ("not recorded" when unknown, e.g. after an import).
    author: str
    reason: str | None
    #: A reason was given but this reader does not see free text.
    reason_hidden: bool
    changes: list[Change] = field(default_factory=list)

    @property
    def first(self) -> bool:
        return self.row.version_id == 1


def _extension(resource: dict[str, Any], url: str) -> str | None:
    for extension in resource.get("extension") or []:
        if extension.get("url") == url:
            return str(extension.get("valueString", ""))
    return None


def _reason(resource: dict[str, Any], previous: dict[str, Any] | None) -> str | None:
    """Why this version was made: an edit's reason, or why it was marked entered in error."""
    newly_in_error = resource.get("status") == "entered-in-error" and (
        previous is not None and previous.get("status") != "entered-in-error"
    )
    if newly_in_error:
        return _extension(resource, EXT_ENTERED_IN_ERROR_REASON)
    if resource.get("resourceType") == "QuestionnaireResponse":
        return change_reason_of(resource)
    return None


def _value_text(resource: dict[str, Any]) -> str:
    if "valueCodeableConcept" in resource:
        return str(resource["valueCodeableConcept"].get("text", ""))
    for key in ("valueInteger", "valueString", "valueBoolean"):
        if key in resource:
            return str(resource[key])
    return "not recorded"


def _changes(before: dict[str, Any], after: dict[str, Any], free_text: bool) -> list[Change]:
    changes = []
    if before.get("status") != after.get("status"):
        changes.append(Change("Status", str(before.get("status")), str(after.get("status"))))
    if after.get("resourceType") == "QuestionnaireResponse":
        was, now = definition_of(before), definition_of(after)
        if was is not None and now is not None:
            changes += answer_changes(
                was, answers_of(was, before), now, answers_of(now, after), free_text
            )
    elif after.get("resourceType") == "Observation":
        if _value_text(before) != _value_text(after):
            changes.append(Change("Value", _value_text(before), _value_text(after)))
        notes = len(before.get("note") or []), len(after.get("note") or [])
        if notes[0] != notes[1]:
            changes.append(Change("Annotations", str(notes[0]), str(notes[1])))
    return changes


def _authors(rows: Sequence[StoredResource]) -> dict[int, str]:
    ids = {row.author_id for row in rows if row.author_id is not None}
    users = session().scalars(select(User).where(User.id.in_(ids))).all() if ids else []
    return {user.id: f"{user.display_name} ({user.role.value})" for user in users}


def version_history(actor: Actor, resource_type: str, resource_id: str) -> list[VersionEntry]:
    """Every version, newest first, each with what changed from the one before it."""
    rows = service.history(actor, resource_type, resource_id)
    client_id = next((r.client_id for r in rows if r.client_id is not None), None)
    free_text = client_id is not None and access.sees_free_text(actor, client_id)
    authors = _authors(rows)
    entries: list[VersionEntry] = []
    previous: dict[str, Any] | None = None
    for row in reversed(rows):  # oldest first, to compare each with the one before
        resource = resource_store.load(row) if row.content is not None else None
        author = authors.get(row.author_id, NOT_RECORDED) if row.author_id else NOT_RECORDED
        if resource is None:
            entries.append(VersionEntry(row, author, None, False))
            continue
        reason = _reason(resource, previous)
        changes = _changes(previous, resource, free_text) if previous is not None else []
        entries.append(
            VersionEntry(
                row,
                author,
                reason if free_text else None,
                reason is not None and not free_text,
                changes,
            )
        )
        previous = resource
    return list(reversed(entries))

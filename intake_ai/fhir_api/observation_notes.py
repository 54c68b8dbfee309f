"""Observation updates over the API: annotations (``Observation.note``) are the only part
that changes, and only its author changes or deletes an annotation."""

from __future__ import annotations

import uuid
from typing import Any

from fhir_mappings.outcomes import OutcomeIssue
from intake_ai import access, audit
from intake_ai.auth.actors import Actor, current_actor
from intake_ai.errors import NotFound
from intake_ai.fhir_api.bodies import check_structure, if_match, parse_body, prefer_return
from intake_ai.fhir_api.errors import FhirError
from intake_ai.fhir_api.service import Answer, require_scope, visible
from intake_ai.records.annotation import EXT_ANNOTATION_SHARED, now_text
from intake_ai.store import resources as resource_store


def _without(resource: dict[str, Any], *keys: str) -> dict[str, Any]:
    return {k: v for k, v in resource.items() if k not in keys}


def update_observation(observation_id: str) -> Answer:
    """Annotations (Observation.note) are the only part of an Observation the API changes."""
    actor = current_actor()
    require_scope(actor, "Observation", "write")
    resource = parse_body("Observation")
    current = resource_store.current("Observation", observation_id)
    # Unknown and not visible (another clinician's client, one who did not agree) look alike.
    if (
        current is None
        or current.deleted
        or current.client_id is None
        or not visible(actor, current)
    ):
        raise NotFound(f"Observation/{observation_id} is not known")
    if not access.is_clinician_of_record(actor, current.client_id):
        raise FhirError(
            403, "Only the client's clinician of record annotates records.", code="forbidden"
        )
    if resource.get("id") != observation_id:
        raise FhirError(
            400,
            [
                OutcomeIssue(
                    "invalid", "Observation.id: must match the URL", expression="Observation.id"
                )
            ],
        )
    check_structure(resource)
    base = if_match()
    if base is not None and base != current.version_id:
        raise FhirError(
            412,
            f"If-Match: version {base} is stale; the current version is {current.version_id}.",
            code="conflict",
        )
    stored = resource_store.load(current)
    changed = sorted(
        k
        for k in set(stored) | set(resource)
        if k not in ("meta", "note") and stored.get(k) != resource.get(k)
    )
    if changed:
        raise FhirError(
            400,
            [
                OutcomeIssue(
                    "business-rule",
                    f"Observation.{k}: only Observation.note (annotations) may change "
                    "through the API",
                    expression=f"Observation.{k}",
                )
                for k in changed
            ],
        )
    notes = _merge_notes(actor, stored.get("note", []), resource.get("note", []))
    updated = {**_without(stored, "meta", "note"), **({"note": notes} if notes else {})}
    row = resource_store.save(
        updated, author_id=actor.user.id, expected_version=base or current.version_id
    )
    audit.record("annotate", row.reference, client_id=row.client_id, detail="via API")
    return prefer_return(row, 200)


def _merge_notes(
    actor: Actor, before: list[dict[str, Any]], after: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Apply the note list an integrator sent: others' annotations cannot be changed."""
    mine = actor.user.practitioner_ref
    old = {n["id"]: n for n in before if n.get("id")}
    kept_ids = {n.get("id") for n in after if n.get("id") in old}
    for note_id, note in old.items():
        author = note.get("authorReference", {}).get("reference")
        if note_id not in kept_ids and author != mine:
            raise FhirError(403, "Only its author may delete an annotation.", code="forbidden")
    merged = [n for n in before if not n.get("id")]  # the module's own notes stay
    for position, note in enumerate(after):
        if not note.get("id"):
            if note in merged:
                continue
            text = str(note.get("text", "")).strip()
            if not text:
                raise FhirError(
                    400,
                    [
                        OutcomeIssue(
                            "required",
                            "Observation.note.text: required",
                            expression=f"Observation.note[{position}].text",
                        )
                    ],
                )
            merged.append(
                {
                    "id": str(uuid.uuid4()),
                    "extension": [{"url": EXT_ANNOTATION_SHARED, "valueBoolean": False}],
                    "authorReference": {"reference": mine},
                    "time": now_text(),
                    "text": text,
                }
            )
            continue
        previous = old.get(note["id"])
        if previous is None:
            raise FhirError(
                400,
                [
                    OutcomeIssue(
                        "invalid",
                        f"Observation.note[{position}].id: no such annotation",
                        expression=f"Observation.note[{position}].id",
                    )
                ],
            )
        if note != previous:
            if previous.get("authorReference", {}).get("reference") != mine:
                raise FhirError(403, "Only its author may change an annotation.", code="forbidden")
            merged.append({**previous, "text": str(note.get("text", "")), "time": now_text()})
        else:
            merged.append(previous)
    return merged

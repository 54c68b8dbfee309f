"""What the intake and the session note share: sessions, drafts, response context, and
storing a response with its extracted Observations."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update

from fhir_mappings.datetimes import fhir_datetime, fhir_instant
from fhir_mappings.definitions.answers import Answers
from fhir_mappings.definitions.model import Definition
from fhir_mappings.extraction import ExtractionContext, amendments, extract_observations
from fhir_mappings.questionnaire import questionnaire_url
from fhir_mappings.response import ResponseContext, build_response
from intake_ai import access, audit
from intake_ai.auth.actors import Actor
from intake_ai.errors import ConsentRequired, InvalidInput, NotFound
from intake_ai.models import Client, ConsentState, Draft, Encounter, StoredResource
from intake_ai.pages.banner import show_banner_for
from intake_ai.store import resources as resource_store
from intake_ai.store.database import session, utcnow


def session_for_recording(actor: Actor, encounter_id: int) -> tuple[Encounter, Client]:
    """The session and its client, if this actor is the client's clinician of record."""
    encounter = session().get(Encounter, encounter_id)
    if encounter is None:
        raise NotFound("No such session.")
    access.require_clinician_of_record(actor, encounter.client_id)
    show_banner_for(encounter.client_id)
    return encounter, encounter.client


def hold_client(client_id: int) -> None:
    """Make the saves of one client's records take turns, until this unit of work ends.

    A save checks that its record is not stored yet, then stores it; two saves of the same
    record at once (a retried POST, a double click) would both pass the check. A write to
    the client's row makes the second wait here (PostgreSQL's row lock; SQLite's one
    writer, whose transaction begins with it) and then see what the first committed.
    """
    session().execute(
        update(Client).where(Client.id == client_id).values(consent_state=Client.consent_state)
    )


def responses_of(client_id: int, definition: Definition) -> list[StoredResource]:
    """The client's current responses to a definition (any version of it), oldest first."""
    return list(
        session().scalars(
            select(StoredResource)
            .where(
                StoredResource.resource_type == "QuestionnaireResponse",
                StoredResource.client_id == client_id,
                StoredResource.is_current,
                StoredResource.deleted.is_(False),
                StoredResource.code.startswith(questionnaire_url(definition) + "|"),
            )
            .order_by(StoredResource.effective, StoredResource.pk)
        )
    )


def response_for_encounter(encounter_id: int, definition: Definition) -> StoredResource | None:
    return (
        session()
        .scalars(
            select(StoredResource).where(
                StoredResource.resource_type == "QuestionnaireResponse",
                StoredResource.encounter_id == encounter_id,
                StoredResource.is_current,
                StoredResource.deleted.is_(False),
                StoredResource.code.startswith(questionnaire_url(definition) + "|"),
            )
        )
        .first()
    )


@dataclass(frozen=True)
class Contexts:
    response: ResponseContext
    extraction: ExtractionContext
    #: The response as an EHR posted it (None: built from the answers, as the pages do).
    posted: dict[str, Any] | None = None


def contexts(
    response_id: str,
    status: str,
    encounter: Encounter,
    client: Client,
    actor: Actor,
    authored: datetime,
    reason: str | None = None,
    posted: dict[str, Any] | None = None,
) -> Contexts:
    """``reason``: why an edit changes the record, stored with that version.

    ``posted``: the response as an EHR sent it, stored as sent (``storable``); its
    Observations are dated by its ``authored`` (SDC), or by the session if it gives none.
    A response recorded in the pages is authored when saved, and its answers are dated by
    the session they are about.
    """
    effective = fhir_datetime(encounter.start)
    if posted is not None and isinstance(posted.get("authored"), str):
        effective = posted["authored"]
    return Contexts(
        ResponseContext(
            response_id=response_id,
            status=status,
            subject=client.patient_ref,
            encounter=encounter.encounter_ref,
            author=actor.user.practitioner_ref,
            source=client.patient_ref,
            authored=fhir_datetime(authored),
            change_reason=reason,
        ),
        ExtractionContext(
            response_id=response_id,
            subject=client.patient_ref,
            encounter=encounter.encounter_ref,
            effective=effective,
            clinician=actor.user.practitioner_ref,
            issued=fhir_instant(resource_store.to_instant(utcnow())),
        ),
        posted,
    )


def storable(posted: dict[str, Any], response_id: str) -> dict[str, Any]:
    """A posted response as stored: as sent, with the server's id (meta is stamped on save)."""
    rest = {k: v for k, v in posted.items() if k not in ("resourceType", "id")}
    return {"resourceType": "QuestionnaireResponse", "id": response_id, **rest}


def build_records(
    definition: Definition, answers: Answers, ctx: Contexts
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The response and its Observations (the panel last), not yet stored."""
    if ctx.posted is not None:
        response = storable(ctx.posted, ctx.response.response_id)
    else:
        response = build_response(definition, answers, ctx.response)
    return response, extract_observations(definition, answers, ctx.extraction)


def store_new(
    definition: Definition, answers: Answers, ctx: Contexts, author_id: int
) -> tuple[StoredResource, list[StoredResource]]:
    response, observations = build_records(definition, answers, ctx)
    # The response first, then what was extracted from it: one unit of work either way.
    [response_row] = resource_store.insert_new([response], author_id=author_id)
    rows = resource_store.insert_new(observations, author_id=author_id)
    return response_row, rows


def extracted_rows(response_ref: str, definition: Definition) -> list[StoredResource]:
    """The Observations extracted from a response: derived from it, with a code of its form.

    (An indicator is derived from the response too, but it is not one of its answers.)
    """
    return list(
        session().scalars(
            select(StoredResource).where(
                StoredResource.derived_from == response_ref,
                StoredResource.resource_type == "Observation",
                StoredResource.is_current,
                StoredResource.deleted.is_(False),
                StoredResource.code.in_(extracted_codes(definition)),
            )
        )
    )


def extracted_codes(definition: Definition) -> list[str]:
    return [definition.panel_code, *(item.link_id for item in definition.walk())]


def current_extracted(response_id: str, definition: Definition) -> dict[str, dict[str, Any]]:
    rows = extracted_rows(f"QuestionnaireResponse/{response_id}", definition)

    return {row.resource_id: resource_store.load(row) for row in rows}


def store_amendment(
    definition: Definition, answers: Answers, ctx: Contexts, author_id: int, expected_version: int
) -> tuple[StoredResource, list[StoredResource]]:
    """A new version of the response and the Observations whose answers changed."""
    response, extracted = build_records(definition, answers, ctx)
    previous = current_extracted(ctx.response.response_id, definition)

    response_row = resource_store.save(
        response, author_id=author_id, expected_version=expected_version
    )
    rows = resource_store.save_all(amendments(previous, extracted), author_id=author_id)
    return response_row, rows


#: Longest reason for a change, like the entered-in-error reason.
REASON_LIMIT = 500


def change_reason(text: str) -> str:
    """The reason a clinician gives for editing a stored record: required, kept short."""
    reason = " ".join((text or "").split())
    if not reason:
        raise InvalidInput({"change_reason": ["Say why the record is changed."]})
    if len(reason) > REASON_LIMIT:
        raise InvalidInput({"change_reason": [f"Keep this under {REASON_LIMIT} characters."]})
    return reason


# Drafts ------------------------------------------------------------------------------


def save_draft(
    actor: Actor,
    encounter: Encounter,
    client: Client,
    form: str,
    data: dict[str, Any],
    consent_given: bool,
) -> Draft:
    """Keep unfinished answers. Refused before the client agreed (consent gate)."""
    if not consent_given and client.consent_state is not ConsentState.ACTIVE:
        raise ConsentRequired(
            "A draft can be saved only once the client has agreed to the record (item 19: "
            "'I agree'). Nothing was stored."
        )
    draft = (
        session()
        .scalars(select(Draft).where(Draft.encounter_id == encounter.id, Draft.form == form))
        .first()
    )
    if draft is None:
        draft = Draft(
            client_id=client.id,
            encounter_id=encounter.id,
            form=form,
            author_id=actor.user.id,
            payload="{}",
        )
        session().add(draft)
    draft.payload = json.dumps(data)
    draft.author_id = actor.user.id
    session().flush()
    audit.record("update", f"Draft/{draft.id}", client_id=client.id, detail=f"{form} draft")
    return draft


def load_draft(encounter_id: int, form: str) -> dict[str, Any] | None:
    draft = (
        session()
        .scalars(select(Draft).where(Draft.encounter_id == encounter_id, Draft.form == form))
        .first()
    )
    return json.loads(draft.payload) if draft is not None else None


def discard_draft(encounter_id: int, form: str) -> None:
    for draft in session().scalars(
        select(Draft).where(Draft.encounter_id == encounter_id, Draft.form == form)
    ):
        session().delete(draft)

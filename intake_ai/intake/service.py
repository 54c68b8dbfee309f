"""The intake's work: preview, store behind the consent gate, amend, drafts."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from fhir_mappings.consent import ConsentFacts, consent_resource
from fhir_mappings.datetimes import fhir_datetime
from fhir_mappings.definitions import answer_lists as lists
from fhir_mappings.definitions import definition_of
from fhir_mappings.definitions.answers import Answers
from fhir_mappings.definitions.intake import INTAKE
from fhir_mappings.extraction import derived_id
from fhir_mappings.response import answers_of
from intake_ai import access, audit
from intake_ai.auth.actors import Actor
from intake_ai.errors import AccessDenied, Conflict, InvalidInput
from intake_ai.forms import records as form_records
from intake_ai.models import Client, ConsentState, Encounter, StoredResource, Supervision
from intake_ai.records.provenance import with_provenance
from intake_ai.store import resources as resource_store
from intake_ai.store.database import session, utcnow

FORM = "intake"


def consent_id(client_id: int) -> str:
    """One Consent resource per client; each change of mind is a new version of it."""
    return derived_id("consent", str(client_id))


@dataclass
class Preview:
    """What saving will store: shown on the review step before anything is written."""

    consent: str  # "agree" or "discuss"
    response: dict[str, Any] | None
    observations: list[dict[str, Any]] = field(default_factory=list)


def _consent_choice(answers: Answers) -> str:
    choice = answers["consent-record"].value
    return "agree" if choice == lists.CONSENT_AGREE else "discuss"


def existing_intake(client_id: int) -> StoredResource | None:
    rows = form_records.responses_of(client_id, INTAKE)
    return rows[0] if rows else None


def preview(actor: Actor, encounter_id: int, answers: Answers) -> Preview:
    encounter, client = form_records.session_for_recording(actor, encounter_id)
    if _consent_choice(answers) == "discuss":
        return Preview("discuss", None)
    ctx = form_records.contexts("(new)", "completed", encounter, client, actor, utcnow())
    response, observations = form_records.build_records(INTAKE, answers, ctx)
    return Preview("agree", response, observations)


def _supervisors(clinician_id: int) -> tuple[str, ...]:
    ids = (
        session()
        .scalars(select(Supervision.supervisor_id).where(Supervision.clinician_id == clinician_id))
        .all()
    )
    return tuple(f"Practitioner/{i}" for i in sorted(ids))


def _store_consent(
    client: Client, actor: Actor, status: str, research: bool, source: str | None
) -> StoredResource:
    # Every path that creates, activates or reverses a Consent passes here: whatever called
    # it, the decision is the clinician of record's own (never an integrator's token).
    access.require_consent_decider(actor, client.id)
    facts = ConsentFacts(
        consent_id=consent_id(client.id),
        status=status,
        patient=client.patient_ref,
        recorded=fhir_datetime(utcnow()),
        clinician=actor.user.practitioner_ref,
        supervisors=_supervisors(actor.user.id),
        research_opt_in=research,
        source_response=source,
    )
    row = resource_store.save(consent_resource(facts), author_id=actor.user.id)
    client.consent_state = ConsentState(status)
    audit.record(
        "create" if row.version_id == 1 else "update",
        row.reference,
        client_id=client.id,
        detail=f"consent {status}",
    )
    return row


@dataclass(frozen=True)
class Stored:
    consent: StoredResource
    response: StoredResource | None = None
    observations: int = 0


@with_provenance("create")
def submit(
    actor: Actor, encounter_id: int, answers: Answers, posted: dict[str, Any] | None = None
) -> Stored:
    """Store an intake in one unit of work, behind the consent gate (``posted``: the
    response as an EHR sent it, stored as sent)."""
    encounter, client = form_records.session_for_recording(actor, encounter_id)
    form_records.hold_client(client.id)
    if existing_intake(client.id) is not None:
        raise InvalidInput(
            {
                "form": [
                    "This client already has a stored intake: open it from "
                    "the client's page to edit it."
                ]
            }
        )
    if _consent_choice(answers) == "discuss":
        # Consent gate: only the consent answer is kept until the discussion is resolved.
        consent = _store_consent(client, actor, "proposed", False, None)
        form_records.discard_draft(encounter.id, FORM)
        return Stored(consent)
    response_id = resource_store.new_id()
    ctx = form_records.contexts(
        response_id, "completed", encounter, client, actor, utcnow(), posted=posted
    )
    response, rows = form_records.store_new(INTAKE, answers, ctx, actor.user.id)
    research = answers.get("research-opt-in")
    consent = _store_consent(
        client, actor, "active", bool(research and research.value is True), response.reference
    )
    from intake_ai.risk.service import after_answers

    after_answers(actor, client, encounter, response)
    form_records.discard_draft(encounter.id, FORM)
    audit.record(
        "create",
        response.reference,
        client_id=client.id,
        detail=f"intake with {len(rows)} extracted Observations",
    )
    return Stored(consent, response, len(rows))


@with_provenance("update")
def amend(
    actor: Actor,
    response_id: str,
    answers: Answers,
    base_version: int,
    reason: str | None = None,
    posted: dict[str, Any] | None = None,
) -> Stored:
    """Store changed answers as a new version (status amended), re-extracting Observations.

    ``reason``: why (required on the pages), stored with the new version.
    """
    row = resource_store.require_current("QuestionnaireResponse", response_id)
    encounter = session().get(Encounter, row.encounter_id) if row.encounter_id else None
    if encounter is None:
        raise InvalidInput({"form": ["This response is not linked to a session."]})
    encounter, client = form_records.session_for_recording(actor, encounter.id)
    if row.status == "entered-in-error":
        raise AccessDenied("This intake was marked entered in error and cannot be edited.")
    if row.version_id != base_version:
        raise Conflict(
            "Someone saved this intake after you opened it. Reload it to see their "
            "changes, then make yours again."
        )
    if _consent_choice(answers) != "agree":
        raise InvalidInput(
            {
                "consent-record": [
                    "Consent cannot be withdrawn by editing the intake; record a withdrawal on the "
                    "client's page instead."
                ]
            }
        )
    stored = resource_store.load(row)
    previous = answers_of(definition_of(stored) or INTAKE, stored)
    ctx = form_records.contexts(
        response_id, "amended", encounter, client, actor, utcnow(), reason, posted
    )
    response, rows = form_records.store_amendment(
        INTAKE, answers, ctx, actor.user.id, expected_version=base_version
    )
    consent = resource_store.require_current("Consent", consent_id(client.id))
    research_before = previous.get("research-opt-in")
    research_now = answers.get("research-opt-in")
    if research_before != research_now:
        consent = _store_consent(
            client,
            actor,
            "active",
            bool(research_now and research_now.value is True),
            response.reference,
        )
    from intake_ai.risk.service import after_answers

    after_answers(actor, client, encounter, response)
    audit.record(
        "amend",
        response.reference,
        client_id=client.id,
        detail=f"version {response.version_id}, {len(rows)} Observations changed",
    )
    return Stored(consent, response, len(rows))


def save_draft(actor: Actor, encounter_id: int, data: dict[str, Any]) -> None:
    encounter, client = form_records.session_for_recording(actor, encounter_id)
    agreed = data.get("consent-record") == lists.CONSENT_AGREE
    form_records.save_draft(actor, encounter, client, FORM, data, agreed)


@with_provenance("update")
def record_consent_declined(actor: Actor, client_id: int) -> None:
    """The "discuss first" ended with the client declining: the Consent becomes rejected.

    (Agreement is recorded by completing the intake form, items 19 and 20, with its answers.)
    """
    access.require_clinician_of_record(actor, client_id)
    client = session().get(Client, client_id)
    assert client is not None
    if client.consent_state is not ConsentState.PROPOSED:
        raise InvalidInput({"form": ["There is no consent discussion pending for this client."]})
    _store_consent(client, actor, "rejected", False, None)

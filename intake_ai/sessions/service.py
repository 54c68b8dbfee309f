"""Session notes: carried-over answers, preview (with the indicator it will produce), the
one-click "no AI use" note, store, amend."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from fhir_mappings.definitions import answer_lists as lists
from fhir_mappings.definitions.answers import Answer, Answers
from fhir_mappings.definitions.session_note import SESSION_NOTE
from intake_ai import audit
from intake_ai.auth.actors import Actor
from intake_ai.checkin import proposals as checkin_proposals
from intake_ai.errors import AccessDenied, Conflict, ConsentRequired, InvalidInput
from intake_ai.forms import records as form_records
from intake_ai.forms.carried import CarriedAnswer
from intake_ai.forms.schema import load_answers
from intake_ai.forms.views import answer_text
from intake_ai.models import Client, ConsentState, StoredResource
from intake_ai.records import annotation
from intake_ai.records.provenance import with_provenance
from intake_ai.risk import reviews
from intake_ai.risk import service as risk
from intake_ai.risk.flags import FlagTrigger, flags_from
from intake_ai.risk.history import answer_sources, records_before
from intake_ai.risk.rules import NOTE_FORM, AnswerSource, RiskResult
from intake_ai.store import resources as resource_store
from intake_ai.store.database import utcnow

FORM = "session-note"


@dataclass(frozen=True)
class ReviewChoice:
    """The clinician's review of the indicator, chosen on the review step."""

    agree: bool
    band: str | None = None
    reason: str | None = None


@dataclass
class NotePreview:
    response: dict[str, Any]
    observations: list[dict[str, Any]]
    risk: RiskResult
    flags: list[FlagTrigger] = field(default_factory=list)


def _require_consent(client: Client) -> None:
    if client.consent_state is not ConsentState.ACTIVE:
        raise ConsentRequired(
            "Session notes are stored only once the client has agreed to the "
            "record (intake item 19)."
        )


def carried_over(client_id: int) -> dict[str, CarriedAnswer]:
    """Answers to carry over: for each prefill field, the client's latest record answering it.

    Proposals only (see ``forms/carried.py``): nothing here is this session's answer until
    the clinician confirms or changes it. "Any AI use" is never carried over.
    """
    carried: dict[str, CarriedAnswer] = {}
    sources = [r.source for r in answer_sources(client_id)]
    for item in SESSION_NOTE.questions():
        if not item.prefill:
            continue
        for source in reversed(sources):
            given = source.values(item.link_id)
            allowed = item.answers.codes if item.answers is not None else None
            given = tuple(v for v in given if allowed is None or v in allowed)
            if given:
                text = answer_text(item, Answer(given))
                carried[item.link_id] = CarriedAnswer(
                    item.link_id, item.display_label, given, text, source.label
                )
                break
    return carried


def proposed_for_note(client_id: int, encounter_id: int) -> dict[str, CarriedAnswer]:
    """What the note form proposes: answers carried over from the last record, and over
    them (newer, and the client's own) what the client sent through this session's
    check-in. All of them count only once the clinician confirms or changes them."""
    return {**carried_over(client_id), **checkin_proposals.proposed_answers(encounter_id)}


def _with_client_answers(
    ctx: form_records.Contexts, client_answered: frozenset[str]
) -> form_records.Contexts:
    return replace(ctx, response=replace(ctx.response, client_answered=client_answered))


def note_for(encounter_id: int) -> StoredResource | None:
    return form_records.response_for_encounter(encounter_id, SESSION_NOTE)


def preview(actor: Actor, encounter_id: int, answers: Answers) -> NotePreview:
    encounter, client = form_records.session_for_recording(actor, encounter_id)
    _require_consent(client)
    ctx = form_records.contexts("(new)", "completed", encounter, client, actor, utcnow())
    response, observations = form_records.build_records(SESSION_NOTE, answers, ctx)
    pending = AnswerSource("QuestionnaireResponse/(new)", "this session note", NOTE_FORM, answers)
    history = [r.source for r in records_before(client.id, encounter.start)] + [pending]
    return NotePreview(
        response,
        observations,
        risk.preview_score(client.id, pending, encounter.start),
        flags_from(pending, history, client.is_minor),
    )


def submit_no_use(actor: Actor, encounter_id: int) -> StoredResource:
    """The quick path: "no AI use since the last session", saved in one click as a note
    like any other (reviewable, editable, can be marked entered in error)."""
    answers = load_answers(SESSION_NOTE, {"any-use": lists.USE_NO})
    return submit(actor, encounter_id, answers, None, None)


def _validate_review(choice: ReviewChoice | None) -> None:
    if choice is None or choice.agree:
        return
    errors: dict[str, list[str]] = {}
    if not choice.band:
        errors["band"] = ["Choose the band you judge right."]
    if not (choice.reason or "").strip():
        errors["reason"] = ["Give the reason for the override."]
    if errors:
        raise InvalidInput(errors)


@with_provenance("create")
def submit(
    actor: Actor,
    encounter_id: int,
    answers: Answers,
    review: ReviewChoice | None,
    annotation_text: str | None,
    posted: dict[str, Any] | None = None,
) -> StoredResource:
    """Store the note, its Observations, the indicator, flags, review and annotation at once
    (``posted``: the response as an EHR sent it, stored as sent)."""
    encounter, client = form_records.session_for_recording(actor, encounter_id)
    form_records.hold_client(client.id)
    _require_consent(client)
    if note_for(encounter_id) is not None:
        raise InvalidInput({"form": ["This session already has a note: open it to edit it."]})
    _validate_review(review)
    response_id = resource_store.new_id()
    ctx = form_records.contexts(
        response_id, "completed", encounter, client, actor, utcnow(), posted=posted
    )
    from_client = checkin_proposals.client_answered(encounter.id, answers)
    ctx = _with_client_answers(ctx, from_client)
    response, rows = form_records.store_new(SESSION_NOTE, answers, ctx, actor.user.id)
    if checkin_proposals.mark_reviewed(encounter.id, response_id):
        audit.record(
            "review",
            response.reference,
            client_id=client.id,
            detail=f"client's check-in reviewed: {len(from_client)} answers kept as theirs",
        )
    risk.after_answers(actor, client, encounter, response)
    if review is not None:
        reviews.review_indicator(
            actor, risk.indicator_id(response_id), review.agree, review.band, review.reason
        )
    if annotation_text and annotation_text.strip():
        panel = rows[-1]
        annotation.add(actor, panel.resource_id, annotation_text, shared=False)
    form_records.discard_draft(encounter.id, FORM)
    audit.record(
        "create",
        response.reference,
        client_id=client.id,
        detail=f"session note with {len(rows)} extracted Observations",
    )
    return response


@with_provenance("update")
def amend(
    actor: Actor,
    response_id: str,
    answers: Answers,
    base_version: int,
    reason: str | None = None,
    posted: dict[str, Any] | None = None,
) -> StoredResource:
    """A new version of the note (``reason``: why, stored with it), rescored."""
    row = resource_store.require_current("QuestionnaireResponse", response_id)
    if row.encounter_id is None:
        raise InvalidInput({"form": ["This note is not linked to a session."]})
    encounter, client = form_records.session_for_recording(actor, row.encounter_id)
    if row.status == "entered-in-error":
        raise AccessDenied("This note was marked entered in error and cannot be edited.")
    if row.version_id != base_version:
        raise Conflict(
            "Someone saved this note after you opened it. Reload it to see their "
            "changes, then make yours again."
        )
    ctx = form_records.contexts(
        response_id, "amended", encounter, client, actor, utcnow(), reason, posted
    )
    ctx = _with_client_answers(
        ctx, checkin_proposals.reviewed_answers(response_id, encounter.id, answers)
    )
    response, _rows = form_records.store_amendment(
        SESSION_NOTE, answers, ctx, actor.user.id, expected_version=base_version
    )
    risk.after_answers(actor, client, encounter, response)
    audit.record(
        "amend", response.reference, client_id=client.id, detail=f"version {response.version_id}"
    )
    return response


def save_draft(actor: Actor, encounter_id: int, data: dict[str, Any]) -> None:
    encounter, client = form_records.session_for_recording(actor, encounter_id)
    form_records.save_draft(actor, encounter, client, FORM, data, consent_given=False)

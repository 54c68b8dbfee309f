"""Scoring, flags, reviews and acknowledgements, in the caller's unit of work."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from fhir_mappings.datetimes import fhir_datetime
from fhir_mappings.definitions.intake import INTAKE
from fhir_mappings.definitions.risk import (
    INDICATOR,
    INDICATOR_REVIEW,
    URGENCY_ORDER,
    band_by_code,
    flag_kind,
)
from fhir_mappings.definitions.session_note import SESSION_NOTE
from fhir_mappings.extraction import derived_id
from fhir_mappings.flags import FlagFacts, acknowledged, flag_resource
from fhir_mappings.indicator import (
    IndicatorFacts,
    ReviewFacts,
    ScoredInput,
    indicator_observation,
    review_observation,
)
from fhir_mappings.questionnaire import questionnaire_url
from fhir_mappings.response import answers_of
from intake_ai import access, audit, resource_store
from intake_ai.auth.actors import Actor
from intake_ai.database import session, utcnow
from intake_ai.errors import InvalidInput, NotFound
from intake_ai.models import (
    CareAssignment,
    Client,
    Encounter,
    StoredResource,
    Supervision,
    User,
)
from intake_ai.risk.flags import FlagTrigger, flags_from
from intake_ai.risk.rules import INTAKE_FORM, NOTE_FORM, AnswerSource, RiskResult, score_dependency
from intake_ai.timezones import to_local

INDICATOR_STATUSES = ("final", "amended")


@dataclass(frozen=True)
class ScoredRecord:
    record: ClientRecord
    result: RiskResult


def _form_of(row: StoredResource) -> str | None:
    if row.code and row.code.startswith(questionnaire_url(INTAKE) + "|"):
        return INTAKE_FORM
    if row.code and row.code.startswith(questionnaire_url(SESSION_NOTE) + "|"):
        return NOTE_FORM
    return None


@dataclass(frozen=True)
class ClientRecord:
    """A stored intake or note, with the date of the session it describes."""

    row: StoredResource
    source: AnswerSource
    session_start: datetime


def answer_sources(client_id: int) -> list[ClientRecord]:
    """The client's intake and notes that count (not entered in error), in session order.

    Ordered by the session they describe, not by when they were typed: a note written up
    late for an earlier session takes its place in the history.
    """
    rows = (
        session()
        .execute(
            select(StoredResource, Encounter.start)
            .join(Encounter, Encounter.id == StoredResource.encounter_id)
            .where(
                StoredResource.resource_type == "QuestionnaireResponse",
                StoredResource.client_id == client_id,
                StoredResource.is_current,
                StoredResource.deleted.is_(False),
                StoredResource.status != "entered-in-error",
            )
            .order_by(Encounter.start, StoredResource.pk)
        )
        .all()
    )
    records = []
    for row, start in rows:
        form = _form_of(row)
        if form is None:
            continue
        definition = INTAKE if form == INTAKE_FORM else SESSION_NOTE
        when = to_local(start).strftime("%-d %b %Y")
        label = f"{'intake' if form == INTAKE_FORM else 'session note'} of {when}"
        source = AnswerSource(
            row.reference, label, form, answers_of(definition, resource_store.load(row))
        )
        records.append(ClientRecord(row, source, start))
    return records


def score_history(records: Sequence[ClientRecord]) -> list[ScoredRecord]:
    """The indicator as of each record, oldest first (each uses the records before it)."""
    scored: list[ScoredRecord] = []
    bases: list[int] = []
    for index, record in enumerate(records):
        result = score_dependency([r.source for r in records[: index + 1]], bases)
        bases.append(result.base_score)
        scored.append(ScoredRecord(record, result))
    return scored


def indicator_id(response_id: str) -> str:
    return derived_id(response_id, INDICATOR.code)


def _facts(scored: ScoredRecord, status: str) -> IndicatorFacts:
    row, result = scored.record.row, scored.result
    return IndicatorFacts(
        observation_id=indicator_id(row.resource_id),
        status=status,
        subject=f"Patient/{row.client_id}",
        encounter=f"Encounter/{row.encounter_id}" if row.encounter_id else None,
        effective=fhir_datetime(scored.record.session_start),
        score=result.score,
        band=result.band,
        inputs=[ScoredInput(i.input.code, i.points, i.tag) for i in result.inputs],
        context=[(c.code, f"{c.display} (from {c.source.label})") for c in result.context],
        sources=result.sources,
    )


def _unchanged(before: dict[str, Any], after: dict[str, Any]) -> bool:
    def strip(resource: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in resource.items() if k not in ("meta", "status")}

    return strip(before) == strip(after)


def rescore(
    client_id: int,
    author_id: int | None,
    since: datetime | None = None,
    records: Sequence[ClientRecord] | None = None,
) -> list[StoredResource]:
    """Store the indicator of every record whose score or make-up changed.

    Scores depend only on earlier sessions, so a change at ``since`` can only change the
    indicators of sessions from then on; earlier ones are scored (their base scores feed
    the trend rule) but not looked up or stored again.
    """
    stored: list[StoredResource] = []
    history = score_history(records if records is not None else answer_sources(client_id))
    for scored in history:
        if since is not None and scored.record.session_start < since:
            continue
        observation_id = indicator_id(scored.record.row.resource_id)
        previous = resource_store.current("Observation", observation_id)
        status = "final" if previous is None else "amended"
        resource = indicator_observation(_facts(scored, status))
        if (
            previous is not None
            and not previous.deleted
            and previous.status in INDICATOR_STATUSES
            and _unchanged(resource_store.load(previous), resource)
        ):
            continue
        stored.append(resource_store.save(resource, author_id=author_id))
    return stored


def records_before(
    client_id: int, session_start: datetime, excluding: str | None = None
) -> list[ClientRecord]:
    """The client's records of sessions up to ``session_start`` (a note's context)."""
    return [
        r
        for r in answer_sources(client_id)
        if r.session_start <= session_start and r.source.ref != excluding
    ]


def preview_score(client_id: int, pending: AnswerSource, session_start: datetime) -> RiskResult:
    """What the indicator of a not yet stored note will say once it is saved."""
    earlier = records_before(client_id, session_start, pending.ref)

    bases = [scored.result.base_score for scored in score_history(earlier)]
    return score_dependency([r.source for r in earlier] + [pending], bases)


# Flags ---------------------------------------------------------------------------------


def open_flags(client_id: int) -> list[dict[str, Any]]:
    """Active (unacknowledged) flags, "review now" first, then oldest first."""
    rows = (
        session()
        .scalars(
            select(StoredResource)
            .where(
                StoredResource.resource_type == "Flag",
                StoredResource.client_id == client_id,
                StoredResource.is_current,
                StoredResource.status == "active",
            )
            .order_by(StoredResource.effective)
        )
        .all()
    )
    flags = [resource_store.load(row) for row in rows]
    return sorted(flags, key=lambda f: URGENCY_ORDER[_urgency(f)])


def _urgency(flag: dict[str, Any]) -> str:
    code = flag["code"]["coding"][0]["code"]
    return flag_kind(code).urgency


def _raise(
    trigger: FlagTrigger, client: Client, encounter: Encounter | None, actor: Actor, flag_id: str
) -> StoredResource:
    facts = FlagFacts(
        flag_id=flag_id,
        kind=trigger.kind,
        subject=client.patient_ref,
        encounter=encounter.encounter_ref if encounter else None,
        # The concern dates from the session where it came up (not when it was typed up).
        start=fhir_datetime(min(encounter.start, utcnow()) if encounter else utcnow()),
        author=actor.user.practitioner_ref,
        source=trigger.source.ref if trigger.source.ref else None,
        reason=trigger.reason,
    )
    row = resource_store.save(flag_resource(facts), author_id=actor.user.id)
    audit.record("create", row.reference, client_id=client.id, detail=trigger.kind.code)
    return row


def raise_flags(
    actor: Actor,
    client: Client,
    encounter: Encounter,
    response: StoredResource,
    records: Sequence[ClientRecord],
) -> list[StoredResource]:
    """Flags the record just stored raises; one open flag per kind and client is enough."""
    position = next((i for i, r in enumerate(records) if r.row.pk == response.pk), None)
    if position is None:
        return []
    history = [r.source for r in records[: position + 1]]
    source = history[-1]
    already_open = {f["code"]["coding"][0]["code"] for f in open_flags(client.id)}
    raised = []
    for trigger in flags_from(source, history, client.is_minor):
        flag_id = derived_id(response.resource_id, trigger.kind.code)
        if trigger.kind.code in already_open or resource_store.current("Flag", flag_id):
            continue
        raised.append(_raise(trigger, client, encounter, actor, flag_id))
        already_open.add(trigger.kind.code)
    return raised


def raise_flag_by_hand(actor: Actor, client_id: int, kind_code: str, reason: str) -> StoredResource:
    access.require_clinician_of_record(actor, client_id)
    try:
        kind = flag_kind(kind_code)
    except KeyError:
        raise InvalidInput({"kind": ["Choose one of the listed flags."]}) from None
    reason = reason.strip()
    if not reason:
        raise InvalidInput({"reason": ["Say what you observed."]})
    if len(reason) > 500:
        raise InvalidInput({"reason": ["Keep this under 500 characters."]})
    client = session().get(Client, client_id)
    assert client is not None
    source = AnswerSource("", "the clinician", NOTE_FORM, {})
    return _raise(FlagTrigger(kind, reason, source), client, None, actor, resource_store.new_id())


def owners_for(client_id: int) -> list[User]:
    """Who may own a flag: the clinicians of record and their supervisors."""
    clinicians = select(CareAssignment.clinician_id).where(CareAssignment.client_id == client_id)
    supervisors = select(Supervision.supervisor_id).where(Supervision.clinician_id.in_(clinicians))
    return list(
        session().scalars(
            select(User)
            .where(User.id.in_(clinicians) | User.id.in_(supervisors), User.active.is_(True))
            .order_by(User.role, User.display_name)
        )
    )


def acknowledge_flag(
    actor: Actor, flag_id: str, note: str, owner_id: int, base_version: int | None = None
) -> StoredResource:
    """Acknowledge with a note, naming one owner (no shared inbox where flags vanish)."""
    row = resource_store.require_current("Flag", flag_id)
    assert row.client_id is not None
    access.require_view_client(actor, row.client_id)
    errors: dict[str, list[str]] = {}
    note = note.strip()
    if not note:
        errors["note"] = ["Write what was done or decided."]
    elif len(note) > 1000:
        errors["note"] = ["Keep this under 1000 characters."]
    owner = next((u for u in owners_for(row.client_id) if u.id == owner_id), None)
    if owner is None:
        errors["owner"] = ["Name one owner: the clinician of record or their supervisor."]
    if row.status != "active":
        errors["form"] = ["This flag was already acknowledged."]
    if errors:
        raise InvalidInput(errors)
    assert owner is not None
    updated = acknowledged(
        resource_store.load(row),
        note,
        owner.practitioner_ref,
        actor.user.practitioner_ref,
        fhir_datetime(utcnow()),
    )
    saved = resource_store.save(
        updated, author_id=actor.user.id, expected_version=base_version or row.version_id
    )
    audit.record("acknowledge", saved.reference, client_id=row.client_id)
    return saved


# Reviews -------------------------------------------------------------------------------


def latest_indicator(client_id: int) -> StoredResource | None:
    return (
        session()
        .scalars(
            select(StoredResource)
            .where(
                StoredResource.resource_type == "Observation",
                StoredResource.client_id == client_id,
                StoredResource.is_current,
                StoredResource.code == INDICATOR.code,
                StoredResource.status.in_(INDICATOR_STATUSES),
            )
            .order_by(StoredResource.effective.desc(), StoredResource.pk.desc())
        )
        .first()
    )


def reviews_of(indicator: StoredResource) -> list[dict[str, Any]]:
    rows = (
        session()
        .scalars(
            select(StoredResource)
            .where(
                StoredResource.resource_type == "Observation",
                StoredResource.client_id == indicator.client_id,
                StoredResource.is_current,
                StoredResource.code == INDICATOR_REVIEW.code,
                StoredResource.status == "final",
            )
            .order_by(StoredResource.pk)
        )
        .all()
    )
    reviews = [resource_store.load(r) for r in rows]
    return [r for r in reviews if r["focus"][0]["reference"] == indicator.reference]


def review_indicator(
    actor: Actor, indicator_obs_id: str, agree: bool, band_code: str | None, reason: str | None
) -> StoredResource:
    """Agree with the computed band, or override it (band and reason required).

    The override is a new record; the computed indicator stays as it was.
    """
    row = resource_store.require_current("Observation", indicator_obs_id)
    if row.code != INDICATOR.code or row.client_id is None:
        raise NotFound("No such indicator.")
    access.require_clinician_of_record(actor, row.client_id)
    indicator = resource_store.load(row)
    computed = band_by_code(indicator["interpretation"][0]["coding"][0]["code"])
    reason = (reason or "").strip()
    errors: dict[str, list[str]] = {}
    if agree:
        band = computed
    else:
        try:
            band = band_by_code(band_code or "")
        except KeyError:
            band = computed
            errors["band"] = ["Choose the band you judge right."]
        if not reason:
            errors["reason"] = ["Give the reason for the override."]
    if len(reason) > 1000:
        errors["reason"] = ["Keep this under 1000 characters."]
    if errors:
        raise InvalidInput(errors)
    facts = ReviewFacts(
        observation_id=resource_store.new_id(),
        indicator=row.reference,
        subject=indicator["subject"]["reference"],
        encounter=(indicator.get("encounter") or {}).get("reference"),
        effective=fhir_datetime(utcnow()),
        clinician=actor.user.practitioner_ref,
        computed=computed,
        agree=agree,
        band=band,
        reason=reason or None,
    )
    saved = resource_store.save(review_observation(facts), author_id=actor.user.id)
    audit.record(
        "review", saved.reference, client_id=row.client_id, detail="agree" if agree else "override"
    )
    return saved


def after_answers(
    actor: Actor, client: Client, encounter: Encounter, response: StoredResource
) -> None:
    """Recompute the indicator and raise flags from the answers just stored."""
    records = answer_sources(client.id)
    rescore(client.id, actor.user.id, since=encounter.start, records=records)
    raise_flags(actor, client, encounter, response, records)

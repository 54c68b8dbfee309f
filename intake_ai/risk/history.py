"""A client's scored history: the records that count, in session order, scored as of each."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from fhir_mappings.definitions.intake import INTAKE
from fhir_mappings.definitions.session_note import SESSION_NOTE
from fhir_mappings.questionnaire import questionnaire_url
from fhir_mappings.response import answers_of
from intake_ai.models import (
    Encounter,
    StoredResource,
)
from intake_ai.pages.formats import clinic_locale, date_text
from intake_ai.risk.rules import INTAKE_FORM, NOTE_FORM, AnswerSource, RiskResult, score_dependency
from intake_ai.store import resources as resource_store
from intake_ai.store.database import session

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
        when = date_text(start, clinic_locale())
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


def records_before(
    client_id: int, session_start: datetime, excluding: str | None = None
) -> list[ClientRecord]:
    """The client's records of sessions up to ``session_start`` (a note's context)."""
    return [
        r
        for r in answer_sources(client_id)
        if r.session_start <= session_start and r.source.ref != excluding
    ]

"""Keeping the indicator current: rescoring after a change, previewing a note's score."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from fhir_mappings.datetimes import fhir_datetime
from fhir_mappings.definitions.risk import (
    INDICATOR,
)
from fhir_mappings.extraction import derived_id
from fhir_mappings.indicator import (
    IndicatorFacts,
    ScoredInput,
    indicator_observation,
)
from intake_ai.auth.actors import Actor
from intake_ai.models import (
    Client,
    Encounter,
    StoredResource,
)
from intake_ai.risk.flag_records import raise_flags
from intake_ai.risk.history import (
    INDICATOR_STATUSES,
    ClientRecord,
    ScoredRecord,
    answer_sources,
    records_before,
    score_history,
)
from intake_ai.risk.rules import AnswerSource, RiskResult, score_dependency
from intake_ai.store import resources as resource_store


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
        sources=result.evaluated,
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
        stored.append(resource_store.save(resource, author_id=author_id, previous=previous))
    return stored


def preview_score(client_id: int, pending: AnswerSource, session_start: datetime) -> RiskResult:
    """What the indicator of a not yet stored note will say once it is saved."""
    earlier = records_before(client_id, session_start, pending.ref)

    bases = [scored.result.base_score for scored in score_history(earlier)]
    return score_dependency([r.source for r in earlier] + [pending], bases)


def after_answers(
    actor: Actor, client: Client, encounter: Encounter, response: StoredResource
) -> None:
    """Recompute the indicator and raise flags from the answers just stored."""
    records = answer_sources(client.id)
    rescore(client.id, actor.user.id, since=encounter.start, records=records)
    raise_flags(actor, client, encounter, response, records)

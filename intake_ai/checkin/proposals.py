"""What a client sent through their check-in, as the session note's form shows it: answers
proposed beside their questions, "from the client's check-in (date)", each counting only
once the clinician confirms or changes it (``forms/carried.py``); and, once the note is
saved, which of its answers are the client's own (the response marks them per item)."""

from __future__ import annotations

import json
from collections.abc import Mapping

from sqlalchemy import select

from fhir_mappings.definitions.answers import Answer
from fhir_mappings.definitions.session_note import SESSION_NOTE
from intake_ai.forms.carried import CHECKIN, CarriedAnswer
from intake_ai.forms.views import answer_text
from intake_ai.models import CheckInProposal
from intake_ai.store.database import session, utcnow
from intake_ai.timezones import to_local


def _latest(encounter_id: int, reviewed_in: str | None = None) -> CheckInProposal | None:
    query = select(CheckInProposal).where(CheckInProposal.encounter_id == encounter_id)
    if reviewed_in is not None:
        query = query.where(CheckInProposal.reviewed_in == reviewed_in)
    return session().scalars(query.order_by(CheckInProposal.id.desc())).first()


def _values(proposal: CheckInProposal) -> dict[str, tuple[str, ...]]:
    data = json.loads(proposal.payload)
    result = {}
    for link_id, raw in data.items():
        given = tuple(str(v) for v in (raw if isinstance(raw, list) else [raw]))
        if SESSION_NOTE.has(link_id) and given:
            result[link_id] = given
    return result


def proposed_answers(encounter_id: int) -> dict[str, CarriedAnswer]:
    """The client's answers for this session's note, not yet reviewed into one."""
    proposal = _latest(encounter_id)
    if proposal is None or proposal.reviewed_in is not None:
        return {}
    when = to_local(proposal.submitted_at).strftime("%-d %b %Y")
    proposed = {}
    for link_id, given in _values(proposal).items():
        item = SESSION_NOTE.item(link_id)
        proposed[link_id] = CarriedAnswer(
            link_id,
            item.display_label,
            given,
            answer_text(item, Answer(given)),
            f"client's check-in ({when})",
            origin=CHECKIN,
        )
    return proposed


def _kept(proposal: CheckInProposal | None, answers: Mapping[str, Answer]) -> frozenset[str]:
    if proposal is None:
        return frozenset()
    kept = set()
    for link_id, given in _values(proposal).items():
        answer = answers.get(link_id)
        if answer is None or answer.declined:
            continue
        if sorted(str(v) for v in answer.values) == sorted(given):
            kept.add(link_id)
    return frozenset(kept)


def client_answered(encounter_id: int, answers: Mapping[str, Answer]) -> frozenset[str]:
    """The note's answers that are the client's check-in answers, unchanged."""
    proposal = _latest(encounter_id)
    return _kept(proposal if proposal and proposal.reviewed_in is None else None, answers)


def reviewed_answers(
    response_id: str, encounter_id: int, answers: Mapping[str, Answer]
) -> frozenset[str]:
    """For an edit: the answers still as the client gave them in the reviewed check-in."""
    return _kept(_latest(encounter_id, reviewed_in=response_id), answers)


#: Answers that must not wait for the session: the note's own crisis question answered "yes".
CRISIS_ITEM = "crisis-use"
NO_CRISIS = "crisis-no"


def crisis_mentions(client_id: int) -> set[int]:
    """Check-ins of this client, not yet reviewed into a note, whose client said they used
    AI during distress or a crisis: their clinician's page says so at once."""
    proposals = session().scalars(
        select(CheckInProposal).where(
            CheckInProposal.client_id == client_id, CheckInProposal.reviewed_in.is_(None)
        )
    )
    return {
        p.checkin_id
        for p in proposals
        if any(code != NO_CRISIS for code in _values(p).get(CRISIS_ITEM, ()))
    }


def mark_reviewed(encounter_id: int, response_id: str) -> bool:
    """The proposal is now part of a saved note (whatever the clinician kept of it)."""
    proposal = _latest(encounter_id)
    if proposal is None or proposal.reviewed_in is not None:
        return False
    proposal.reviewed_in = response_id
    proposal.reviewed_at = utcnow()
    return True

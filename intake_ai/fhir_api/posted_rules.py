"""What a posted QuestionnaireResponse is checked against beyond its structure and answers:
when it was authored, whether it repeats what is stored, and the intake's "discuss first"."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, NoReturn

from fhir_mappings.definitions import answer_lists as lists
from fhir_mappings.definitions.intake import INTAKE
from fhir_mappings.outcomes import OutcomeIssue, operation_outcome
from fhir_mappings.response import answers_of
from fhir_mappings.search_index import parse_fhir_datetime
from intake_ai import audit
from intake_ai.auth.actors import Actor
from intake_ai.fhir_api.errors import FhirError
from intake_ai.fhir_api.service import Answer
from intake_ai.forms import records as form_records
from intake_ai.models import ConsentState, Encounter, StoredResource, User
from intake_ai.store import resources as resource_store
from intake_ai.store.database import utcnow
from intake_ai.timezones import to_local

#: Clocks disagree a little: an ``authored`` this far ahead is not yet "in the future".
CLOCK_SKEW = timedelta(minutes=2)
AUTHORED = "QuestionnaireResponse.authored"


@dataclass(frozen=True)
class ResponseTarget:
    definition: Any
    encounter: Encounter
    author: User


def author_actor(actor: Actor, target: ResponseTarget) -> Actor:
    """The domain acts as the clinician named as author, through the caller's token: what
    only the clinician may do in person (decide consent) stays refused to an integrator."""
    return Actor(user=target.author, token=actor.token, scopes=actor.scopes)


def _refuse(message: str) -> NoReturn:
    raise FhirError(400, [OutcomeIssue("invalid", f"{AUTHORED}: {message}", expression=AUTHORED)])


def check_authored(
    resource: dict[str, Any], encounter: Encounter, stored: str | None = None
) -> None:
    """``authored`` is kept as sent; it must not lie in the future and must fall on the
    session's day (in the clinic's time zone): the answers are dated by it (SDC), and a
    response dated on another day would chart under a session it does not belong to.

    ``stored``: the ``authored`` of the version an update replaces. Sent back unchanged it
    stands as it was (a note typed in the pages the day after the session keeps its date).
    """
    text = resource.get("authored")
    if text is None or (stored is not None and text == stored):
        return  # optional in FHIR: the answers are then dated by the session
    if not isinstance(text, str) or len(text) < 10:
        _refuse("give at least the day the answers were given")
    try:
        moment = parse_fhir_datetime(text)
    except ValueError as error:
        _refuse(str(error))
    if moment > utcnow() + CLOCK_SKEW:
        _refuse("lies in the future")
    session_day = to_local(encounter.start).date()
    day = moment.date() if len(text) == 10 else to_local(moment).date()
    if day != session_day:
        _refuse(
            f"must fall on the day of the session it answers ({session_day.isoformat()}, "
            "clinic time); create an Encounter for the day the answers were given"
        )


def asks_to_discuss(definition: Any, answers: Any) -> bool:
    """An intake whose client asked to discuss consent first (item 19)."""
    if definition.id != INTAKE.id:
        return False
    choice = answers.get("consent-record")
    return choice is not None and choice.value != lists.CONSENT_AGREE


DISCUSS_FIRST = (
    "The client asked to discuss consent first (intake item 19): none of these answers were "
    "stored. The consent decision went to {consent} (status 'proposed'), where their "
    "clinician records its outcome with them; post the intake again once the client agrees. "
    "Until then nothing about the client is served to integrators."
)


def discuss_first(
    actor: Actor, target: ResponseTarget, answers: Any, resource: dict[str, Any]
) -> Answer:
    """Store the "discuss first" decision (once: a repeat adds nothing) and say where it
    went, as an OperationOutcome: no QuestionnaireResponse exists to answer with."""
    from intake_ai.intake import service as intake

    client = target.encounter.client
    consent = resource_store.current("Consent", intake.consent_id(client.id))
    if client.consent_state is ConsentState.PROPOSED and consent is not None:
        audit.record("read", consent.reference, client_id=client.id, detail="discuss again")
    else:
        consent = intake.submit(author_actor(actor, target), target.encounter.id, answers).consent
    message = DISCUSS_FIRST.format(consent=consent.reference)
    issue = OutcomeIssue(
        "informational", message, severity="information", expression="QuestionnaireResponse.item"
    )
    body = operation_outcome([issue])
    return Answer(json.dumps(body).encode(), {}, 200)


def same_as_stored(target: ResponseTarget, answers: Any) -> StoredResource | None:
    """The stored response this POST repeats (the same form, session and answers), if any."""
    if target.definition.id == INTAKE.id:
        rows = form_records.responses_of(target.encounter.client_id, INTAKE)
    else:
        row = form_records.response_for_encounter(target.encounter.id, target.definition)
        rows = [row] if row is not None else []
    for row in rows:
        if row.encounter_id != target.encounter.id or row.status == "entered-in-error":
            continue
        if answers_of(target.definition, resource_store.load(row)) == dict(answers):
            return row
    return None

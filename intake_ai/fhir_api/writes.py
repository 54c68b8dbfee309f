"""FHIR writes of QuestionnaireResponses (create and update, answers extracted as for the
forms) and $validate.

Every write validates with fhir.resources first, then checks the answers against their
definition; problems come back as an OperationOutcome naming the element.
"""

from __future__ import annotations

import json
from typing import Any

from flask import request
from sqlalchemy import select

from fhir_mappings.definitions import DEFINITIONS, definition_of
from fhir_mappings.definitions.intake import INTAKE
from fhir_mappings.outcomes import OutcomeIssue, from_validation
from fhir_mappings.questionnaire import questionnaire_canonical
from fhir_mappings.response import read_response
from fhir_mappings.validation import validate
from intake_ai import access, audit
from intake_ai.auth.actors import Actor, current_actor
from intake_ai.errors import InvalidInput, NotFound
from intake_ai.fhir_api import posted_rules, search_sql
from intake_ai.fhir_api.bodies import check_structure, if_match, parse_body, prefer_return
from intake_ai.fhir_api.errors import FhirError
from intake_ai.fhir_api.posted_rules import ResponseTarget, author_actor, check_authored
from intake_ai.fhir_api.service import Answer, parse_search, require_scope, visible
from intake_ai.forms.records import hold_client
from intake_ai.forms.schema import load_answers
from intake_ai.models import CareAssignment, Encounter, Role, StoredResource, User
from intake_ai.store import resources as resource_store
from intake_ai.store.database import session
from intake_ai.untrusted import row_id


def _local_id(reference: Any, kind: str, path: str) -> int:
    ref = reference.get("reference", "") if isinstance(reference, dict) else ""
    local = row_id(ref.removeprefix(f"{kind}/"))
    if not ref.startswith(f"{kind}/") or local is None:
        raise FhirError(
            400,
            [
                OutcomeIssue(
                    "invalid", f"{path}: expected a reference to {kind}/<id>", expression=path
                )
            ],
        )
    return local


def _definition(resource: dict[str, Any]) -> Any:
    """The form a posted response answers, or 400 naming the ones served."""
    definition = definition_of(resource)
    if definition is None or resource.get("questionnaire") != questionnaire_canonical(definition):
        known = ", ".join(sorted(questionnaire_canonical(d) for d in DEFINITIONS.values()))
        raise FhirError(
            400,
            [
                OutcomeIssue(
                    "invalid",
                    f"QuestionnaireResponse.questionnaire: must be one of {known}",
                    expression="QuestionnaireResponse.questionnaire",
                )
            ],
        )
    return definition


def _require_recorder(actor: Actor, definition: Any) -> None:
    """Who may write answers at all, decided before any id in the body is looked at."""
    if actor.role not in (Role.CLINICIAN, Role.INTEGRATOR):
        raise FhirError(
            403, "Only clinician and integrator tokens record answers.", code="forbidden"
        )
    # The intake carries the consent answer (items 19-20): storing or changing one creates,
    # activates or reverses the client's Consent, which only their clinician decides.
    if definition.id == INTAKE.id and not access.acts_as_themselves(actor):
        raise FhirError(403, access.CONSENT_IS_THE_CLINICIANS, code="forbidden")


#: One answer for an unknown session, another client's session and a client this token may
#: not see (another clinician's, or one who has not agreed): ids cannot be probed.
NOT_A_SESSION = "QuestionnaireResponse.encounter: not a session of this subject"


def _target(resource: dict[str, Any], actor: Actor, definition: Any) -> ResponseTarget:
    """What a posted response is about, checked: its client, session and author."""
    client_id = _local_id(resource.get("subject"), "Patient", "QuestionnaireResponse.subject")
    encounter_id = _local_id(
        resource.get("encounter"), "Encounter", "QuestionnaireResponse.encounter"
    )
    encounter = session().get(Encounter, encounter_id)
    if (
        encounter is None
        or encounter.client_id != client_id
        or not access.can_view_client(actor, client_id)
    ):
        raise FhirError(
            400,
            [OutcomeIssue("invalid", NOT_A_SESSION, expression="QuestionnaireResponse.encounter")],
        )
    author_id = _local_id(resource.get("author"), "Practitioner", "QuestionnaireResponse.author")
    author = session().get(User, author_id)
    in_care = session().get(CareAssignment, (author_id, client_id)) is not None
    if author is None or author.role is not Role.CLINICIAN or not in_care:
        raise FhirError(
            400,
            [
                OutcomeIssue(
                    "invalid",
                    "QuestionnaireResponse.author: must be the client's clinician of record",
                    expression="QuestionnaireResponse.author",
                )
            ],
        )
    if actor.role is Role.CLINICIAN and actor.user.id != author.id:
        raise FhirError(
            403, "A clinician's token records answers as that clinician only.", code="forbidden"
        )
    return ResponseTarget(definition, encounter, author)


def response_answers(resource: dict[str, Any], definition: Any) -> Any:
    """The answers of a posted response, or 400 naming each bad item."""
    read = read_response(definition, resource)
    if read.errors:
        raise FhirError(
            400,
            [
                OutcomeIssue("invalid", f"{path}: {'; '.join(msgs)}", expression=path)
                for path, msgs in read.errors.items()
            ],
        )
    data = {k: v for k, v in read.data.items() if v != "declined"}
    declined = [k for k, v in read.data.items() if v == "declined"]
    if declined:
        data["declined"] = declined
    try:
        return load_answers(definition, data)
    except InvalidInput as error:
        issues = []
        for link_id, messages in error.errors.items():
            path = read.paths.get(link_id, "QuestionnaireResponse.item")
            where = f"{path} (linkId '{link_id}')" if link_id in read.paths else link_id
            issues += [OutcomeIssue("invalid", f"{where}: {m}", expression=path) for m in messages]
        raise FhirError(400, issues) from None


def _store_response(
    actor: Actor,
    target: ResponseTarget,
    answers: Any,
    existing: StoredResource | None,
    base_version: int | None,
    posted: dict[str, Any],
) -> StoredResource:
    author = author_actor(actor, target)
    if target.definition.id == INTAKE.id:
        from intake_ai.intake import service as intake

        if existing is not None:
            return intake.amend(
                author,
                existing.resource_id,
                answers,
                base_version or existing.version_id,
                posted=posted,
            ).response  # type: ignore[return-value]
        stored = intake.submit(author, target.encounter.id, answers, posted)
        return stored.response or stored.consent
    from intake_ai.sessions import service as notes

    if existing is not None:
        return notes.amend(
            author, existing.resource_id, answers, base_version or existing.version_id, None, posted
        )
    return notes.submit(author, target.encounter.id, answers, None, None, posted)


def _conditional_match(actor: Actor, criteria: str) -> list[StoredResource]:
    """What ``If-None-Exist`` finds: a search, so it takes the read scope a search takes."""
    from urllib.parse import parse_qsl

    if not access.may_use_api_type(actor, "QuestionnaireResponse", "read"):
        raise FhirError(
            403,
            "If-None-Exist searches QuestionnaireResponses, which this token's scopes do not "
            "allow it to read.",
            code="forbidden",
        )
    args = parse_qsl(criteria, keep_blank_values=True)
    if not args:
        raise FhirError(400, "If-None-Exist: give search criteria, e.g. encounter=Encounter/5")
    template, values = search_sql.shape(parse_search("QuestionnaireResponse", args))
    clauses = [
        *search_sql.where_clauses(template),
        access.api_resource_filter(actor, "QuestionnaireResponse"),
    ]
    return list(session().scalars(select(StoredResource).where(*clauses).limit(2), values))


def create_response() -> Answer:
    actor = current_actor()
    require_scope(actor, "QuestionnaireResponse", "write")
    resource = parse_body("QuestionnaireResponse")
    return create_from(actor, resource, request.headers.get("If-None-Exist"))


def create_from(actor: Actor, resource: dict[str, Any], criteria: str | None) -> Answer:
    """Create a response from a posted one (what POST and ``$extract`` share)."""
    resource.pop("id", None)  # the server names what it creates
    check_structure(resource)
    if resource.get("status") != "completed":
        raise FhirError(
            400,
            [
                OutcomeIssue(
                    "invalid",
                    "QuestionnaireResponse.status: a new response must be 'completed'",
                    expression="QuestionnaireResponse.status",
                )
            ],
        )
    definition = _definition(resource)
    _require_recorder(actor, definition)
    if criteria:
        matches = _conditional_match(actor, criteria)
        if len(matches) > 1:
            raise FhirError(412, "If-None-Exist matches more than one response.", code="duplicate")
        if matches:
            # Nothing is created: the caller is handed the stored response, a read.
            audit.record("read", matches[0].reference, client_id=matches[0].client_id)
            return prefer_return(matches[0], 200)
    target = _target(resource, actor, definition)
    check_authored(resource, target.encounter)
    answers = response_answers(resource, target.definition)
    # Before the repeated-POST check: a retry sent while the first is being stored waits,
    # then is handed what the first stored.
    hold_client(target.encounter.client_id)
    if posted_rules.asks_to_discuss(target.definition, answers):
        return posted_rules.discuss_first(actor, target, answers, resource)
    same = posted_rules.same_as_stored(target, answers)
    if same is not None:
        # The same answers again (a retried POST): nothing new is stored.
        audit.record("read", same.reference, client_id=same.client_id, detail="repeated POST")
        return prefer_return(same, 200)
    row = _store_response(actor, target, answers, None, None, resource)
    return prefer_return(row, 201)


def update_response(response_id: str) -> Answer:
    actor = current_actor()
    require_scope(actor, "QuestionnaireResponse", "write")
    resource = parse_body("QuestionnaireResponse")
    if resource.get("id") != response_id:
        raise FhirError(
            400,
            [
                OutcomeIssue(
                    "invalid",
                    "QuestionnaireResponse.id: must match the id in the URL",
                    expression="QuestionnaireResponse.id",
                )
            ],
        )
    existing = resource_store.current("QuestionnaireResponse", response_id)
    if existing is None or existing.deleted or not visible(actor, existing):
        raise NotFound(f"QuestionnaireResponse/{response_id} is not known (create with POST)")
    check_structure(resource)
    definition = _definition(resource)
    _require_recorder(actor, definition)
    if definition_of(resource_store.load(existing)) is not definition:
        raise FhirError(
            400,
            [
                OutcomeIssue(
                    "invalid",
                    "QuestionnaireResponse.questionnaire: a response cannot change its form",
                    expression="QuestionnaireResponse.questionnaire",
                )
            ],
        )
    base = if_match()
    if base is not None and base != existing.version_id:
        raise FhirError(
            412,
            f"If-Match: version {base} is stale; the current version is {existing.version_id}.",
            code="conflict",
        )
    target = _target(resource, actor, definition)
    if existing.encounter_id != target.encounter.id:
        raise FhirError(
            400,
            [
                OutcomeIssue(
                    "invalid",
                    "QuestionnaireResponse.encounter: a response cannot move to another session",
                    expression="QuestionnaireResponse.encounter",
                )
            ],
        )
    assert existing.content is not None
    check_authored(resource, target.encounter, json.loads(existing.content).get("authored"))
    answers = response_answers(resource, target.definition)
    row = _store_response(actor, target, answers, existing, base, resource)
    return prefer_return(row, 200)


def validate_operation(resource_type: str) -> Answer:
    """$validate: an OperationOutcome listing every problem (or none), stores nothing."""
    actor = current_actor()
    require_scope(actor, resource_type, "read")
    body = parse_body(None)
    if body.get("resourceType") == "Parameters":
        resources = [
            p.get("resource") for p in body.get("parameter", []) if p.get("name") == "resource"
        ]
        if len(resources) != 1 or not isinstance(resources[0], dict):
            raise FhirError(400, "Parameters: give exactly one parameter named 'resource'.")
        body = resources[0]
    if body.get("resourceType") != resource_type:
        raise FhirError(
            400, f"Expected a {resource_type} to validate, got {body.get('resourceType')!r}."
        )
    issues = from_validation(validate(body))
    if not issues and resource_type == "QuestionnaireResponse":
        definition = definition_of(body)
        if definition is not None:
            try:
                response_answers(body, definition)
            except FhirError as error:
                issues = error.issues
    audit.record("validate", resource_type)
    from fhir_mappings.outcomes import operation_outcome

    return Answer(json.dumps(operation_outcome(issues)).encode())

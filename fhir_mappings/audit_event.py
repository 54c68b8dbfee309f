"""Audit records as FHIR AuditEvent (R4)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from fhir_mappings.codes import (
    AUDIT_ENTITY_TYPE,
    AUDIT_EVENT_SUBTYPE,
    AUDIT_EVENT_TYPE,
    LOCAL_SYSTEM,
    REDACTED,
    SECURITY_SOURCE_TYPE,
    coding,
)
from fhir_mappings.concepts import Concept

#: Operations that are FHIR RESTful interactions keep the standard subtype code.
RESTFUL = frozenset(
    {
        "read",
        "vread",
        "update",
        "create",
        "delete",
        "history-instance",
        "history-type",
        "search-type",
        "history-system",
        "batch",
        "operation",
    }
)
#: The module's other audited operations, as local concepts.
LOCAL_OPERATIONS = {
    "view": "View of a page",
    "export": "Bulk export",
    "amend": "Amend answers",
    "annotate": "Annotate a record",
    "acknowledge": "Acknowledge a flag",
    "review": "Review the indicator",
    "entered-in-error": "Mark entered in error",
    "purge": "Remove for good",
    "login": "Sign in",
    "logout": "Sign out",
    "validate": "Validate a resource",
    "upload": "Read an uploaded file (nothing of it kept)",
    "expand": "Expand a ValueSet",
    "lookup": "Look up a code",
    "validate-code": "Validate a code",
    "issue-checkin": "Issue a check-in link",
    "revoke-checkin": "Withdraw a check-in link",
    "open-checkin": "Open a check-in link",
    "send-checkin": "Send a check-in",
    "set-language": "Set a client's language",
    "extract": "Extract a response's records (nothing stored)",
    # Written by the request-level safeguard for requests that recorded nothing themselves.
    "request": "Request that touched no record itself",
    "submit": "Submission that changed no record itself",
}
AUDIT_CONCEPTS = tuple(
    Concept(f"audit-{code}", display) for code, display in LOCAL_OPERATIONS.items()
)
OUTCOME_TEXT = {"0": "Success", "4": "Minor failure", "8": "Serious failure", "12": "Major failure"}


@dataclass(frozen=True)
class AuditFacts:
    id: int
    recorded: str
    action: str
    operation: str
    outcome: str
    agent_name: str
    agent_role: str
    user_id: int | None
    token_id: int | None
    source_ip: str | None
    entity: str | None
    client_id: int | None
    detail: str | None
    #: Parts withheld from this reader (``content_free``): marked REDACTED in meta.security.
    redacted: bool = False


def entity_kind(entity: str | None) -> str | None:
    """What kind of thing an entry is about, without naming it: "Flag" for "Flag/abc",
    the resource type or operation of a request path ("/fhir/Observation/abc"), or "page"."""
    if not entity:
        return None
    if not entity.startswith("/"):
        return entity.split("/", 1)[0]
    segments = [s for s in entity.split("/") if s]
    return next((s for s in segments if s[:1].isupper() or s.startswith("$")), "page")


def content_free(facts: AuditFacts) -> AuditFacts:
    """An entry as an admin sees it: who, what kind of thing, when, outcome, from where.

    Never which client, which record, or the detail (a flag's kind, a consent decision,
    agree or override): for an admin those are clinical content.
    """
    return replace(
        facts, entity=entity_kind(facts.entity), client_id=None, detail=None, redacted=True
    )


def _subtype(operation: str) -> dict[str, Any]:
    if operation in RESTFUL:
        return coding(AUDIT_EVENT_SUBTYPE, operation, operation)
    return coding(LOCAL_SYSTEM, f"audit-{operation}", LOCAL_OPERATIONS.get(operation, operation))


def audit_event(facts: AuditFacts) -> dict[str, Any]:
    who: dict[str, Any] = {"display": facts.agent_name}
    if facts.user_id is not None and facts.agent_role in ("clinician", "supervisor"):
        who = {"reference": f"Practitioner/{facts.user_id}", "display": facts.agent_name}
    agent: dict[str, Any] = {"who": who, "requestor": True, "name": facts.agent_role}
    if facts.token_id is not None:
        agent["altId"] = f"token-{facts.token_id}"
    if facts.source_ip:
        agent["network"] = {"address": facts.source_ip, "type": "2"}
    entities = []
    if facts.entity:
        what = (
            {"reference": facts.entity}
            if "/" in facts.entity and not facts.entity.startswith("/")
            else {"display": facts.entity}
        )
        entities.append({"what": what, "type": coding(AUDIT_ENTITY_TYPE, "2", "System Object")})
    if facts.client_id is not None:
        entities.append(
            {
                "what": {"reference": f"Patient/{facts.client_id}"},
                "type": coding(AUDIT_ENTITY_TYPE, "1", "Person"),
            }
        )
    event: dict[str, Any] = {
        "resourceType": "AuditEvent",
        "id": str(facts.id),
        "type": coding(AUDIT_EVENT_TYPE, "rest", "RESTful Operation"),
        "subtype": [_subtype(facts.operation)],
        "action": facts.action,
        "recorded": facts.recorded,
        "outcome": facts.outcome,
        "outcomeDesc": OUTCOME_TEXT.get(facts.outcome, facts.outcome)
        + (f": {facts.detail}" if facts.detail else ""),
        "agent": [agent],
        "source": {
            "observer": {"display": "intake_ai"},
            "type": [coding(SECURITY_SOURCE_TYPE, "4", "Application Server")],
        },
    }
    if entities:
        event["entity"] = entities
    if facts.redacted:
        event["meta"] = {"security": [dict(REDACTED)]}
    return event

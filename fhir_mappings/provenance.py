"""Provenance of a write: what it produced (targets), who (the author; the module as
assembler; the API client that acted on the author's behalf), how (activity) and from what
(the source response).

Pure: the caller names the targets, as versioned references, and the people.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fhir_mappings.codes import DATA_OPERATION, PROVENANCE_AGENT_TYPE, coding

#: What a write did (v3 DataOperation, the activity codes FHIR suggests).
ACTIVITIES = {
    "create": ("CREATE", "create"),
    "update": ("UPDATE", "revise"),
    "entered-in-error": ("NULLIFY", "nullify"),
    "purge": ("DELETE", "delete"),
}
#: How the source response takes part: read from (source), replaced (revision), removed.
ENTITY_ROLES = {
    "create": "source",
    "update": "source",
    "entered-in-error": "revision",
    "purge": "removal",
}
#: The module itself, which assembled the records from the response (no Device is served:
#: a logical reference by identifier).
MODULE_SYSTEM = "urn:intake-ai:software"
API_CLIENT_SYSTEM = "urn:intake-ai:api-client"


@dataclass(frozen=True)
class ProvenanceFacts:
    provenance_id: str
    activity: str  # a key of ACTIVITIES
    targets: tuple[str, ...]  # "Type/id/_history/n"
    recorded: str  # FHIR instant
    author: dict[str, Any]  # a Reference
    source: str | None = None  # "QuestionnaireResponse/id/_history/n"
    #: The API client (its login) that wrote on the author's behalf, if one did.
    on_behalf_by: str | None = None


def _agent(code: str, display: str, who: dict[str, Any]) -> dict[str, Any]:
    return {"type": {"coding": [coding(PROVENANCE_AGENT_TYPE, code, display)]}, "who": who}


def logical_reference(system: str, value: str, kind: str, display: str) -> dict[str, Any]:
    return {"type": kind, "identifier": {"system": system, "value": value}, "display": display}


def provenance_resource(facts: ProvenanceFacts) -> dict[str, Any]:
    code, display = ACTIVITIES[facts.activity]
    agents = [
        _agent("author", "Author", facts.author),
        _agent(
            "assembler",
            "Assembler",
            logical_reference(MODULE_SYSTEM, "intake_ai", "Device", "intake_ai"),
        ),
    ]
    if facts.on_behalf_by is not None:
        by = logical_reference(
            API_CLIENT_SYSTEM, facts.on_behalf_by, "Device", f"API client {facts.on_behalf_by}"
        )
        agents.append({**_agent("enterer", "Enterer", by), "onBehalfOf": facts.author})
    resource: dict[str, Any] = {
        "resourceType": "Provenance",
        "id": facts.provenance_id,
        "target": [{"reference": ref} for ref in facts.targets],
        "recorded": facts.recorded,
        "activity": {"coding": [coding(DATA_OPERATION, code, display)]},
        "agent": agents,
    }
    if facts.source is not None:
        resource["entity"] = [
            {"role": ENTITY_ROLES[facts.activity], "what": {"reference": facts.source}}
        ]
    return resource

"""Which record a page acts on, in words: its form, its date and its client.

The entered-in-error and "remove for good" pages name the record before anything is done
to it, so nobody marks or deletes the wrong one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fhir_mappings.definitions import definition_of
from intake_ai.models import Client, Encounter, StoredResource

_KINDS = {
    "QuestionnaireResponse": "form",
    "Observation": "observation",
    "Flag": "flag",
    "Consent": "consent",
}


@dataclass(frozen=True)
class RecordSummary:
    #: What the record is, e.g. "Between-session AI use note" or "Observation: Days of use".
    form: str
    #: The session it describes, or the record's own date (None if it has neither).
    date: datetime | None
    #: "session of" when ``date`` is the session's, "dated" otherwise.
    date_kind: str
    #: The client as this reader may name them.
    client: str
    versions: int


def _code_text(resource: dict[str, Any]) -> str:
    code = resource.get("code") or {}
    if code.get("text"):
        return str(code["text"])
    codings = code.get("coding") or [{}]
    return str(codings[0].get("display") or codings[0].get("code") or "")


def _what(row: StoredResource, resource: dict[str, Any] | None) -> str:
    if resource is None:
        return row.resource_type
    if row.resource_type == "QuestionnaireResponse":
        definition = definition_of(resource)
        return definition.title if definition is not None else "Questionnaire response"
    if row.resource_type == "Consent":
        return "Consent to the health record"
    label = _KINDS.get(row.resource_type, row.resource_type).capitalize()
    text = _code_text(resource)
    return f"{label}: {text}" if text else label


def summarize(
    row: StoredResource,
    resource: dict[str, Any] | None,
    client: Client | None,
    encounter: Encounter | None,
    names_client: bool,
) -> RecordSummary:
    """``names_client``: the reader may see the client's name (the clinician of record);
    others (an admin removing a record) see the pseudonym and the EHR's patient id."""
    if client is None:
        who = "no client"
    elif names_client:
        who = client.display_name
    else:
        who = f"{client.pseudonym} (EHR patient id {client.ehr_patient_id})"
    if encounter is not None:
        date, kind = encounter.start, "session of"
    else:
        date, kind = row.effective or row.last_updated, "dated"
    return RecordSummary(_what(row, resource), date, kind, who, row.version_id)

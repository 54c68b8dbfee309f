"""SDC ``QuestionnaireResponse/$extract``: the transaction Bundle a POST of this response
would store (the response, its Observations, the indicator, flags, consent and provenance),
stored nowhere.

It runs the very write a POST runs, collects the rows that write adds, and rolls the whole
unit of work back: its answer cannot drift from what a real save stores. Only its audit
entry is kept, written after the rollback.
"""

from __future__ import annotations

import json
from typing import Any

from fhir_mappings.datetimes import fhir_instant
from intake_ai import audit
from intake_ai.auth.actors import current_actor
from intake_ai.fhir_api.bodies import parse_body
from intake_ai.fhir_api.bundles import Entry, bundle
from intake_ai.fhir_api.errors import FhirError
from intake_ai.fhir_api.service import Answer, base_url, require_scope
from intake_ai.fhir_api.writes import create_from
from intake_ai.models import StoredResource
from intake_ai.store import resources as resource_store
from intake_ai.store.database import session, transaction, utcnow

#: The SDC operation's input parameter.
PARAMETER = "questionnaire-response"


def _posted_response() -> dict[str, Any]:
    body = parse_body(None)
    if body.get("resourceType") == "Parameters":
        given = [
            p.get("resource") for p in body.get("parameter") or [] if p.get("name") == PARAMETER
        ]
        if len(given) != 1 or not isinstance(given[0], dict):
            raise FhirError(400, f"Parameters: give exactly one parameter named '{PARAMETER}'.")
        body = given[0]
    if body.get("resourceType") != "QuestionnaireResponse":
        raise FhirError(
            400,
            "$extract takes a QuestionnaireResponse (or Parameters naming one), "
            f"got {body.get('resourceType')!r}.",
        )
    return body


def _entry(row: StoredResource) -> Entry:
    assert row.content is not None
    path = f"{row.resource_type}/{row.resource_id}"
    return Entry(f"{base_url()}/{path}", row.content, request={"method": "PUT", "url": path})


def extract() -> Answer:
    actor = current_actor()
    require_scope(actor, "QuestionnaireResponse", "write")
    resource = _posted_response()
    db = session()
    try:
        with resource_store.collecting() as added:
            result = create_from(actor, resource, None)
        # Read the rows before the rollback expires them.
        entries = [_entry(row) for row in sorted(added, key=lambda r: r.pk) if row.content]
    finally:
        db.rollback()
    with transaction():
        audit.record("extract", "QuestionnaireResponse", detail=f"{len(entries)} resources")
    if json.loads(result.body or b"{}").get("resourceType") != "QuestionnaireResponse":
        return Answer(result.body, {}, result.status)  # e.g. "discuss first": nothing to extract
    now = utcnow()
    body = bundle("transaction", entries, total=None, links=[], now=now)
    return Answer(body, {"Last-Modified": fhir_instant(now)}, 200)

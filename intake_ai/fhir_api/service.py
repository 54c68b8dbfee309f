"""The work behind the FHIR endpoints: access checks, store reads, audit."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from sqlalchemy import exists, select
from werkzeug.http import http_date

from intake_ai import access, audit, resource_store
from intake_ai.auth.actors import Actor, current_actor
from intake_ai.database import session
from intake_ai.errors import Gone, NotFound
from intake_ai.fhir_api.capability import build_capability_statement
from intake_ai.fhir_api.errors import FhirError
from intake_ai.models import StoredResource


@dataclass(frozen=True)
class Answer:
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)


def require_scope(actor: Actor, resource_type: str, mode: str) -> None:
    if not access.may_use_api_type(actor, resource_type, mode):
        raise FhirError(
            403,
            f"This token's scopes do not allow {mode} access to {resource_type}.",
            code="forbidden",
        )


def _visible(actor: Actor, row: StoredResource) -> bool:
    condition = access.api_resource_filter(actor, row.resource_type)
    return bool(session().scalar(select(exists().where(StoredResource.pk == row.pk, condition))))


def version_headers(row: StoredResource) -> dict[str, str]:
    return {"ETag": f'W/"{row.version_id}"', "Last-Modified": http_date(row.last_updated)}


def read(resource_type: str, resource_id: str) -> Answer:
    actor = current_actor()
    require_scope(actor, resource_type, "read")
    row = resource_store.current(resource_type, resource_id)
    if row is None or (not row.deleted and not _visible(actor, row)):
        # Not visible reads as not there: ids of other clinicians' records leak nothing.
        raise NotFound(f"{resource_type}/{resource_id} is not known")
    if row.deleted:
        raise Gone(f"{resource_type}/{resource_id} was deleted")
    audit.record("read", row.reference, client_id=row.client_id)
    assert row.content is not None
    return Answer(row.content, version_headers(row))


def capability_statement() -> bytes:
    return json.dumps(build_capability_statement()).encode()

"""The client a request is about, read from its URL, so that every audit record of it,
refusals included, names the patient when there is one.

Only ids that could name a row are looked up: the URL is untrusted, and anything else
(control characters, ids past 64 bits) would make the database refuse the query.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from flask import request
from sqlalchemy import Connection, select

from intake_ai.checkin.links import hash_of
from intake_ai.models import CheckIn, CheckInExport, Client, Encounter, StoredResource
from intake_ai.untrusted import row_id

#: The FHIR id syntax, which every stored resource id follows.
_RESOURCE_ID = re.compile(r"[A-Za-z0-9\-.]{1,64}")
#: URL parameters that name one resource of a known type.
_TYPED_IDS = {
    "response_id": "QuestionnaireResponse",
    "observation_id": "Observation",
    "flag_id": "Flag",
}
#: Search parameters that name the patient a FHIR search is about.
_PATIENT_PARAMETERS = ("patient", "subject")


def _client(connection: Connection, raw: Any) -> int | None:
    number = raw if isinstance(raw, int) else row_id(str(raw))
    if number is None:
        return None
    return connection.scalar(select(Client.id).where(Client.id == number))


def _resource_client(connection: Connection, resource_type: str, raw: Any) -> int | None:
    ident = str(raw)
    if not _RESOURCE_ID.fullmatch(ident):
        return None
    return connection.scalar(
        select(StoredResource.client_id).where(
            StoredResource.resource_type == resource_type,
            StoredResource.resource_id == ident,
            StoredResource.is_current,
        )
    )


def _from_view_args(connection: Connection, args: Mapping[str, Any]) -> int | None:
    if "client_id" in args:
        return _client(connection, args["client_id"])
    if "encounter_id" in args:
        number = row_id(str(args["encounter_id"]))
        if number is None:
            return None
        return connection.scalar(select(Encounter.client_id).where(Encounter.id == number))
    if "link_id" in args:
        number = row_id(str(args["link_id"]))
        if number is None:
            return None
        return connection.scalar(select(CheckIn.client_id).where(CheckIn.id == number))
    if "export_id" in args:
        number = row_id(str(args["export_id"]))
        if number is None:
            return None
        return connection.scalar(select(CheckInExport.client_id).where(CheckInExport.id == number))
    if "secret" in args:
        # A check-in link names its client by the hash of its secret (checkin/links.py).
        digest = hash_of(str(args["secret"]))
        return connection.scalar(select(CheckIn.client_id).where(CheckIn.token_hash == digest))
    for name, typed in _TYPED_IDS.items():
        if name in args:
            return _resource_client(connection, typed, args[name])
    if "resource_id" in args:
        kind = args.get("resource_type") or _type_before(str(args["resource_id"]))
        if kind:
            return _resource_client(connection, str(kind), args["resource_id"])
    return None


def _type_before(resource_id: str) -> str | None:
    """The resource type in front of the id in the path (``/fhir/Observation/<id>``)."""
    parts = request.path.split("/")
    if resource_id in parts[1:]:
        return parts[parts.index(resource_id, 1) - 1] or None
    return None


def _from_search(connection: Connection) -> int | None:
    named = {
        value.removeprefix("Patient/")
        for key in _PATIENT_PARAMETERS
        for value in request.args.getlist(key)
    }
    return _client(connection, named.pop()) if len(named) == 1 else None


#: URL parameters that name a record (of some client, or of none if the id is unknown).
_NAMING = frozenset(
    {"client_id", "encounter_id", "resource_id", "link_id", "export_id", *_TYPED_IDS}
)


def names_a_record() -> bool:
    """Whether this request's URL names a record by id, known or not."""
    return not _NAMING.isdisjoint(request.view_args or {})


def patient_of_request(connection: Connection) -> int | None:
    """The id of the existing client this request's URL names, if it names one."""
    return _from_view_args(connection, request.view_args or {}) or _from_search(connection)

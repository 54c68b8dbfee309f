"""``POST [base]/Encounter/{id}/$checkin-link``: the clinician of record, with a token of
their own, issues a check-in link for an upcoming session, as the client page does.

The optional body is a Parameters resource with ``firstName`` (valueString), the one thing
the client's page shows about them. The answer is a Parameters resource with the link's
``url`` and ``expires``: the secret is in the URL and never stored, so it is shown once.
Both are declared by ``fhir_mappings/operations.py:CHECKIN_LINK``, the OperationDefinition
served at ``OperationDefinition/checkin-link``.
"""

from __future__ import annotations

import json

from flask import request

from fhir_mappings.datetimes import fhir_instant
from fhir_mappings.operations import (
    CHECKIN_EXPIRES,
    CHECKIN_FIRST_NAME,
    CHECKIN_LINK,
    CHECKIN_URL,
    answer,
    read_inputs,
)
from intake_ai import access
from intake_ai.auth.actors import current_actor
from intake_ai.boundary.hosts import external_url
from intake_ai.checkin import service as checkin
from intake_ai.errors import AccessDenied, InvalidInput, NotFound
from intake_ai.fhir_api.bodies import parse_body
from intake_ai.fhir_api.service import Answer, require_scope
from intake_ai.i18n.preferences import client_language
from intake_ai.untrusted import row_id


def _first_name() -> tuple[str | None, str]:
    """The ``firstName`` sent, and the element path it came in (for an error about it).

    The body is read against the operation's definition: an undeclared parameter or a
    value of another type is a 400, never ignored.
    """
    if not request.get_data(cache=True):
        return None, "Parameters.parameter"
    values, errors = read_inputs(CHECKIN_LINK, parse_body("Parameters"))
    if errors:
        raise InvalidInput(errors)
    [(path, name)] = values.get(CHECKIN_FIRST_NAME) or [("Parameters.parameter", None)]
    return name, path


def issue_link(encounter_id: str) -> Answer:
    actor = current_actor()
    require_scope(actor, "Encounter", "write")
    if not access.acts_as_themselves(actor):
        raise AccessDenied(
            "Only the client's clinician of record issues a check-in link, with a token of "
            "their own."
        )
    number = row_id(encounter_id)
    if number is None:
        raise NotFound(f"Encounter/{encounter_id} is not known.")
    first_name, name_path = _first_name()
    try:
        issued = checkin.issue(actor, number, first_name)
    except InvalidInput as error:
        raise InvalidInput(
            {
                (name_path if key == "first_name" else "Encounter"): v
                for key, v in error.errors.items()
            }
        ) from error
    url = external_url(
        "intake_checkin_public.open_page",
        secret=issued.secret,
        lang=client_language(issued.link.client_id),
    )
    parameters = answer(
        CHECKIN_LINK, {CHECKIN_URL: url, CHECKIN_EXPIRES: fhir_instant(issued.link.expires_at)}
    )
    return Answer(json.dumps(parameters).encode(), headers={"Cache-Control": "no-store"})

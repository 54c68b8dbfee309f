"""``POST [base]/Encounter/{id}/$checkin-link``: the clinician of record, with a token of
their own, issues a check-in link for an upcoming session, as the client page does.

The optional body is a Parameters resource with ``firstName`` (valueString), the one thing
the client's page shows about them. The answer is a Parameters resource with the link's
``url`` and ``expires``: the secret is in the URL and never stored, so it is shown once.
"""

from __future__ import annotations

import json
from typing import Any

from flask import request

from fhir_mappings.datetimes import fhir_instant
from intake_ai import access
from intake_ai.auth.actors import current_actor
from intake_ai.boundary.hosts import external_url
from intake_ai.checkin import service as checkin
from intake_ai.errors import AccessDenied, InvalidInput, NotFound
from intake_ai.fhir_api.bodies import parse_body
from intake_ai.fhir_api.service import Answer, require_scope
from intake_ai.i18n.preferences import client_language
from intake_ai.untrusted import row_id


def _first_name() -> str | None:
    if not request.get_data(cache=True):
        return None
    body = parse_body("Parameters")
    for index, parameter in enumerate(body.get("parameter") or []):
        if isinstance(parameter, dict) and parameter.get("name") == "firstName":
            value = parameter.get("valueString")
            if not isinstance(value, str):
                raise InvalidInput(
                    {f"Parameters.parameter[{index}].valueString": ["firstName is a string"]}
                )
            return value
    return None


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
    first_name = _first_name()
    try:
        issued = checkin.issue(actor, number, first_name)
    except InvalidInput as error:
        raise InvalidInput(
            {
                ("Parameters.parameter.valueString" if key == "first_name" else "Encounter"): v
                for key, v in error.errors.items()
            }
        ) from error
    url = external_url(
        "intake_checkin_public.open_page",
        secret=issued.secret,
        lang=client_language(issued.link.client_id),
    )
    parameters: dict[str, Any] = {
        "resourceType": "Parameters",
        "parameter": [
            {"name": "url", "valueUri": url},
            {"name": "expires", "valueInstant": fhir_instant(issued.link.expires_at)},
        ],
    }
    return Answer(json.dumps(parameters).encode(), headers={"Cache-Control": "no-store"})

"""Content negotiation, the same for every interaction: JSON is the only format served, so
a request that asks for anything else (``_format`` or ``Accept``) is 406 before any work,
and ``_pretty=true`` indents the answer for a person reading it."""

from __future__ import annotations

import json

from flask import request

from intake_ai.fhir_api.errors import FhirError
from intake_ai.fhir_api.search_params import FHIR_JSON_FORMATS

#: Media types a JSON answer satisfies (the last is the DSTU2 name older clients send).
JSON_MEDIA = ("application/fhir+json", "application/json", "application/json+fhir")
#: Bulk export files are NDJSON: a client may ask for exactly that when it downloads one.
NDJSON_MEDIA = ("application/fhir+ndjson", "application/ndjson")


def require_json(*, ndjson: bool = False) -> None:
    """406 unless the caller accepts JSON (``ndjson``: or NDJSON, for export files)."""
    wanted = request.args.get("_format")
    if wanted is not None and wanted.split(";")[0].strip() not in FHIR_JSON_FORMATS:
        raise FhirError(
            406,
            f"_format: only JSON is served (application/fhir+json), not '{wanted[:80]}'.",
            code="not-supported",
        )
    if not request.headers.get("Accept", "").strip():
        return  # no preference: JSON it is
    offered = JSON_MEDIA + (NDJSON_MEDIA if ndjson else ())
    if request.accept_mimetypes.best_match(offered) is None:
        raise FhirError(
            406,
            "Accept: only JSON is served (application/fhir+json), not "
            f"'{request.headers['Accept'][:80]}'.",
            code="not-supported",
        )


def wants_pretty() -> bool:
    return request.args.get("_pretty", "").lower() == "true"


def pretty(body: bytes) -> bytes:
    """The answer indented, for ``_pretty=true`` (the stored bytes are compact)."""
    if not body:
        return body
    return json.dumps(json.loads(body), indent=2, ensure_ascii=False).encode()

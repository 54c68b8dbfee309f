"""``POST [base]`` with a batch Bundle: each entry is answered as the same request on its
own would be (reads, searches, history, metadata), with the same access rules and an audit
record per entry. Writes are refused per entry: send each on its own, where it is checked
and committed by itself.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from flask import current_app, request
from werkzeug.exceptions import HTTPException

from fhir_mappings.outcomes import OutcomeIssue, operation_outcome
from intake_ai import audit
from intake_ai.audit import Outcome
from intake_ai.errors import AccessDenied, Gone, NotFound
from intake_ai.fhir_api import audit_events, compartment, history, service
from intake_ai.fhir_api.bodies import parse_body
from intake_ai.fhir_api.bundles import Entry, bundle
from intake_ai.fhir_api.errors import FhirError, outcome_code
from intake_ai.store.database import utcnow

Args = Sequence[tuple[str, str]]
Handler = Callable[[Mapping[str, Any], Args], service.Answer]

#: Enough for a client's page of look-ups; a larger batch is refused before any work.
MAX_ENTRIES = 100

#: What a GET entry may ask, by the endpoint its URL matches.
HANDLERS: dict[str, Handler] = {
    "intake_fhir.metadata": lambda v, a: service.Answer(service.capability_statement()),
    "intake_fhir.read": lambda v, a: service.read(v["resource_type"], v["resource_id"]),
    "intake_fhir.vread": lambda v, a: service.vread(
        v["resource_type"], v["resource_id"], v["version_id"]
    ),
    "intake_fhir.search": lambda v, a: service.search(v["resource_type"], a),
    "intake_fhir.history_instance": lambda v, a: history.history_instance(
        v["resource_type"], v["resource_id"], a
    ),
    "intake_fhir.history_type": lambda v, a: history.history_type(v["resource_type"], a),
    "intake_fhir.history_system": lambda v, a: history.history_system(a),
    "intake_fhir.compartment_search": lambda v, a: compartment.compartment_search(
        v["client_id"], v["resource_type"], a
    ),
    "intake_fhir.everything": lambda v, a: compartment.everything(v["client_id"], a),
    "intake_fhir.audit_search": lambda v, a: audit_events.search(a),
    "intake_fhir.audit_read": lambda v, a: audit_events.read(v["resource_id"]),
}


def _status(code: int) -> str:
    return f"{code} {HTTPStatus(code).phrase}"


def _refused(code: int, issues: list[OutcomeIssue], url: str) -> Entry:
    # Audited in the batch's unit of work: a refusal on its own connection would roll
    # back the entries answered before it.
    audit.record(
        "read", url[:160], outcome=Outcome.MINOR_FAILURE, detail=f"batch entry {code}"[:200]
    )
    return Entry(
        None, None, response={"status": _status(code), "outcome": operation_outcome(issues)}
    )


def _target(url: str) -> tuple[str, Args]:
    """The entry's path below the base, and its query."""
    base = service.base_url()
    if url.startswith(base + "/"):
        url = url[len(base) + 1 :]
    parts = urlsplit(url)
    if parts.scheme or parts.netloc:
        raise ValueError("not this server's base")
    return parts.path.lstrip("/"), parse_qsl(parts.query, keep_blank_values=True)


def _answer_entry(index: int, entry: Any) -> Entry:
    where = f"Bundle.entry[{index}].request"
    part = entry.get("request") if isinstance(entry, dict) else None
    method = part.get("method") if isinstance(part, dict) else None
    url = part.get("url") if isinstance(part, dict) else None
    if not isinstance(method, str) or not isinstance(url, str) or not url:
        issue = OutcomeIssue("required", f"{where}: give method and url", expression=where)
        return _refused(400, [issue], "Bundle")
    if method != "GET":
        message = (
            f"{where}.method: {method} is not supported in a batch (reads and searches are); "
            "send each write as a request of its own"
        )
        issue = OutcomeIssue("not-supported", message, expression=f"{where}.method")
        return _refused(405, [issue], url)
    try:
        path, args = _target(url)
        adapter = current_app.create_url_adapter(request)
        assert adapter is not None
        fhir_base = current_app.config["INTAKE_AI_FHIR_BASE"].rstrip("/")
        endpoint, values = adapter.match(f"{fhir_base}/{path}", method="GET")
        if endpoint == "intake_fhir.not_served":
            raise ValueError("no such type or path")
    except (ValueError, HTTPException):
        issue = OutcomeIssue("not-found", f"{where}.url: nothing is served at '{url[:120]}'")
        return _refused(404, [issue], url)
    handler = HANDLERS.get(endpoint)
    if handler is None:
        issue = OutcomeIssue(
            "not-supported", f"{where}.url: '{url[:120]}' is not supported in a batch"
        )
        return _refused(400, [issue], url)
    try:
        answer = handler(values, args)
    except FhirError as error:
        return _refused(error.status, error.issues, url)
    except (NotFound, Gone, AccessDenied) as error:
        code = {NotFound: 404, Gone: 410, AccessDenied: 403}[type(error)]
        return _refused(code, [OutcomeIssue(outcome_code(code), str(error))], url)
    response: dict[str, Any] = {"status": _status(answer.status)}
    if "ETag" in answer.headers:
        response["etag"] = answer.headers["ETag"]
    full_url = None
    if endpoint in ("intake_fhir.read", "intake_fhir.vread"):
        full_url = f"{service.base_url()}/{values['resource_type']}/{values['resource_id']}"
    return Entry(full_url, answer.body or None, response=response)


def batch() -> service.Answer:
    body = parse_body("Bundle")
    if body.get("type") != "batch":
        message = (
            f"Bundle.type: only batch Bundles are processed here (got {body.get('type')!r}); "
            "a transaction's writes are not supported"
        )
        raise FhirError(400, [OutcomeIssue("not-supported", message, expression="Bundle.type")])
    entries = body.get("entry") or []
    if not isinstance(entries, list):
        raise FhirError(
            400, [OutcomeIssue("structure", "Bundle.entry: a list", expression="Bundle.entry")]
        )
    if len(entries) > MAX_ENTRIES:
        raise FhirError(
            400,
            [
                OutcomeIssue(
                    "too-costly",
                    f"Bundle.entry: at most {MAX_ENTRIES} entries in one batch",
                    expression="Bundle.entry",
                )
            ],
        )
    answered = [_answer_entry(i, e) for i, e in enumerate(entries)]
    if not answered:
        audit.record("batch", "Bundle")  # an empty batch is still a request on file
    return service.Answer(bundle("batch-response", answered, total=None, links=[], now=utcnow()))

"""Bulk Data export ($export): kick-off, status, and NDJSON files streamed in constant memory.

A job records who asked, what and as of when (the transaction time). Files are streamed
on download straight from a server-side cursor over the store, reading every resource as
it stood at the transaction time, so a download can be interrupted and restarted and still
produce the same complete file.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, func, or_, select

from fhir_mappings.codes import SERVED_RESOURCE_TYPES
from fhir_mappings.datetimes import fhir_instant
from intake_ai import access, audit
from intake_ai.auth.actors import Actor
from intake_ai.errors import NotFound
from intake_ai.fhir_api import search_query
from intake_ai.fhir_api.errors import FhirError
from intake_ai.fhir_api.served import Serve, as_stored, server_for
from intake_ai.models import ExportJob, StoredResource
from intake_ai.store import resources as resource_store
from intake_ai.store.database import engine, session, utcnow

#: What a system-level export covers (the audit trail has its own API).
SYSTEM_TYPES = tuple(t for t in SERVED_RESOURCE_TYPES if t != "AuditEvent")
#: The Patient compartment: what a patient-level export covers.
PATIENT_TYPES = (
    "Patient",
    "Encounter",
    "QuestionnaireResponse",
    "Observation",
    "Consent",
    "Flag",
    "Provenance",
)
OUTPUT_FORMATS = frozenset({"application/fhir+ndjson", "application/ndjson", "ndjson"})
KICK_OFF_PARAMETERS = frozenset({"_type", "_since", "_outputFormat"})
STREAM_BATCH = 1000


@dataclass(frozen=True)
class FileSpec:
    resource_type: str
    count: int


def kick_off(
    actor: Actor, level: str, args: Sequence[tuple[str, str]], prefer: str, request_url: str
) -> ExportJob:
    if "respond-async" not in prefer:
        raise FhirError(400, "Bulk export is asynchronous: send 'Prefer: respond-async'.")
    values: dict[str, str] = {}
    for name, value in args:
        if name not in KICK_OFF_PARAMETERS:
            raise FhirError(
                400,
                f"Unknown $export parameter '{name}' (supported: "
                f"{', '.join(sorted(KICK_OFF_PARAMETERS))}).",
            )
        if name in values:
            raise FhirError(400, f"{name} appears more than once.")
        values[name] = value
    output = values.get("_outputFormat", "application/fhir+ndjson")
    if output not in OUTPUT_FORMATS:
        raise FhirError(400, f"_outputFormat: only NDJSON is produced (got '{output}').")
    allowed = PATIENT_TYPES if level == "patient" else SYSTEM_TYPES
    types = values["_type"].split(",") if "_type" in values else list(allowed)
    unknown = [t for t in types if t not in allowed]
    if unknown:
        raise FhirError(
            400,
            f"_type: {', '.join(unknown)} cannot be exported at this level "
            f"(choose from {', '.join(allowed)}).",
        )
    readable = [t for t in types if access.may_use_api_type(actor, t, "read")]
    if not readable:
        raise FhirError(403, "This token may read none of the requested types.", code="forbidden")
    since = None
    if "_since" in values:
        try:
            _prefix, since, _end = search_query.parse_date("_since", values["_since"])
        except search_query.SearchError as error:
            raise FhirError(400, str(error)) from None
    job = ExportJob(
        id=resource_store.new_id(),
        user_id=actor.user.id,
        token_id=actor.token.id if actor.token else None,
        level=level,
        types=",".join(dict.fromkeys(readable)),
        since=since,
        transaction_time=utcnow(),
        request_url=request_url[:2000],
    )
    session().add(job)
    session().flush()
    audit.record("export", f"$export/{job.id}", detail=f"{level}: {job.types}")
    return job


def job_for(actor: Actor, job_id: str) -> ExportJob:
    """The job this very token started: any other caller, even another token of the same
    user (with other scopes, perhaps), finds it not there."""
    job = session().get(ExportJob, job_id)
    token_id = actor.token.id if actor.token is not None else None
    if (
        job is None
        or job.user_id != actor.user.id
        or job.token_id is None
        or job.token_id != token_id
        or job.status == "cancelled"
    ):
        raise NotFound("No such export.")
    return job


def snapshot_clauses(
    job: ExportJob, resource_type: str, actor: Actor | None, all_versions: bool = False
) -> list[ColumnElement[bool]]:
    """Rows of a type as they stood at the job's transaction time, as the caller sees them."""
    moment = job.transaction_time
    clauses: list[ColumnElement[bool]] = [
        StoredResource.resource_type == resource_type,
        StoredResource.deleted.is_(False),
        StoredResource.last_updated <= moment,
    ]
    if not all_versions:
        clauses.append(
            or_(StoredResource.superseded_at.is_(None), StoredResource.superseded_at > moment)
        )
    if job.since is not None:
        clauses.append(StoredResource.last_updated > job.since)
    if actor is not None:
        clauses.append(access.api_resource_filter(actor, resource_type))
        if job.level == "patient" and resource_type != "Patient":
            clauses.append(StoredResource.client_id.is_not(None))
    return clauses


def manifest(actor: Actor, job: ExportJob, file_url: str) -> dict[str, Any]:
    """The completion manifest, with a file per type that has anything in it."""
    outputs = []
    for resource_type in job.types.split(","):
        count = (
            session().scalar(
                select(func.count())
                .select_from(StoredResource)
                .where(*snapshot_clauses(job, resource_type, actor))
            )
            or 0
        )
        if count:
            outputs.append(
                {"type": resource_type, "url": f"{file_url}/{resource_type}.ndjson", "count": count}
            )
    return {
        "transactionTime": fhir_instant(job.transaction_time),
        "request": job.request_url,
        "requiresAccessToken": True,
        "output": outputs,
        "error": [],
    }


def stream(clauses: Sequence[ColumnElement[bool]], serve: Serve = as_stored) -> Iterator[bytes]:
    """NDJSON lines in storage order, read in batches: memory stays flat at any size.

    ``serve``: what the reader is served of each stored resource (``served.server_for``).
    """
    query = select(StoredResource.content).where(*clauses).order_by(StoredResource.pk)
    with engine().connect() as connection:
        result = connection.execution_options(stream_results=True, yield_per=STREAM_BATCH).execute(
            query
        )
        try:
            for partition in result.partitions():
                # Deleted rows (no content) are excluded by the clauses.
                yield b"".join(serve(bytes(content or b"")) + b"\n" for (content,) in partition)
        finally:
            # Also when the client hangs up midway: the server-side cursor goes at once.
            result.close()


def file_stream(actor: Actor, job: ExportJob, resource_type: str) -> Iterator[bytes]:
    # The scopes are checked again: the file is served under the token's scopes as they are.
    if resource_type not in job.types.split(",") or not access.may_use_api_type(
        actor, resource_type, "read"
    ):
        raise NotFound(f"This export has no {resource_type} file.")
    audit.record("export", f"$export/{job.id}/{resource_type}", detail="file download")
    return stream(snapshot_clauses(job, resource_type, actor), server_for(actor))


def cancel(actor: Actor, job_id: str) -> None:
    job = job_for(actor, job_id)
    job.status = "cancelled"
    audit.record("export", f"$export/{job.id}", detail="cancelled")


def cli_job(types: Sequence[str], since: datetime | None) -> ExportJob:
    """An export for the operator's command line (every record; not stored)."""
    return ExportJob(
        id="cli",
        user_id=0,
        level="system",
        types=",".join(types),
        since=since,
        transaction_time=utcnow(),
        request_url="flask export",
    )

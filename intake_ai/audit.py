"""Writing audit records, and reading one back as the facts of a FHIR AuditEvent.

``record`` adds the entry to the request's unit of work, so a change and its audit entry
commit together; the entry of a read (``JOURNALED``) goes instead to the durable journal
of ``store/audit_journal.py``, on disk before the read is answered, so that a read writes
nothing to the database on its way. Whoever reads the trail back calls ``drain`` first.
``record_refusal`` writes at once on its own connection: a refused or failed request
rolls its work back, but the attempt must still be on file.

Every request of the module ends with at least one entry on file: ``complete_trail`` runs
after each of them and writes one (on its own connection, since whatever the request added
may have rolled back) for a request that committed none, such as a redirect to sign-in, a
404, a refused form or a status poll. New routes are covered without doing anything.
"""

from __future__ import annotations

import enum
import hashlib
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import current_app, g, has_request_context, request
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import event, insert
from sqlalchemy.orm import Session

from fhir_mappings.audit_event import AuditFacts
from fhir_mappings.datetimes import fhir_instant
from intake_ai.boundary.patients import patient_of_request
from intake_ai.models import AuditRecord
from intake_ai.store.audit_journal import Journal
from intake_ai.store.database import engine, session, utcnow

log = logging.getLogger(__name__)


class Outcome(enum.StrEnum):
    SUCCESS = "0"
    MINOR_FAILURE = "4"  # refused, invalid input, not found
    SERIOUS_FAILURE = "8"  # server error


#: FHIR AuditEvent.action for each operation the module audits.
ACTIONS = {
    "create": "C",
    "read": "R",
    "vread": "R",
    "view": "R",
    "history-instance": "R",
    "history-type": "E",
    "history-system": "E",
    "batch": "E",
    "operation": "E",
    "search-type": "E",
    "export": "E",
    "update": "U",
    "amend": "U",
    "annotate": "U",
    "acknowledge": "U",
    "review": "C",
    "entered-in-error": "U",
    "delete": "D",
    "purge": "D",
    "login": "E",
    "logout": "E",
    "validate": "E",
    "upload": "E",
    "expand": "E",
    "lookup": "E",
    "validate-code": "E",
    "issue-checkin": "C",
    "revoke-checkin": "U",
    "open-checkin": "R",
    "send-checkin": "C",
    "set-language": "U",
    "extract": "E",
    # What ``complete_trail`` records for a request that wrote no entry of its own.
    "request": "R",
    "submit": "E",
}


def _values(
    operation: str,
    entity: str | None,
    client_id: int | None,
    outcome: Outcome,
    detail: str | None,
    actor: Any,
) -> dict[str, Any]:
    actor = (
        actor if actor is not None else (g.get("intake_actor") if has_request_context() else None)
    )
    user = getattr(actor, "user", None)
    token = getattr(actor, "token", None)
    values: dict[str, Any] = {
        "recorded": utcnow(),
        "user_id": getattr(user, "id", None),
        "token_id": getattr(token, "id", None),
        "agent_name": getattr(user, "username", "anonymous"),
        "agent_role": str(getattr(user, "role", "anonymous")),
        "action": ACTIONS[operation],
        "operation": operation,
        "entity": entity,
        "entity_type": entity.split("/", 1)[0] if entity and "/" in entity else entity,
        "client_id": client_id,
        "outcome": outcome.value,
        "detail": detail[:500] if detail else None,
        "source_ip": None,
        "user_agent": None,
    }
    if has_request_context():
        values["source_ip"] = request.remote_addr
        values["user_agent"] = (request.user_agent.string or "")[:200] or None
    return values


_INSERT = insert(AuditRecord)

#: Operations that change nothing: their entries are journaled (see the module's doc).
JOURNALED = frozenset({"read", "vread", "view", "history-instance", "history-type", "search-type"})


def journal() -> Journal | None:
    """This app's read-audit journal (None when ``INTAKE_AI_AUDIT_JOURNAL`` is off)."""
    state = current_app.extensions["intake_ai"]
    if state.journal is None and current_app.config["INTAKE_AI_AUDIT_JOURNAL"]:
        folder = current_app.config["INTAKE_AI_AUDIT_JOURNAL_DIR"]
        if folder is None:
            # One folder per database, so that each drains into its own table.
            url = engine().url.render_as_string(hide_password=False)
            name = hashlib.sha256(url.encode()).hexdigest()[:16]
            folder = Path(current_app.instance_path) / "audit-journal" / name
        state.journal = Journal(
            Path(folder), engine(), float(current_app.config["INTAKE_AI_AUDIT_DRAIN_SECONDS"])
        )
    return state.journal


def drain() -> None:
    """Move every journaled entry of this process, and of any ended one, into the table."""
    trail_journal = journal()
    if trail_journal is not None:
        trail_journal.drain()


def record(
    operation: str,
    entity: str | None = None,
    *,
    client_id: int | None = None,
    outcome: Outcome = Outcome.SUCCESS,
    detail: str | None = None,
    actor: Any = None,
) -> None:
    """Add an audit entry to the current transaction (it commits or rolls back with it),
    or for a read, put it on file in the journal now.

    A plain INSERT on the session's connection rather than an ORM object or an ORM insert:
    every API call writes one, and either ORM path costs more than the row (the ORM bulk
    insert 69 us, this 18 us).
    """
    values = _values(operation, entity, client_id, outcome, detail, actor)
    read_journal = journal() if operation in JOURNALED else None
    if read_journal is not None:
        read_journal.append(values)
        trail = _trail()
        if trail is not None:
            trail.on_file = True
            trail.journaled = True
        return
    session().connection().execute(_INSERT, values)
    _added_to_unit_of_work()


def record_refusal(
    operation: str,
    entity: str | None = None,
    *,
    client_id: int | None = None,
    outcome: Outcome = Outcome.MINOR_FAILURE,
    detail: str | None = None,
    actor: Any = None,
) -> None:
    """Write an entry now, outside the request's transaction (which is being rolled back).

    Without a ``client_id``, the entry names the client the request's URL names, if any.
    The request's own work is rolled back first: it is not to be kept, and on SQLite (one
    writer) its open writes, such as a token's last-use time, would make this entry wait.
    """
    if has_request_context():
        session().rollback()
    with engine().begin() as connection:
        if client_id is None and has_request_context():
            client_id = patient_of_request(connection)
        values = _values(operation, entity, client_id, outcome, detail, actor)
        connection.execute(_INSERT, values)
    trail = _trail()
    if trail is not None:
        trail.on_file = True
        trail.failure_on_file |= outcome is not Outcome.SUCCESS


def facts_of(entry: AuditRecord) -> AuditFacts:
    """An audit entry as the facts an AuditEvent (or the admin's trail page) is made of."""
    return AuditFacts(
        id=entry.id,
        recorded=fhir_instant(entry.recorded),
        action=entry.action,
        operation=entry.operation,
        outcome=entry.outcome,
        agent_name=entry.agent_name,
        agent_role=entry.agent_role,
        user_id=entry.user_id,
        token_id=entry.token_id,
        source_ip=entry.source_ip,
        entity=entry.entity,
        client_id=entry.client_id,
        detail=entry.detail,
    )


# The request's trail ---------------------------------------------------------------------


@dataclass
class _Trail:
    """What this request has put on file so far."""

    #: Entries added to the unit of work that is still open.
    pending: int = 0
    #: At least one entry of this request is committed.
    on_file: bool = False
    #: A refusal or failure entry is committed.
    failure_on_file: bool = False
    #: Why the request was refused without an exception (a redirect to sign-in).
    refusal: str | None = None
    #: An entry of this request went to the read-audit journal.
    journaled: bool = False


#: Kept in the WSGI environ, which belongs to one request (``g`` can outlive a request).
_TRAIL = "intake_ai.audit_trail"


def _trail() -> _Trail | None:
    if not has_request_context():
        return None
    trail: _Trail = request.environ.setdefault(_TRAIL, _Trail())
    return trail


def _added_to_unit_of_work() -> None:
    trail = _trail()
    if trail is not None:
        trail.pending += 1


def _committed(_session: Session) -> None:
    trail = _trail()
    if trail is not None and trail.pending:
        trail.pending = 0
        trail.on_file = True


def _rolled_back(_session: Session) -> None:
    trail = _trail()
    if trail is not None:
        trail.pending = 0


def watch(db: SQLAlchemy) -> None:
    """Follow the commits and rollbacks of ``db``'s session, to know what reached the file."""
    for name, listener in (("after_commit", _committed), ("after_rollback", _rolled_back)):
        if not event.contains(db.session, name, listener):
            event.listen(db.session, name, listener)


def refused(reason: str) -> None:
    """Mark this request as refused, for a refusal that is an answer rather than an error."""
    trail = _trail()
    if trail is not None:
        trail.refusal = reason


#: Requests that read nothing clinical and change nothing, and so are left off the trail:
#: the static files and plotly.js (every page loads them), the CapabilityStatement (public,
#: as FHIR wants), and the empty sign-in form (no one is signed in to audit yet). Endpoint
#: and methods; None for every method.
NOT_AUDITED: dict[str, frozenset[str] | None] = {
    "intake_ai.static": None,
    "intake_ai.plotly_js": None,
    "intake_fhir.metadata": None,
    "intake_auth.login": frozenset({"GET", "HEAD", "OPTIONS"}),
}
_READING = frozenset({"GET", "HEAD", "OPTIONS"})


def _exempt() -> bool:
    endpoint = request.endpoint or ""
    if endpoint not in NOT_AUDITED:
        return False
    methods = NOT_AUDITED[endpoint]
    return methods is None or request.method in methods


def complete_trail(status: int) -> None:
    """After a module request: write its entry if it committed none (or no failure entry
    for a server error). Runs on its own connection; a failure to write is logged."""
    trail = _trail()
    if trail is None or _exempt():
        return
    if trail.journaled and not current_app.config["INTAKE_AI_AUDIT_DRAIN_SECONDS"]:
        drain()
    if trail.on_file and not (status >= 500 and not trail.failure_on_file):
        return
    if status >= 500:
        outcome = Outcome.SERIOUS_FAILURE
    elif status >= 400 or trail.refusal is not None:
        outcome = Outcome.MINOR_FAILURE
    else:
        outcome = Outcome.SUCCESS
    detail = f"{request.method} {status}" + (f": {trail.refusal}" if trail.refusal else "")
    try:
        record_refusal(
            "request" if request.method in _READING else "submit",
            request.path[:160],
            outcome=outcome,
            detail=detail,
        )
    except Exception:  # noqa: BLE001 - the database itself is down; the answer still goes out
        log.error("could not write the audit record of a request (%s)", detail)

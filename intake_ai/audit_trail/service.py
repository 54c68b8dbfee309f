"""The audit trail as an admin reads it: who, what kind of thing, when, outcome, from where.

Content-free by construction (``fhir_mappings.audit_event.content_free``, the same rule as
an admin's AuditEvent API): no client, no record id, no detail, since a flag's kind, a
consent decision or an override is clinical content. Newest first, paged by the entry's id
(a keyset: paging holds while entries are added). Reading the trail is itself audited.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import ColumnElement, select

from fhir_mappings.audit_event import LOCAL_OPERATIONS, OUTCOME_TEXT, content_free
from intake_ai import access, audit
from intake_ai.audit import Outcome
from intake_ai.auth.actors import Actor
from intake_ai.errors import AccessDenied, InvalidInput
from intake_ai.models import AuditRecord
from intake_ai.store.database import session
from intake_ai.timezones import from_local
from intake_ai.untrusted import row_id

PAGE_SIZE = 100
#: The outcome filter's choices.
OUTCOMES = {"success": "Succeeded", "failure": "Refused or failed"}


@dataclass(frozen=True)
class TrailFilters:
    start: datetime | None = None
    end: datetime | None = None  # exclusive
    username: str | None = None
    outcome: str | None = None  # a key of OUTCOMES
    #: Show entries older than this entry id (the page's keyset cursor).
    before: int | None = None


@dataclass(frozen=True)
class TrailEntry:
    id: int
    recorded: datetime
    who: str
    role: str
    operation: str
    what: str | None
    outcome: str
    failed: bool
    source_ip: str | None


@dataclass(frozen=True)
class TrailPage:
    entries: list[TrailEntry]
    #: The cursor of the next (older) page, if there is one.
    older: int | None


def _day(args: Mapping[str, str], name: str, errors: dict[str, list[str]]) -> date | None:
    raw = args.get(name, "").strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        errors[name] = ["Give a date as YYYY-MM-DD."]
        return None


def read_filters(args: Mapping[str, str]) -> TrailFilters:
    """The filters of a query string, or per-field errors (never a 500)."""
    errors: dict[str, list[str]] = {}
    first, last = _day(args, "from", errors), _day(args, "to", errors)
    if first and last and last < first:
        errors["to"] = ["Give a day on or after the first one."]
    username = args.get("user", "").strip()
    if len(username) > 80:
        errors["user"] = ["A username has at most 80 characters."]
    outcome = args.get("outcome", "")
    if outcome and outcome not in OUTCOMES:
        errors["outcome"] = ["Choose one of the listed outcomes."]
    raw_before = args.get("before", "")
    before = row_id(raw_before)
    if raw_before and before is None:
        errors["before"] = ["Not a page of this trail."]
    start = _moment(first, 0, "from", errors)
    end = _moment(last, 1, "to", errors)  # "to" includes that day
    if errors:
        raise InvalidInput(errors)
    return TrailFilters(
        start=start, end=end, username=username or None, outcome=outcome or None, before=before
    )


def _moment(
    day: date | None, days_after: int, name: str, errors: dict[str, list[str]]
) -> datetime | None:
    """Midnight (clinic time) ``days_after`` the day, in UTC; a day at the calendar's very
    ends has none."""
    if day is None:
        return None
    try:
        return from_local(datetime.combine(day, time())) + timedelta(days=days_after)
    except OverflowError:
        errors[name] = ["Give a date between the years 1 and 9999."]
        return None


def _conditions(filters: TrailFilters) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if filters.start is not None:
        conditions.append(AuditRecord.recorded >= filters.start)
    if filters.end is not None:
        conditions.append(AuditRecord.recorded < filters.end)
    if filters.username is not None:
        conditions.append(AuditRecord.agent_name == filters.username)
    if filters.outcome == "success":
        conditions.append(AuditRecord.outcome == Outcome.SUCCESS.value)
    elif filters.outcome == "failure":
        conditions.append(AuditRecord.outcome != Outcome.SUCCESS.value)
    if filters.before is not None:
        conditions.append(AuditRecord.id < filters.before)
    return conditions


def _entry(record: AuditRecord) -> TrailEntry:
    facts = content_free(audit.facts_of(record))
    return TrailEntry(
        id=facts.id,
        recorded=record.recorded,
        who=facts.agent_name,
        role=facts.agent_role,
        operation=LOCAL_OPERATIONS.get(facts.operation, facts.operation),
        what=facts.entity,
        outcome=OUTCOME_TEXT.get(facts.outcome, facts.outcome),
        failed=facts.outcome != Outcome.SUCCESS.value,
        source_ip=facts.source_ip,
    )


def trail(actor: Actor, filters: TrailFilters) -> TrailPage:
    """One page of the trail, newest first, for an admin."""
    if not access.audit_trail_is_content_free(actor):
        raise AccessDenied("The audit trail page is for admins.")
    audit.drain()  # the journaled reads too
    rows = list(
        session().scalars(
            select(AuditRecord)
            .where(*_conditions(filters))
            .order_by(AuditRecord.id.desc())
            .limit(PAGE_SIZE + 1)
        )
    )
    older = rows[PAGE_SIZE - 1].id if len(rows) > PAGE_SIZE else None
    audit.record("search-type", "AuditEvent", detail="audit trail page")
    return TrailPage([_entry(r) for r in rows[:PAGE_SIZE]], older)

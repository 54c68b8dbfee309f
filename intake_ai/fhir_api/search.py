"""Search parameters: what each type supports (the CapabilityStatement reads the same table),
parsing a query string into a search, and turning a search into SQL over the store's index.

Parsing is pure (no database) so it can be tested exhaustively; ``shape`` and the builders
below turn a search into SQL.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from sqlalchemy import ColumnElement, Integer, Select, and_, bindparam, false, not_, or_, tuple_

from fhir_mappings.questionnaire import questionnaire_id_for
from intake_ai.models import StoredResource
from intake_ai.models.store import current_version
from intake_ai.untrusted import row_id

ParamKind = Literal["token", "reference", "date", "uri"]
HL7_SP = "http://hl7.org/fhir/SearchParameter/"


@dataclass(frozen=True)
class SearchParam:
    name: str
    kind: ParamKind
    #: Index columns: (system column, code column) for tokens; one column otherwise.
    columns: tuple[str, ...]
    definition: str
    documentation: str
    #: For references: the resource type the reference must point to.
    target: str | None = None


def _p(
    name: str,
    kind: ParamKind,
    columns: tuple[str, ...],
    definition: str,
    doc: str,
    target: str | None = None,
) -> SearchParam:
    return SearchParam(name, kind, columns, HL7_SP + definition, doc, target)


PATIENT = _p(
    "patient",
    "reference",
    ("client_id",),
    "clinical-patient",
    "The client (Patient/id).",
    "Patient",
)
SUBJECT = _p(
    "subject",
    "reference",
    ("client_id",),
    "Observation-subject",
    "The subject; only Patient subjects exist here.",
    "Patient",
)
ENCOUNTER = _p(
    "encounter",
    "reference",
    ("encounter_id",),
    "clinical-encounter",
    "The session (Encounter/id).",
    "Encounter",
)
STATUS = _p(
    "status",
    "token",
    ("status",),
    "Observation-status",
    "Status; entered-in-error is left out unless asked for.",
)
CODE = _p("code", "token", ("code_system", "code"), "clinical-code", "system|code, or code.")
CATEGORY = _p(
    "category",
    "token",
    ("category_system", "category"),
    "Observation-category",
    "system|code, or code.",
)
DATE = _p(
    "date",
    "date",
    ("effective",),
    "clinical-date",
    "When (prefixes eq, ne, gt, lt, ge, le, sa, eb).",
)
IDENTIFIER = _p(
    "identifier", "token", ("code_system", "code"), "Patient-identifier", "system|value, or value."
)
URL = _p("url", "uri", ("code",), "conformance-url", "The canonical URL.")

#: The search parameters of each type; anything else is refused (or ignored if lenient).
PARAMETERS: dict[str, tuple[SearchParam, ...]] = {
    "Observation": (PATIENT, SUBJECT, ENCOUNTER, STATUS, CODE, CATEGORY, DATE),
    "QuestionnaireResponse": (
        PATIENT,
        SUBJECT,
        ENCOUNTER,
        _p("status", "token", ("status",), "QuestionnaireResponse-status", "Status."),
        _p(
            "authored",
            "date",
            ("effective",),
            "QuestionnaireResponse-authored",
            "When the answers were recorded.",
        ),
        _p(
            "questionnaire",
            "uri",
            ("code",),
            "QuestionnaireResponse-questionnaire",
            "The Questionnaire canonical (url or url|version).",
        ),
    ),
    "Consent": (
        PATIENT,
        _p("status", "token", ("status",), "Consent-status", "Status."),
        _p("category", "token", ("category_system", "category"), "Consent-category", "Category."),
        _p("date", "date", ("effective",), "clinical-date", "When consent was recorded."),
    ),
    "Flag": (
        PATIENT,
        SUBJECT,
        ENCOUNTER,
        _p("date", "date", ("effective",), "clinical-date", "When the flag was raised."),
        _p(
            "status",
            "token",
            ("status",),
            "Flag-status",
            "active, inactive (acknowledged) or entered-in-error (not a core parameter).",
        ),
    ),
    "Encounter": (
        PATIENT,
        SUBJECT,
        _p("date", "date", ("effective",), "clinical-date", "Session start."),
        _p("status", "token", ("status",), "Encounter-status", "Status."),
    ),
    "Patient": (IDENTIFIER,),
    "Practitioner": (
        _p(
            "identifier",
            "token",
            ("code_system", "code"),
            "Practitioner-identifier",
            "The user's login.",
        ),
    ),
    "Questionnaire": (URL, _p("status", "token", ("status",), "Questionnaire-status", "Status.")),
    "CodeSystem": (URL,),
    "ValueSet": (URL,),
}
#: What every type accepts besides its own parameters.
COMMON = (
    "_id",
    "_lastUpdated",
    "_count",
    "_sort",
    "_summary",
    "_include",
    "_format",
    "_cursor",
    "_total",
)
SINGLE = frozenset({"_count", "_sort", "_summary", "_cursor", "_format", "_total"})
INCLUDES = {
    "Observation": ("Observation:derived-from",),
    "QuestionnaireResponse": ("QuestionnaireResponse:questionnaire",),
}
SORTS = {"date": "effective", "_lastUpdated": "last_updated"}
#: Types whose records can be entered in error (left out of searches by default).
CORRECTABLE = frozenset({"Observation", "QuestionnaireResponse", "Consent", "Flag"})
FHIR_JSON_FORMATS = frozenset({"json", "application/json", "application/fhir+json"})

_DATE = re.compile(
    r"^(?P<prefix>eq|ne|gt|lt|ge|le|sa|eb)?"
    r"(?P<value>\d{4}(-\d{2}(-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?)?)?)\Z",
    re.ASCII,  # \d would otherwise take any script's digits
)
_ID = re.compile(r"^[A-Za-z0-9\-.]{1,64}\Z")


class SearchError(ValueError):
    """A bad search: ``parameter`` names what to fix."""

    def __init__(self, parameter: str, message: str, status: int = 400) -> None:
        self.parameter = parameter
        self.status = status
        super().__init__(message)


@dataclass(frozen=True)
class Condition:
    param: SearchParam
    #: One inner tuple per comma-separated value (OR); conditions on the list are ANDed.
    values: tuple[Any, ...]


@dataclass(frozen=True)
class Cursor:
    """Where a page starts: after (or, going back, before) the row with this sort key."""

    key: str | None  # ISO datetime of the sort column (None: sorted by pk only)
    pk: int
    backwards: bool = False

    def encode(self) -> str:
        raw = json.dumps(
            {"k": self.key, "p": self.pk, "b": self.backwards}, separators=(",", ":")
        ).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def decode(cls, token: str) -> Cursor:
        try:
            data = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
            key, pk, back = data["k"], data["p"], data["b"]
            if (
                not (key is None or isinstance(key, str))
                or not isinstance(pk, int)
                or not isinstance(back, bool)
            ):
                raise ValueError
            if key is not None:
                datetime.fromisoformat(key)
        except (ValueError, KeyError, TypeError, binascii.Error, UnicodeDecodeError):
            raise SearchError(
                "_cursor", "The page link is damaged; start the search again."
            ) from None
        return cls(key, pk, back)


@dataclass(frozen=True)
class Search:
    resource_type: str
    conditions: tuple[Condition, ...] = ()
    ids: tuple[str, ...] = ()
    #: (prefix, start, end); in a shaped search, start and end are slots.
    last_updated: tuple[tuple[str, Any, Any], ...] = ()
    count: int = 50
    sort: str | None = None  # index column
    descending: bool = False
    includes: tuple[str, ...] = ()
    summary_count: bool = False
    cursor: Cursor | None = None
    #: Parameters ignored under ``Prefer: handling=lenient``, with the reason.
    ignored: tuple[tuple[str, str], ...] = ()
    explicit_status: bool = False


def parse_date(name: str, raw: str) -> tuple[str, datetime, datetime]:
    """(prefix, start, end) of a date search value; the value covers [start, end)."""
    match = _DATE.match(raw)
    if not match:
        raise SearchError(
            name,
            f"{name}: '{raw}' is not a date such as 2026-11-24, "
            f"ge2026-11 or lt2026-11-24T10:00:00Z",
        )
    prefix = match.group("prefix") or "eq"
    value = match.group("value")
    try:
        if len(value) == 4:
            start = datetime(int(value), 1, 1, tzinfo=UTC)
            end = datetime(int(value) + 1, 1, 1, tzinfo=UTC)
        elif len(value) == 7:
            year, month = int(value[:4]), int(value[5:7])
            start = datetime(year, month, 1, tzinfo=UTC)
            end = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=UTC)
        elif len(value) == 10:
            start = datetime.fromisoformat(value).replace(tzinfo=UTC)
            end = start + timedelta(days=1)
        else:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
            if moment.tzinfo is None:
                raise SearchError(name, f"{name}: a time needs a zone (Z or +01:00): '{raw}'")
            start = moment.astimezone(UTC)
            end = start + (timedelta(microseconds=1) if "." in value else timedelta(seconds=1))
    except (ValueError, OverflowError) as error:  # Feb 30th; the day after 9999-12-31
        if isinstance(error, SearchError):
            raise

        raise SearchError(name, f"{name}: '{raw}' is not a real date") from None
    return prefix, start, end


def _token(name: str, raw: str) -> tuple[str | None, str | None]:
    if "|" not in raw:
        if not raw:
            raise SearchError(name, f"{name}: empty value")
        return None, raw
    system, _, code = raw.partition("|")
    if not system and not code:
        raise SearchError(name, f"{name}: give system|code, |code or code")
    return (system or ""), (code or None)


def _reference(param: SearchParam, raw: str) -> int:
    target = param.target or ""
    local = raw.removeprefix(f"{target}/") if "/" in raw else raw
    number = row_id(local)
    if number is None:
        raise SearchError(
            param.name, f"{param.name}: expected {target}/<id> with a numeric id (got '{raw}')"
        )
    return number


def _values(param: SearchParam, raw: str) -> tuple[Any, ...]:
    parts = [part for part in raw.split(",")]
    if any(part == "" for part in parts):
        raise SearchError(param.name, f"{param.name}: empty value")
    if param.kind == "token":
        return tuple(_token(param.name, part) for part in parts)
    if param.kind == "reference":
        return tuple(_reference(param, part) for part in parts)
    if param.kind == "date":
        if len(parts) > 1:
            raise SearchError(
                param.name,
                f"{param.name}: one date per parameter; repeat the parameter to combine dates",
            )
        return (parse_date(param.name, parts[0]),)
    return tuple(parts)


def parse(
    resource_type: str,
    args: Sequence[tuple[str, str]],
    *,
    lenient: bool = False,
    default_count: int = 50,
    max_count: int = 500,
) -> Search:
    """A search from query parameters (in order, repeats kept)."""
    known = {p.name: p for p in PARAMETERS.get(resource_type, ())}
    seen: dict[str, int] = {}
    conditions: list[Condition] = []
    ignored: list[tuple[str, str]] = []
    options: dict[str, Any] = {"count": default_count}
    ids: list[str] = []
    updated: list[tuple[str, datetime, datetime]] = []
    explicit_status = False
    for name, raw in args:
        seen[name] = seen.get(name, 0) + 1
        base, _, modifier = name.partition(":")
        if name in SINGLE and seen[name] > 1:
            raise SearchError(name, f"{name} appears more than once")
        if modifier and base not in ("_include",):
            problem = f"{name}: modifiers are not supported"
            if lenient:
                ignored.append((name, problem))
                continue
            raise SearchError(name, problem)
        if len(raw) > 2000:
            raise SearchError(name, f"{name}: value longer than 2000 characters")
        if name in known:
            param = known[name]
            conditions.append(Condition(param, _values(param, raw)))
            explicit_status |= name == "status"
        elif name == "_id":
            values = raw.split(",")
            if not all(_ID.match(v) for v in values):
                raise SearchError(name, f"_id: '{raw}' is not a list of resource ids")
            ids.extend(values)
        elif name == "_lastUpdated":
            updated.append(parse_date(name, raw))
        elif name == "_count":
            count = row_id(raw)
            if count is None:
                raise SearchError(name, f"_count: '{raw}' is not a whole number")
            options["count"] = min(count, max_count)

        elif name == "_sort":
            descending = raw.startswith("-")
            key = raw.removeprefix("-")
            if key not in SORTS or (
                key == "date" and "date" not in known and "authored" not in known
            ):
                raise SearchError(
                    name,
                    f"_sort: '{raw}' is not supported here (use date, "
                    "-date, _lastUpdated or -_lastUpdated)",
                )
            options["sort"], options["descending"] = SORTS[key], descending
        elif name == "_summary":
            if raw != "count":
                raise SearchError(name, "_summary: only _summary=count is supported")
            options["summary_count"] = True
        elif name == "_include":
            if raw not in INCLUDES.get(resource_type, ()):
                supported = ", ".join(INCLUDES.get(resource_type, ())) or "none"
                raise SearchError(
                    name, f"_include: '{raw}' is not supported here (supported: {supported})"
                )
            options.setdefault("includes", []).append(raw)
        elif name == "_cursor":
            options["cursor"] = Cursor.decode(raw)
        elif name == "_format":
            if raw not in FHIR_JSON_FORMATS:
                raise SearchError(name, f"_format: only JSON is served (got '{raw}')", 406)
        elif name == "_total":
            if raw not in ("accurate", "estimate", "none"):
                raise SearchError(name, "_total: accurate, estimate or none")
        elif lenient:
            ignored.append((name, f"{name} is not a search parameter of {resource_type}"))
        else:
            supported = ", ".join(sorted(known) + ["_id", "_lastUpdated"])
            raise SearchError(
                name,
                f"Unknown search parameter '{name}' for {resource_type}. Supported: {supported}",
            )
    return Search(
        resource_type=resource_type,
        conditions=tuple(conditions),
        ids=tuple(ids),
        last_updated=tuple(updated),
        count=options["count"],
        sort=options.get("sort"),
        descending=options.get("descending", False),
        includes=tuple(options.get("includes", ())),
        summary_count=options.get("summary_count", False),
        cursor=options.get("cursor"),
        ignored=tuple(ignored),
        explicit_status=explicit_status,
    )


# SQL -----------------------------------------------------------------------------------
#
# A search becomes SQL in two steps. ``shape`` takes the values out (each becomes a named
# parameter: a ``Slot``) and keeps what decides the form of the SQL. The builders below
# work on shapes only, so one statement, built once, serves every search of the same shape
# with the values given at execution: building a statement cost more than running it.


class Slot(str):
    """A search value's place in the SQL: the name of the parameter that carries it."""

    __slots__ = ()


#: Parameters every shaped search carries: the page size (+1) and the cursor's position.
LIMIT, CURSOR_KEY, CURSOR_PK = "page_limit", "cursor_key", "cursor_pk"


def shape(search: Search) -> tuple[Search, dict[str, Any]]:
    """The search with its values replaced by slots, and the values by slot name.

    Kept in the shape: the parameters, date prefixes, whether a token gives a system (and
    whether it is empty) or a code, whether a URI names a version, how many ids, the sort,
    whether there is a cursor and which way it reads. Left out: what SQL never sees
    (_include, ignored parameters, _summary).
    """
    values: dict[str, Any] = {LIMIT: search.count + 1}

    def slot(value: Any) -> Slot:
        name = Slot(f"v{len(values)}")
        values[name] = value
        return name

    def shaped(param: SearchParam, value: Any) -> Any:
        if param.kind == "token":
            system, code = value
            if len(param.columns) == 1:
                system = None  # a one-column token is matched on its code alone
            return (
                system if system in (None, "") else slot(system),
                None if code is None else slot(code),
            )
        if param.kind == "date":
            prefix, start, end = value
            return prefix, slot(start), slot(end)
        if param.kind == "uri" and "|" not in value:
            return slot(value), slot(value + "|")  # the canonical, or any version of it
        return slot(value)

    conditions = tuple(
        Condition(c.param, tuple(shaped(c.param, v) for v in c.values)) for c in search.conditions
    )
    cursor = search.cursor
    if cursor is not None:
        if cursor.key is not None:
            values[CURSOR_KEY] = datetime.fromisoformat(cursor.key)
        values[CURSOR_PK] = cursor.pk
        cursor = Cursor(None if cursor.key is None else CURSOR_KEY, 0, cursor.backwards)
    template = Search(
        resource_type=search.resource_type,
        conditions=conditions,
        ids=(slot(list(search.ids)),) if search.ids else (),
        last_updated=tuple((p, slot(a), slot(b)) for p, a, b in search.last_updated),
        count=0,
        sort=search.sort,
        descending=search.descending,
        cursor=cursor,
        explicit_status=search.explicit_status,
    )
    return template, values


def _column(name: str) -> Any:
    return getattr(StoredResource, name)


def _bind(column: Any, name: str) -> Any:
    return bindparam(name, type_=column.type)


def date_clause(column: Any, prefix: str, start: Any, end: Any) -> ColumnElement[bool]:
    if prefix == "eq":
        return and_(column >= start, column < end)
    if prefix == "ne":
        return or_(column < start, column >= end)
    if prefix in ("gt", "sa"):
        return column >= end
    if prefix == "ge":
        return column >= start
    if prefix in ("lt", "eb"):
        return column < start
    return column < end  # le


def _condition_clause(condition: Condition) -> ColumnElement[bool]:
    """One condition of a shaped search: its values ORed."""
    param = condition.param
    options: list[ColumnElement[bool]] = []
    for value in condition.values:
        if param.kind == "token" and len(param.columns) == 2:
            system_column, code_column = (_column(c) for c in param.columns)
            system, code = value
            parts = []
            if code is not None:
                parts.append(code_column == _bind(code_column, code))
            if system == "":
                parts.append(system_column.is_(None))
            elif system is not None:
                parts.append(system_column == _bind(system_column, system))
            options.append(and_(*parts))
        elif param.kind == "token":
            column, code = _column(param.columns[0]), value[1]
            options.append(column.is_(None) if code is None else column == _bind(column, code))
        elif param.kind == "date":
            column = _column(param.columns[0])
            prefix, start, end = value
            options.append(date_clause(column, prefix, _bind(column, start), _bind(column, end)))
        elif param.kind == "uri" and isinstance(value, tuple):
            column = _column(param.columns[0])
            exact, versioned = value
            options.append(
                or_(column == _bind(column, exact), column.startswith(_bind(column, versioned)))
            )
        else:  # a reference, or a URI that names its version
            column = _column(param.columns[0])
            options.append(column == _bind(column, value))
    return or_(*options) if options else false()


def pinned_clients(search: Search) -> frozenset[int] | None:
    """The only clients a search can match, when its patient or subject parameters say so."""
    pinned: frozenset[int] | None = None
    for condition in search.conditions:
        if condition.param.columns == ("client_id",):
            values = frozenset(condition.values)
            pinned = values if pinned is None else pinned & values
    return pinned


def where_clauses(template: Search) -> list[ColumnElement[bool]]:
    """Every filter of a shaped search (access and paging are added by the caller)."""
    clauses: list[ColumnElement[bool]] = [
        StoredResource.resource_type == template.resource_type,
        current_version(),
        StoredResource.deleted.is_(False),
    ]
    clauses += [_condition_clause(c) for c in template.conditions]
    if template.ids:
        ids = StoredResource.resource_id
        clauses.append(ids.in_(bindparam(template.ids[0], type_=ids.type, expanding=True)))
    updated = StoredResource.last_updated
    clauses += [
        date_clause(updated, prefix, _bind(updated, start), _bind(updated, end))
        for prefix, start, end in template.last_updated
    ]
    if template.resource_type in CORRECTABLE and not template.explicit_status:
        clauses.append(
            or_(StoredResource.status.is_(None), not_(StoredResource.status == "entered-in-error"))
        )
    return clauses


def sort_columns(search: Search) -> tuple[Any, Any]:
    key = _column(search.sort) if search.sort else None
    return key, StoredResource.pk


def page(query: Select[Any], template: Search) -> Select[Any]:
    """Order and keyset-limit a shaped search's query: the page after (or before) the
    cursor, plus one row that tells whether there is a further page."""
    key, pk = sort_columns(template)
    cursor = template.cursor
    # Reading backwards (a "previous" link) walks the order in reverse, then flips the page.
    reverse = template.descending != (cursor is not None and cursor.backwards)
    if cursor is not None:
        at_pk = _bind(pk, CURSOR_PK)
        if key is not None and cursor.key is not None:
            mark = tuple_(_bind(key, CURSOR_KEY), at_pk)
            query = query.where(tuple_(key, pk) < mark if reverse else tuple_(key, pk) > mark)
        else:
            query = query.where(pk < at_pk if reverse else pk > at_pk)
    order = [key, pk] if key is not None else [pk]
    query = query.order_by(*(column.desc() if reverse else column.asc() for column in order))
    return query.limit(bindparam(LIMIT, type_=Integer))


def cursor_for(row: Any, search: Search, backwards: bool) -> Cursor:
    key_value = getattr(row, search.sort) if search.sort else None
    return Cursor(key_value.isoformat() if key_value is not None else None, row.pk, backwards)


def referenced(resources: Iterable[dict[str, Any]], include: str) -> list[tuple[str, str]]:
    """(type, id) targets of an _include over the page's resources."""
    targets: list[tuple[str, str]] = []
    for resource in resources:
        if include == "Observation:derived-from":
            refs = [r.get("reference", "") for r in resource.get("derivedFrom", [])]
        else:  # QuestionnaireResponse:questionnaire (a canonical)
            refs = [resource.get("questionnaire", "")]
        for ref in refs:
            if include.endswith(":questionnaire"):
                ident = questionnaire_id_for(ref)
                if ident is not None:
                    targets.append(("Questionnaire", ident))
            elif "/" in ref:
                kind, _, ident = ref.partition("/")
                targets.append((kind, ident))
    return list(dict.fromkeys(targets))

"""A parsed search as SQL over the store's index.

A search becomes SQL in two steps. ``shape`` takes the values out (each becomes a named
parameter: a ``Slot``) and keeps what decides the form of the SQL. The builders below
work on shapes only, so one statement, built once, serves every search of the same shape
with the values given at execution: building a statement cost more than running it.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    and_,
    bindparam,
    false,
    literal,
    not_,
    or_,
    select,
    tuple_,
)
from sqlalchemy.orm import Session

from intake_ai.fhir_api.search_params import CORRECTABLE, SearchParam
from intake_ai.fhir_api.search_query import NO_ROW, Condition, Cursor, Search
from intake_ai.models import ProvenanceTarget, StoredResource
from intake_ai.models.store import current_version


class Slot(str):
    """A search value's place in the SQL: the name of the parameter that carries it."""

    __slots__ = ()


#: Parameters every shaped search carries: the page size (+1) and the cursor's position.
LIMIT, CURSOR_KEY, CURSOR_PK = "page_limit", "cursor_key", "cursor_pk"


def shape(search: Search, prefix: str = "v") -> tuple[Search, dict[str, Any]]:
    """The search with its values replaced by slots, and the values by slot name.

    Kept in the shape: the parameters, date prefixes, whether a token gives a system (and
    whether it is empty) or a code, whether a URI names a version, how many ids, the sort,
    whether there is a cursor and which way it reads. Left out: what SQL never sees
    (_include, ignored parameters, _summary). ``prefix`` starts each slot's name, so that
    several shaped searches can sit in one statement (an export's _typeFilter).
    """
    values: dict[str, Any] = {LIMIT: search.count + 1}

    def slot(value: Any) -> Slot:
        name = Slot(f"{prefix}{len(values)}")
        values[name] = value
        return name

    def shaped(param: SearchParam, value: Any, modifier: str | None = None) -> Any:
        if modifier == "missing":
            return value  # true or false decides the SQL
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
        Condition(c.param, tuple(shaped(c.param, v, c.modifier) for v in c.values), c.modifier)
        for c in search.conditions
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


def _token_clause(system_column: Any, code_column: Any, value: Any) -> ColumnElement[bool]:
    system, code = value
    parts = []
    if code is not None:
        parts.append(code_column == _bind(code_column, code))
    if system == "":
        parts.append(system_column.is_(None))
    elif system is not None:
        parts.append(system_column == _bind(system_column, system))
    return and_(*parts)


def resolve_chains(search: Search, db: Session) -> Search:
    """The search with each chain through a patient's identifier replaced by the clients it
    names, found first: the search then pins those clients like ``patient=`` does, and its
    access condition stays as cheap (a chain kept as a subquery cost five times more)."""
    if not any(c.modifier == "identifier" for c in search.conditions):
        return search
    conditions = []
    for condition in search.conditions:
        if condition.modifier != "identifier":
            conditions.append(condition)
            continue
        options = []
        for system, code in condition.values:
            parts = [] if code is None else [StoredResource.code == code]
            if system == "":
                parts.append(StoredResource.code_system.is_(None))
            elif system is not None:
                parts.append(StoredResource.code_system == system)
            options.append(and_(*parts))
        found = db.scalars(
            select(StoredResource.client_id).where(
                StoredResource.resource_type == "Patient",
                current_version(),
                StoredResource.deleted.is_(False),
                or_(*options),
            )
        )
        clients = tuple(sorted({c for c in found if c is not None})) or (NO_ROW,)
        conditions.append(Condition(condition.param, clients))
    return replace(search, conditions=tuple(conditions))


def _modified_clause(condition: Condition) -> ColumnElement[bool]:
    param = condition.param
    # The column that holds the value (the code, for a system|code token).
    column = _column(param.columns[-1])
    if condition.modifier == "missing":
        return column.is_(None) if condition.values[0] else column.isnot(None)
    # :not: every resource that does not carry one of the values, those without any too.
    matching = _condition_clause(Condition(param, condition.values))
    return or_(column.is_(None), not_(matching))


def _condition_clause(condition: Condition) -> ColumnElement[bool]:
    """One condition of a shaped search: its values ORed."""
    if condition.modifier is not None:
        return _modified_clause(condition)
    param = condition.param
    options: list[ColumnElement[bool]] = []
    for value in condition.values:
        if param.kind == "token" and len(param.columns) == 2:
            system_column, code_column = (_column(c) for c in param.columns)
            options.append(_token_clause(system_column, code_column, value))
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
        elif param.columns == ("target",):  # Provenance.target: its own index table
            target, given = ProvenanceTarget.target, _bind(ProvenanceTarget.target, value)
            # Type/id names one record; a bare id, that id of any type (the same statement
            # serves both: whether the value names its type is not part of the shape).
            named = or_(target == given, target.endswith(literal("/") + given))
            options.append(StoredResource.pk.in_(select(ProvenanceTarget.resource_pk).where(named)))
        else:  # a reference, or a URI that names its version
            column = _column(param.columns[0])
            options.append(column == _bind(column, value))
    return or_(*options) if options else false()


def pinned_clients(search: Search) -> frozenset[int] | None:
    """The only clients a search can match, when its patient or subject parameters say so."""
    pinned: frozenset[int] | None = None
    for condition in search.conditions:
        if condition.param.columns == ("client_id",) and condition.modifier is None:
            values = frozenset(condition.values)
            pinned = values if pinned is None else pinned & values
    return pinned


def where_clauses(template: Search) -> list[ColumnElement[bool]]:
    """Every filter of a shaped search (access and paging are added by the caller)."""
    return [
        StoredResource.resource_type == template.resource_type,
        current_version(),
        StoredResource.deleted.is_(False),
        *filter_clauses(template),
    ]


def filter_clauses(template: Search) -> list[ColumnElement[bool]]:
    """A shaped search's own conditions, without the type and version it reads."""
    clauses = [_condition_clause(c) for c in template.conditions]
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

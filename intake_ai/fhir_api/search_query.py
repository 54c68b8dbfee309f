"""Parsing a query string into a ``Search`` (or a ``SearchError`` naming the parameter).

Pure (no database), so it can be tested exhaustively; ``search_sql`` turns a search into SQL.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from intake_ai.fhir_api import search_results
from intake_ai.fhir_api.search_params import (
    FHIR_JSON_FORMATS,
    PARAMETERS,
    SINGLE,
    SORTS,
    SearchParam,
)
from intake_ai.fhir_api.search_results import Include, Results, SearchError

__all__ = ["Condition", "Cursor", "Include", "Results", "Search", "SearchError", "parse"]
from intake_ai.untrusted import MAX_ROW_ID, row_id

_DATE = re.compile(
    r"^(?P<prefix>eq|ne|gt|lt|ge|le|sa|eb)?"
    r"(?P<value>\d{4}(-\d{2}(-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?)?)?)\Z",
    re.ASCII,  # \d would otherwise take any script's digits
)
_ID = re.compile(r"^[A-Za-z0-9\-.]{1,64}\Z")
#: Longer than any cursor a page link of ours carries (a sort key, a row id, a flag).
MAX_CURSOR = 200


@dataclass(frozen=True)
class Condition:
    param: SearchParam
    #: One inner tuple per comma-separated value (OR); conditions on the list are ANDed.
    values: tuple[Any, ...]
    #: ``missing`` (values: one bool), ``not`` (token values), or ``identifier``: a chain
    #: through the referenced Patient's identifier (token values).
    modifier: str | None = None


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
        """The cursor a page link carries; anything a link of ours cannot hold is refused.

        The token is untrusted: its size is bounded before decoding, the row id must fit the
        database's integers and the sort key must be an aware datetime, since either would
        otherwise reach SQL and fail there.
        """
        try:
            if len(token) > MAX_CURSOR:
                raise ValueError
            data = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
            key, pk, back = data["k"], data["p"], data["b"]
            if (
                not (key is None or isinstance(key, str))
                or type(pk) is not int
                or not 0 <= pk <= MAX_ROW_ID
                or not isinstance(back, bool)
            ):
                raise ValueError
            if key is not None and datetime.fromisoformat(key).tzinfo is None:
                raise ValueError
        except (
            ValueError,
            KeyError,
            TypeError,
            IndexError,
            RecursionError,
            binascii.Error,
            UnicodeDecodeError,
        ):
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
    summary_count: bool = False
    cursor: Cursor | None = None
    #: Parameters ignored under ``Prefer: handling=lenient``, with the reason.
    ignored: tuple[tuple[str, str], ...] = ()
    explicit_status: bool = False
    #: What the answer carries besides the matches, and how much of each match.
    results: Results = Results()


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


#: A row id no row has: what a reference to another server's resource matches.
NO_ROW = 0
#: Modifiers by the kind of parameter they apply to (and a reference's type, below).
MODIFIERS = {"token": ("missing", "not"), "reference": ("missing",), "date": ("missing",)}
MODIFIERS["uri"] = ("missing",)
#: Modifiers of string parameters, which this server has none of.
STRING_MODIFIERS = ("exact", "contains")


def _reference(param: SearchParam, raw: str, base: str | None = None) -> int | str:
    target = param.target or ""
    if base and raw.startswith(base.rstrip("/") + "/"):
        raw = raw[len(base.rstrip("/")) + 1 :]  # an absolute URL on this server
    elif "://" in raw:
        # Another server's resource: none of ours is it (a reference to any type is matched
        # as text, which no stored Type/id equals).
        return raw if param.target is None else NO_ROW
    if param.target is None:
        # A reference to any type (Provenance.target): Type/id, or an id of any type.
        kind, slash, local = raw.rpartition("/")
        well_formed = all(c.isalnum() or c in "-." for c in local) and len(raw) <= 160
        if not local or not well_formed or (slash and (not kind[:1].isupper() or "/" in kind)):
            raise SearchError(param.name, f"{param.name}: expected Type/<id> or <id> (got '{raw}')")
        return raw
    local = raw.removeprefix(f"{target}/") if "/" in raw else raw
    number = row_id(local)
    if number is None:
        raise SearchError(
            param.name, f"{param.name}: expected {target}/<id> with a numeric id (got '{raw}')"
        )
    return number


def _missing(name: str, raw: str) -> tuple[bool]:
    if raw not in ("true", "false"):
        raise SearchError(name, f"{name}: true or false")
    return (raw == "true",)


def _condition(
    param: SearchParam, name: str, modifier: str, chain: str, raw: str, base: str | None
) -> Condition:
    """A parameter with its modifier or chain (``subject:Patient.identifier=s|v``)."""
    if param.kind == "reference" and modifier == param.target:
        modifier = ""  # the type modifier names the one type these references point to
    if chain:
        if param.kind != "reference" or param.target != "Patient" or chain != "identifier":
            raise SearchError(
                name,
                f"{name}: chaining is supported through a patient's identifier only "
                "(patient.identifier=system|value)",
            )
        if modifier:
            raise SearchError(name, f"{name}: no modifier after the type in a chain")
        tokens = tuple(_token(name, part) for part in raw.split(","))
        return Condition(param, tokens, "identifier")
    if not modifier:
        return Condition(param, _values(param, raw, base))
    if modifier in STRING_MODIFIERS:
        raise SearchError(
            name,
            f"{name}: :{modifier} applies to string parameters, and {param.name} is a "
            f"{param.kind} (this server has no string parameters)",
        )
    if modifier not in MODIFIERS.get(param.kind, ()):
        supported = ", ".join(f":{m}" for m in MODIFIERS.get(param.kind, ()))
        if param.kind == "reference":
            supported += f", :{param.target}"
        raise SearchError(
            name, f"{name}: the '{modifier}' modifier is not supported (supported: {supported})"
        )
    if modifier == "missing":
        return Condition(param, _missing(name, raw), "missing")
    return Condition(param, _values(param, raw, base), modifier)


def _values(param: SearchParam, raw: str, base: str | None = None) -> tuple[Any, ...]:
    parts = [part for part in raw.split(",")]
    if any(part == "" for part in parts):
        raise SearchError(param.name, f"{param.name}: empty value")
    if param.kind == "token":
        return tuple(_token(param.name, part) for part in parts)
    if param.kind == "reference":
        return tuple(_reference(param, part, base) for part in parts)
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
    base: str | None = None,
) -> Search:
    """A search from query parameters (in order, repeats kept). ``base``: this server's
    base URL, so that references given as absolute URLs on it are understood."""
    known = {p.name: p for p in PARAMETERS.get(resource_type, ())}
    seen: dict[str, int] = {}
    conditions: list[Condition] = []
    ignored: list[tuple[str, str]] = []
    options: dict[str, Any] = {"count": default_count}
    ids: list[str] = []
    updated: list[tuple[str, datetime, datetime]] = []
    explicit_status = False
    results: dict[str, Any] = {"includes": (), "revincludes": (), "elements": ()}
    for name, raw in args:
        seen[name] = seen.get(name, 0) + 1
        head, _, chain = name.partition(".")
        bare, _, modifier = head.partition(":")
        base_name = bare
        if name in SINGLE and seen[name] > 1:
            raise SearchError(name, f"{name} appears more than once")
        if len(raw) > 2000:
            raise SearchError(name, f"{name}: value longer than 2000 characters")
        if bare in known and (modifier or chain):
            conditions.append(_condition(known[bare], name, modifier, chain, raw, base))
            explicit_status |= bare == "status"
        elif (modifier or chain) and bare not in ("_include", "_revinclude"):
            problem = f"{name}: modifiers are not supported here"
            if lenient:
                ignored.append((name, problem))
                continue
            raise SearchError(name, problem)
        elif name in known:
            param = known[name]
            conditions.append(Condition(param, _values(param, raw, base)))
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
            mode = search_results.parse_summary(raw)
            options["summary_count"] = mode == "count"
            results["summary"] = mode if mode != "count" else None
        elif base_name == "_include":
            results["includes"] += search_results.parse_include(resource_type, name, raw)
        elif base_name == "_revinclude":
            results["revincludes"] += search_results.parse_revinclude(resource_type, name, raw)
        elif name == "_elements":
            results["elements"] += search_results.parse_elements(resource_type, raw)
        elif name == "_cursor":
            options["cursor"] = Cursor.decode(raw)
        elif name == "_format":
            if raw not in FHIR_JSON_FORMATS:
                raise SearchError(name, f"_format: only JSON is served (got '{raw}')", 406)
        elif name == "_pretty":
            if raw not in ("true", "false"):
                raise SearchError(name, "_pretty: true or false")
        elif name in ("_total", "_totalMethod"):
            total = search_results.parse_total(name, raw)
            if name == "_total":
                results["total"] = total
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
        summary_count=options.get("summary_count", False),
        cursor=options.get("cursor"),
        ignored=tuple(ignored),
        explicit_status=explicit_status,
        results=_results(results),
    )


def _results(parts: dict[str, Any]) -> Results:
    if parts["elements"] and parts.get("summary") not in (None, "false"):
        raise SearchError("_elements", "_elements and _summary cannot be combined: use one")
    return Results(
        includes=tuple(dict.fromkeys(parts["includes"])),
        revincludes=tuple(dict.fromkeys(parts["revincludes"])),
        elements=parts["elements"],
        summary=parts.get("summary"),
        total=parts.get("total", "accurate"),
    )

"""Reading untrusted request text: row ids from URLs, query strings, form fields and
references; text that did not arrive as UTF-8.

``str.isdigit`` accepts '²' and numbers past 64 bits, which the database refuses with an
error; everything that turns outside text into a row id goes through here instead.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import unquote_to_bytes

from flask import request
from werkzeug.routing import IntegerConverter, Map
from werkzeug.wrappers import Request

#: Up to 18 ASCII digits: always below 2**63, the largest BIGINT both databases hold.
_ROW_ID = re.compile(r"[0-9]{1,18}")
MAX_ROW_ID = 10**18 - 1
#: The largest id of a row that is not a stored resource (clients, sessions, users, links...):
#: those are INTEGER columns, and PostgreSQL refuses to compare one with a larger number.
MAX_INTEGER_ID = 2**31 - 1
#: U+FFFD is what Werkzeug puts in place of bytes that are not UTF-8; lone surrogates cannot
#: be stored as UTF-8; control characters (but tab, CR, LF) are not text, FHIR strings
#: exclude them and PostgreSQL refuses NUL.
_UNREADABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffd]")
#: Deeper JSON than any FHIR resource here needs (questionnaire items nest a few levels).
MAX_JSON_DEPTH = 64


def row_id(raw: str | None) -> int | None:
    """The id ``raw`` names, or None if it names none."""
    if raw is None or not _ROW_ID.fullmatch(raw):
        return None
    return int(raw)


class RowIdConverter(IntegerConverter):
    """``<intake_id:name>`` in routes: a row id the database can hold, otherwise a 404.

    Every such id names an INTEGER row (a client, a session, a user, a version).
    """

    def __init__(self, map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_INTEGER_ID)
        super().__init__(map, *args, **kwargs)


#: A same-site path: one slash then no slash or backslash (browsers read "/\\host" and
#: "//host" as another site), and printable ASCII only (CR/LF would split the Location
#: header, which Werkzeug refuses with an error; other control characters are no path).
_LOCAL_PATH = re.compile(r"/(?![/\\])[\x21-\x7e]*")


def local_path(target: str | None) -> str | None:
    """``target`` if it is a path on this site that is safe to redirect to, else None."""
    if target is None or len(target) > 2000 or not _LOCAL_PATH.fullmatch(target):
        return None
    return target


def unreadable_field(request: Request) -> str | None:
    """The first query or form field that did not arrive as text, if any.

    Werkzeug keeps bytes that are not UTF-8 percent-encoded ('%FF'), which cannot be told
    from typed text afterwards, so the raw query string and form body are checked; storing
    either would silently change what was typed, so the whole request is refused instead.
    """
    sources = [request.query_string]
    if request.mimetype == "application/x-www-form-urlencoded":
        sources.append(request.get_data(cache=True, parse_form_data=False))
    for raw in sources:
        for pair in raw.split(b"&"):
            name, _, value = pair.partition(b"=")
            try:
                for part in (name, value):
                    text = unquote_to_bytes(part.replace(b"+", b" ")).decode("utf-8")
                    if _UNREADABLE.search(text):
                        raise UnicodeError
            except UnicodeError:
                return unquote_to_bytes(name).decode("utf-8", "replace")
    return None


def keep_form_bytes() -> None:
    """Keep the module's own form bodies readable as bytes after the form is parsed.

    Runs before any other hook (CSRF reads the form first) and only on the module's routes.
    """
    if (request.blueprint or "").startswith("intake_") and (
        request.mimetype == "application/x-www-form-urlencoded"
    ):
        request.get_data(cache=True, parse_form_data=False)


def unreadable_json_path(document: Any, root: str) -> tuple[str, str] | None:
    """(element path, problem) of the first unstorable string or over-deep nesting, if any.

    Walks with a stack, not recursion, so no body can exhaust the interpreter's stack.
    """
    stack: list[tuple[Any, str, int]] = [(document, root, 1)]
    while stack:
        value, path, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            return path, f"nested more than {MAX_JSON_DEPTH} levels deep"
        if isinstance(value, str):
            if _UNREADABLE.search(value):
                return (
                    path,
                    "holds characters that are not text (control characters or invalid UTF-8)",
                )
        elif isinstance(value, dict):
            for key, item in value.items():
                if _UNREADABLE.search(key):
                    return path, "has a property name that is not text"
                stack.append((item, f"{path}.{key}", depth + 1))
        elif isinstance(value, list):
            stack.extend((item, f"{path}[{i}]", depth + 1) for i, item in enumerate(value))
    return None

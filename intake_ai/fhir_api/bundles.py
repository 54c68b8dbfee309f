"""Bundles assembled from the stored JSON bytes: entries are spliced in, never re-parsed."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fhir_mappings.datetimes import fhir_instant


@dataclass(frozen=True)
class Entry:
    #: None for a batch-response entry that carries no resource.
    full_url: str | None
    content: bytes | None
    #: search mode (match, include, outcome), or None for history entries.
    mode: str | None = None
    #: history entries: request and response parts.
    request: dict[str, Any] | None = None
    response: dict[str, Any] | None = None


def _comma(parts: list[bytes]) -> bytes:
    return b"," if len(parts) > 1 else b""


def _entry(entry: Entry) -> bytes:
    parts = [b"{"]
    if entry.full_url is not None:
        parts += [b'"fullUrl":', json.dumps(entry.full_url).encode()]
    if entry.content is not None:
        parts += [b',"resource":' if len(parts) > 1 else b'"resource":', entry.content]
    if entry.mode is not None:
        parts += [_comma(parts), b'"search":{"mode":"', entry.mode.encode(), b'"}']
    if entry.request is not None:
        parts += [_comma(parts), b'"request":', json.dumps(entry.request).encode()]
    if entry.response is not None:
        parts += [_comma(parts), b'"response":', json.dumps(entry.response).encode()]
    parts.append(b"}")
    return b"".join(parts)


def bundle(
    kind: str,
    entries: Iterable[Entry],
    *,
    total: int | None,
    links: list[tuple[str, str]],
    now: datetime,
) -> bytes:
    head: dict[str, Any] = {
        "resourceType": "Bundle",
        "id": str(uuid.uuid4()),
        "meta": {"lastUpdated": fhir_instant(now)},
        "type": kind,
    }
    if total is not None:
        head["total"] = total
    if links:
        head["link"] = [{"relation": relation, "url": url} for relation, url in links]
    encoded = json.dumps(head, separators=(",", ":")).encode()
    body = b",".join(_entry(e) for e in entries)
    if not body:
        return encoded
    return encoded[:-1] + b',"entry":[' + body + b"]}"

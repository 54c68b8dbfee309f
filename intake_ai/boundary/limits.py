"""Request bodies bounded before anything reads them, on the module's routes only.

Flask's ``MAX_CONTENT_LENGTH`` is app-wide, and a host EHR's own routes keep their own
limits, so the limit is set on each of the module's requests instead. A declared length
above it is refused before a byte is read. A chunked body (no Content-Length) is read
through ``BoundedInput``, which refuses it as soon as one byte more than the limit
arrives: Werkzeug's own limit would instead cut such a body off at the limit without a
word, and the form would be parsed from what was left.
"""

from __future__ import annotations

from typing import IO

from flask import current_app, request
from werkzeug.exceptions import RequestEntityTooLarge

from intake_ai.boundary.scope import Area


class BoundedInput:
    """``wsgi.input`` that raises 413 once more than ``limit`` bytes have been read."""

    def __init__(self, stream: IO[bytes], limit: int) -> None:
        self._stream = stream
        self._limit = limit
        self._read = 0

    def _count(self, data: bytes) -> bytes:
        self._read += len(data)
        if self._read > self._limit:
            raise RequestEntityTooLarge()
        return data

    def read(self, size: int | None = -1) -> bytes:
        left = self._limit + 1 - self._read
        wanted = left if size is None or size < 0 else min(size, left)
        return self._count(self._stream.read(wanted))

    def readline(self, size: int | None = -1) -> bytes:
        left = self._limit + 1 - self._read
        wanted = left if size is None or size < 0 else min(size, left)
        return self._count(self._stream.readline(wanted))

    def close(self) -> None:
        close = getattr(self._stream, "close", None)
        if close is not None:
            close()


#: Pages that take a large upload, and the setting that bounds it instead of the form limit.
UPLOADS = {
    "intake_usage_export.upload": "INTAKE_AI_MAX_EXPORT_UPLOAD",
    # The client's check-in, which may carry their export (the same limit as the clinician's).
    "intake_checkin_public.send": "INTAKE_AI_MAX_EXPORT_UPLOAD",
}


def limit_for(area: Area) -> int:
    key = "INTAKE_AI_FHIR_MAX_BODY" if area is Area.FHIR else "INTAKE_AI_MAX_FORM_BODY"
    if area is Area.PAGES and request.method == "POST":
        key = UPLOADS.get(request.endpoint or "", key)
    return int(current_app.config[key])


def bound_body(area: Area) -> int | None:
    """Bound this request's body; the limit if the declared length is already above it."""
    limit = limit_for(area)
    declared = request.content_length
    if declared is not None:
        request.max_content_length = limit
        return limit if declared > limit else None
    environ = request.environ
    if environ.get("wsgi.input_terminated"):
        environ["wsgi.input"] = BoundedInput(environ["wsgi.input"], limit)
        # One byte over, so that Werkzeug passes the read on and BoundedInput refuses it.
        request.max_content_length = limit + 1
    else:
        request.max_content_length = limit  # without an end, Werkzeug reads nothing
    return None


def too_large_message(limit: int) -> str:
    return f"The request body is larger than {limit} bytes, so it was not read."

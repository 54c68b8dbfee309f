"""What a caller is served of a stored resource: the stored bytes themselves, or, for a
supervisor's token, a copy without the free text the clinician did not share (marked
REDACTED in ``meta.security``).

Everyone else keeps the fast path: the bytes go out as stored, never parsed.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from intake_ai import access
from intake_ai.auth.actors import Actor
from intake_ai.store.resources import to_bytes

Serve = Callable[[bytes], bytes]


def as_stored(content: bytes) -> bytes:
    return content


def server_for(actor: Actor) -> Serve:
    """How this caller is served each stored resource's bytes."""
    redact = access.free_text_redactor(actor)
    if redact is None:
        return as_stored

    def redacted(content: bytes) -> bytes:
        resource = json.loads(content)
        shown = redact(resource)
        return content if shown is resource else to_bytes(shown)

    return redacted


def served(actor: Actor, content: bytes) -> bytes:
    return server_for(actor)(content)

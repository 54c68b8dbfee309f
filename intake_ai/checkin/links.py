"""A check-in link's secret, its stored hash, and the rules of when it may be used."""

from __future__ import annotations

import enum
import hashlib
import secrets
from datetime import datetime, timedelta

from intake_ai.models import CheckIn

#: Written beside every audit entry of the client's own pages (no one is signed in there).
CLIENT_DETAIL = "client's check-in link"
#: A link lives at most this long, and never past the session's start.
LIFETIME = timedelta(hours=72)
#: Bytes of randomness in a link's secret (43 URL-safe characters).
SECRET_BYTES = 32


class LinkState(enum.StrEnum):
    OPEN = "open"
    USED = "used"
    EXPIRED = "expired"
    REVOKED = "revoked"
    UNKNOWN = "unknown"


def new_secret() -> str:
    return secrets.token_urlsafe(SECRET_BYTES)


def hash_of(secret: str) -> str:
    """SHA-256 of the secret: what is stored, and how a link is looked up."""
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


def expiry(issued: datetime, session_start: datetime) -> datetime:
    return min(issued + LIFETIME, session_start)


def state_of(link: CheckIn | None, now: datetime) -> LinkState:
    if link is None:
        return LinkState.UNKNOWN
    if link.revoked_at is not None:
        return LinkState.REVOKED
    if link.used_at is not None:
        return LinkState.USED
    if now >= link.expires_at:
        return LinkState.EXPIRED
    return LinkState.OPEN

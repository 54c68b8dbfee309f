"""Host names and absolute URLs: never taken from an arbitrary ``Host`` header.

Absolute URLs (Bundle ``fullUrl`` and links, ``Location``, ``Content-Location``, export
manifests) come from ``INTAKE_AI_PUBLIC_URL`` when the operator set it. Otherwise they come
from the request's host, which must then be on a trusted list: ``INTAKE_AI_TRUSTED_HOSTS``
(or Flask's own ``TRUSTED_HOSTS``), and without either only the loopback names, so that an
install nobody configured answers on its own machine and refuses every other name (which
also defeats DNS rebinding against a server bound to loopback).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

from flask import current_app, request, url_for
from werkzeug.sansio.utils import host_is_trusted

#: The names trusted when the operator named none.
LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "::1", "[::1]")


def check_public_url(value: str | None) -> None:
    """Refuse, at start-up, a public URL that cannot be the base of absolute URLs."""
    if not value:
        return
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise ValueError(
            f"INTAKE_AI_PUBLIC_URL must be an http(s) URL without query or fragment, "
            f"such as https://ehr.example.org (got {value!r})"
        )


def _as_list(value: Any) -> list[str]:
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return [str(part) for part in value or ()]


def trusted_hosts(config: Mapping[str, Any]) -> Sequence[str] | None:
    """The host names module requests may name; None when any will do (public URL set)."""
    named = _as_list(config.get("INTAKE_AI_TRUSTED_HOSTS")) or _as_list(config.get("TRUSTED_HOSTS"))
    if named:
        return named
    if config.get("INTAKE_AI_PUBLIC_URL"):
        return None  # absolute URLs do not depend on the Host header
    return LOOPBACK_HOSTS


def untrusted_host() -> str | None:
    """This request's host name if it is not one the module answers to."""
    trusted = trusted_hosts(current_app.config)
    if trusted is None:
        return None
    host = request.host
    return None if host_is_trusted(host, trusted) else (host or "(none)")


def public_root() -> str:
    """The absolute URL of the app's root as clients reach it (no trailing slash)."""
    configured = current_app.config.get("INTAKE_AI_PUBLIC_URL")
    if configured:
        return str(configured).rstrip("/")
    return request.host_url.rstrip("/") + request.script_root


def external_url(endpoint: str, **values: Any) -> str:
    """``url_for(..., _external=True)``, on the public root."""
    return public_root() + url_for(endpoint, **values).removeprefix(request.script_root)


def request_url() -> str:
    """This request's URL, on the public root."""
    return public_root() + request.full_path.rstrip("?")

"""Security headers on every response of the module, error pages included."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from werkzeug.wrappers import Response

from intake_ai.boundary.scope import Area

#: No inline script anywhere: figures travel as JSON data blocks read by static/js.
#: Plotly injects <style> elements for its own widgets, hence the style-src exception.
PAGE_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; font-src 'self'; connect-src 'self'; object-src 'none'; "
    "base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)
#: API answers are data: a browser that opens one must run and embed nothing of it.
API_POLICY = "default-src 'none'; base-uri 'none'; frame-ancestors 'none'"
#: One year; sent only where the operator said the module is reached over HTTPS.
HSTS = "max-age=31536000"


def served_over_https(config: Mapping[str, Any]) -> bool:
    """True when secure cookies or an https public URL say browsers reach us over HTTPS."""
    public = config.get("INTAKE_AI_PUBLIC_URL") or ""
    return bool(config.get("SESSION_COOKIE_SECURE")) or public.lower().startswith("https://")


def secure(response: Response, area: Area, *, https: bool) -> Response:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", PAGE_POLICY if area is Area.PAGES else API_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "no-referrer")
    headers.setdefault("X-Frame-Options", "DENY")
    if https:
        headers.setdefault("Strict-Transport-Security", HSTS)
    if response.mimetype == "text/html":
        # Clinical pages must not linger in shared browser caches.
        headers["Cache-Control"] = "no-store"
    elif area is Area.FHIR:
        headers.setdefault("Cache-Control", "no-store")
    return response

"""The hooks that put every request of the module through its edge, in order.

Before anything else runs (the form parsing of CSRF protection included): bound the body,
check the host name, and answer requests that matched no route with the module's own error
page or OperationOutcome. After everything else: security headers, and the audit entry of a
request that wrote none. Both are app-level hooks that leave the host's own requests alone
(``scope.area``), because blueprint hooks never see a request that matched no route.
"""

from __future__ import annotations

from flask import Flask, current_app, request
from markupsafe import escape
from werkzeug.exceptions import HTTPException, SecurityError
from werkzeug.routing import RequestRedirect
from werkzeug.wrappers import Response

from fhir_mappings.outcomes import OutcomeIssue
from intake_ai import audit
from intake_ai.boundary import hosts, limits
from intake_ai.boundary.headers import secure, served_over_https
from intake_ai.boundary.scope import Area, area
from intake_ai.fhir_api.errors import outcome_code, outcome_response
from intake_ai.pages.guard import error_page


def _host_message(host: str) -> str:
    return (  # the name is shown cut short, and escaped where it is shown
        f"This server does not answer to the host name '{host[:100]}'. "
        "Its operator names the public address in INTAKE_AI_PUBLIC_URL or "
        "INTAKE_AI_TRUSTED_HOSTS."
    )


def error_response(part: Area, status: int, message: str) -> Response:
    if part is Area.FHIR:
        return outcome_response(status, [OutcomeIssue(outcome_code(status), message)])
    return error_page(status, message)


def _host_refused(part: Area, host: str) -> Response:
    """400 for a host name we do not answer to. The page is plain: with the name refused,
    Flask builds no URLs for this request, and the page template links to others."""
    message = _host_message(host)
    if part is Area.FHIR:
        return error_response(part, 400, message)
    body = f"<!doctype html><title>Unknown host name</title><p>{escape(message)}</p>"
    return Response(body, status=400, mimetype="text/html")


def enter() -> Response | None:
    """First hook of every request: the module's requests are bounded and checked here."""
    part = area()
    if part is None:
        return None
    limit = limits.bound_body(part)
    if limit is not None:
        return error_response(part, 413, limits.too_large_message(limit))
    routing = request.routing_exception
    if isinstance(routing, SecurityError):  # Flask's own TRUSTED_HOSTS refused the name
        return _host_refused(part, request.headers.get("Host", ""))
    host = hosts.untrusted_host()
    if host is not None:
        return _host_refused(part, host)
    if isinstance(routing, HTTPException) and not isinstance(routing, RequestRedirect):
        response = error_response(part, routing.code or 404, routing.description or "")
        if "Allow" in dict(routing.get_headers()):
            response.headers["Allow"] = dict(routing.get_headers())["Allow"]
        return response
    return None


def leave(response: Response) -> Response:
    """Last hook of every request: headers and the audit safeguard, module requests only."""
    part = area()
    if part is None:
        return response
    secure(response, part, https=served_over_https(current_app.config))
    audit.complete_trail(response.status_code)
    return response


def install(app: Flask) -> None:
    """``enter`` before every other hook (it must precede form parsing), ``leave`` after."""
    app.before_request_funcs.setdefault(None, []).insert(0, enter)
    # After-request hooks run last-registered first: at the front of the list, ``leave``
    # sees the response every other hook (the host's included) has finished.
    app.after_request_funcs.setdefault(None, []).insert(0, leave)

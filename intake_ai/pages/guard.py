"""What every clinician-facing page shares: sign-in guard, security headers, error pages,
the home page and the static files (plotly.js included, served from the plotly package)."""

from __future__ import annotations

from datetime import datetime
from importlib.metadata import version
from pathlib import Path

import plotly
from flask import (
    Blueprint,
    Response,
    current_app,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_wtf.csrf import CSRFError
from werkzeug.wrappers import Response as BaseResponse

from intake_ai import audit
from intake_ai.auth.actors import page_actor
from intake_ai.errors import AccessDenied, Gone, NotFound
from intake_ai.forms.definitions import publish_once
from intake_ai.models import Role
from intake_ai.pages import banner
from intake_ai.paths import TEMPLATES_DIR, static_dir
from intake_ai.timezones import to_local
from intake_ai.untrusted import unreadable_field

#: Static files and templates; no sign-in, since the login page needs its stylesheet too.
assets = Blueprint(
    "intake_ai",
    __name__,
    static_folder=str(static_dir()),
    static_url_path="/intake-ai-static",
    template_folder=str(TEMPLATES_DIR),
)
#: The home page, which sends each role to where it works.
bp = Blueprint("intake_home", __name__)

PLOTLY_JS = Path(plotly.__file__).resolve().parent / "package_data" / "plotly.min.js"
PLOTLY_VERSION = version("plotly")

#: No inline script anywhere: figures travel as JSON data blocks read by static/js.
#: Plotly injects <style> elements for its own widgets, hence the style-src exception.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; font-src 'self'; connect-src 'self'; object-src 'none'; "
    "base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)


def secure_headers(response: BaseResponse) -> BaseResponse:
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    response.headers.setdefault("X-Frame-Options", "DENY")
    if response.mimetype == "text/html":
        # Clinical pages must not linger in shared browser caches.
        response.headers["Cache-Control"] = "no-store"
    return response


def _require_sign_in() -> ResponseReturnValue | None:
    if page_actor() is not None:
        return None
    state = current_app.extensions["intake_ai"]
    here = request.full_path.rstrip("?")
    if state.own_login:
        return redirect(url_for("intake_auth.login", next=here))
    return state.host_sign_in(request.script_root + here)  # the host's, never a bare 401


def _refuse_garbled_text() -> tuple[str, int] | None:
    where = unreadable_field(request)
    if where is None:
        return None
    message = (
        f"The field '{where}' holds text that is not valid UTF-8 or holds control characters, "
        "so nothing was saved. "
        "Go back, retype that field and submit again."
    )
    return render_template("intake_ai/error.html", title="Unreadable text", message=message), 400


def _denied(error: AccessDenied) -> tuple[str, int]:
    audit.record_refusal("view", request.path[:160], detail=f"{request.method} refused")
    return render_template("intake_ai/error.html", title="Not permitted", message=str(error)), 403


def _not_found(error: NotFound) -> tuple[str, int]:
    return render_template("intake_ai/error.html", title="Not found", message=str(error)), 404


def _gone(error: Gone) -> tuple[str, int]:
    return render_template("intake_ai/error.html", title="Removed", message=str(error)), 410


def _csrf(error: CSRFError) -> tuple[str, int]:
    message = (
        "This form had expired or was not sent from this site, so nothing was saved. "
        "Go back, reload the page and submit again."
    )
    return render_template("intake_ai/error.html", title="Form expired", message=message), 400


def guard_pages(blueprint: Blueprint, *, sign_in: bool = True) -> None:
    """Every page of ``blueprint``: signed-in users only, safe headers, our own error pages."""
    if sign_in:
        blueprint.before_request(_require_sign_in)
        blueprint.before_request(publish_once)
    blueprint.before_request(_refuse_garbled_text)
    blueprint.after_request(secure_headers)
    blueprint.register_error_handler(AccessDenied, _denied)
    blueprint.register_error_handler(NotFound, _not_found)
    blueprint.register_error_handler(Gone, _gone)
    blueprint.register_error_handler(CSRFError, _csrf)
    blueprint.context_processor(_template_context)


def _template_context() -> dict[str, object]:
    return {
        "current_actor": page_actor(),
        "own_login": current_app.extensions["intake_ai"].own_login,
        "client_flags": banner.client_flags,
        "plotly_version": PLOTLY_VERSION,
    }


guard_pages(bp)
guard_pages(assets, sign_in=False)


@assets.app_template_filter("intake_datetime")
def format_datetime(moment: datetime) -> str:
    return to_local(moment).strftime("%-d %b %Y, %H:%M")


@assets.app_template_filter("intake_date")
def format_date(moment: datetime) -> str:
    return to_local(moment).strftime("%-d %b %Y")


@bp.route("/")
def home() -> BaseResponse:
    actor = page_actor()
    assert actor is not None
    if actor.role is Role.SUPERVISOR:
        return redirect(url_for("intake_supervision.dashboard"))
    if actor.role is Role.CLINICIAN:
        return redirect(url_for("intake_clients.caseload"))
    return redirect(url_for("intake_clients.admin_home"))


@assets.route("/intake-ai-vendor/plotly.min.js")
def plotly_js() -> Response:
    """plotly.js from the installed plotly package: no CDN, works offline and under CSP."""
    if request.args.get("v") not in (None, PLOTLY_VERSION):
        return redirect(url_for(".plotly_js", v=PLOTLY_VERSION))  # type: ignore[return-value]
    # The URL carries the version, so the file may be cached for a year.
    response = send_file(
        PLOTLY_JS, mimetype="text/javascript", max_age=31_536_000, conditional=True
    )
    response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
    return response

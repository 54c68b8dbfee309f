"""What every clinician-facing page shares: sign-in guard, error pages, the home page and
the static files (plotly.js included, served from the plotly package). Security headers are
set for every module response in ``boundary/headers.py``."""

from __future__ import annotations

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
from werkzeug.exceptions import HTTPException, InternalServerError, RequestEntityTooLarge
from werkzeug.wrappers import Response as BaseResponse

from intake_ai import access, audit
from intake_ai.auth import login_sessions
from intake_ai.auth.actors import page_actor
from intake_ai.boundary.limits import limit_for, too_large_message
from intake_ai.boundary.patients import names_a_record, patient_of_request
from intake_ai.boundary.scope import Area
from intake_ai.errors import AccessDenied, Conflict, Gone, IntakeError, InvalidInput, NotFound
from intake_ai.forms.definitions import publish_once
from intake_ai.models import Role
from intake_ai.pages import banner, formats
from intake_ai.paths import TEMPLATES_DIR, static_dir
from intake_ai.store.database import engine
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


#: The one page open to someone whose password must change (after an admin's reset).
PASSWORD_CHANGE_ENDPOINT = "intake_accounts.change_password"  # noqa: S105


def _require_sign_in() -> ResponseReturnValue | None:
    actor = page_actor()
    if actor is not None:
        # Checked on the intake_ai user, so it holds for the module's own sign-in and for
        # a host's current_user alike.
        if actor.user.must_change_password and request.endpoint != PASSWORD_CHANGE_ENDPOINT:
            return redirect(url_for(PASSWORD_CHANGE_ENDPOINT))
        return None
    audit.refused("sign-in required")
    state = current_app.extensions["intake_ai"]
    here = request.full_path.rstrip("?")
    if state.own_login:
        # To sign-in, or to the step of it still to take (second factor, enrolment).
        return redirect(login_sessions.sign_in_url(here))
    return state.host_sign_in(request.script_root + here)  # the host's, never a bare 401


def _refuse_garbled_text() -> BaseResponse | None:
    where = unreadable_field(request)
    if where is None:
        return None
    message = (
        f"The field '{where}' holds text that is not valid UTF-8 or holds control characters, "
        "so nothing was saved. "
        "Go back, retype that field and submit again."
    )
    audit.refused("unreadable text")
    return error_page(400, message, "Unreadable text")


#: Page titles of the statuses the pages answer with.
TITLES = {
    400: "Bad request",
    401: "Sign-in required",
    403: "Not permitted",
    404: "Not found",
    405: "Not allowed here",
    409: "Changed meanwhile",
    410: "Removed",
    413: "Too large",
    500: "Something went wrong",
}
#: One text for every "not found", so that a record someone may not see cannot be told
#: from one that does not exist (by status, title or wording).
NOT_FOUND = "There is no such page or record, or it is not one you may open."
SERVER_ERROR = "The server could not complete the request; nothing was saved. Try again later."


def error_page(status: int, message: str, title: str | None = None) -> BaseResponse:
    """The module's error page, for any status (also where no blueprint matched)."""
    if status == 404:
        message = NOT_FOUND
        banner.forget()  # a banner would tell the hidden record's client apart
    body = render_template(
        "intake_ai/error.html",
        title=title or TITLES.get(status, "Request refused"),
        message=message,
        **_template_context(),
    )
    return Response(body, status=status, mimetype="text/html")


def _denied(error: AccessDenied) -> BaseResponse:
    """Refused: a record of a client this person may not see reads as not there at all."""
    actor = page_actor()
    with engine().connect() as connection:
        client_id = patient_of_request(connection)
    audit.record_refusal(
        "view", request.path[:160], client_id=client_id, detail=f"{request.method} refused"
    )
    hidden = client_id is None or actor is None or not access.can_view_client(actor, client_id)
    if names_a_record() and hidden:
        return error_page(404, NOT_FOUND)
    return error_page(403, str(error))


def _not_found(error: NotFound) -> BaseResponse:
    return error_page(404, NOT_FOUND)


def _gone(error: Gone) -> BaseResponse:
    return error_page(410, str(error))


def _csrf(error: CSRFError) -> BaseResponse:
    message = (
        "This form had expired or was not sent from this site, so nothing was saved. "
        "Go back, reload the page and submit again."
    )
    audit.refused("form expired or not sent from this site")
    return error_page(400, message, "Form expired")


def _invalid(error: InvalidInput) -> BaseResponse:
    """Refused input no form of the page showed (a tampered or stale submission)."""
    messages = "; ".join(m for ms in error.errors.values() for m in ms)
    return error_page(400, f"Nothing was saved: {messages}")


def _conflict(error: Conflict) -> BaseResponse:
    return error_page(409, str(error))


def _refused(error: IntakeError) -> BaseResponse:
    return error_page(400, f"Nothing was saved: {error}")


def _http_error(error: HTTPException) -> BaseResponse:
    if isinstance(error, RequestEntityTooLarge):
        return error_page(413, too_large_message(limit_for(Area.PAGES)))
    return error_page(error.code or 500, error.description or "")


def _server_error(error: InternalServerError) -> BaseResponse:
    return error_page(500, SERVER_ERROR)


def guard_pages(blueprint: Blueprint, *, sign_in: bool = True) -> None:
    """Every page of ``blueprint``: signed-in users only, text checked, our own error pages."""
    if sign_in:
        blueprint.before_request(_require_sign_in)
        blueprint.before_request(publish_once)
    blueprint.before_request(_refuse_garbled_text)
    blueprint.register_error_handler(AccessDenied, _denied)
    blueprint.register_error_handler(NotFound, _not_found)
    blueprint.register_error_handler(Gone, _gone)
    blueprint.register_error_handler(CSRFError, _csrf)
    blueprint.register_error_handler(InvalidInput, _invalid)
    blueprint.register_error_handler(Conflict, _conflict)
    blueprint.register_error_handler(IntakeError, _refused)
    blueprint.register_error_handler(HTTPException, _http_error)
    blueprint.register_error_handler(InternalServerError, _server_error)
    blueprint.context_processor(_template_context)


def _template_context() -> dict[str, object]:
    own_login = current_app.extensions["intake_ai"].own_login
    return {
        "current_actor": page_actor(),
        "own_login": own_login,
        # For the page's idle timer: when this session ends without further activity.
        "login_state": login_sessions.current() if own_login else None,
        "client_flags": banner.client_flags,
        "plotly_version": PLOTLY_VERSION,
    }


guard_pages(bp)
guard_pages(assets, sign_in=False)


for _name, _filter in formats.FILTERS.items():
    assets.add_app_template_filter(_filter, _name)


@bp.route("/")
def home() -> BaseResponse:
    actor = page_actor()
    assert actor is not None
    if actor.role is Role.SUPERVISOR:
        return redirect(url_for("intake_supervision.dashboard"))
    if actor.role is Role.CLINICIAN:
        return redirect(url_for("intake_clients.caseload"))
    if actor.role is Role.ADMIN:
        return redirect(url_for("intake_accounts.admin_home"))
    return redirect(url_for("intake_accounts.account"))


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

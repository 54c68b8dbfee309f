"""SMART Backend Services over HTTP: the token endpoint and discovery under the FHIR base
(``api``: public, no cookies, no CSRF), and the admin's registrations page (``bp``)."""

from __future__ import annotations

import json

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from intake_ai.auth.actors import current_actor
from intake_ai.errors import AccessDenied, InvalidInput
from intake_ai.fhir_api.capability import WRITES
from intake_ai.models import Role
from intake_ai.pages.guard import guard_pages
from intake_ai.smart import clients, discovery, service
from intake_ai.smart.forms import DisableForm, RegistrationForm
from intake_ai.store.database import transaction
from intake_ai.untrusted import unreadable_field

api = Blueprint("intake_smart_api", __name__)
bp = Blueprint("intake_smart", __name__)
guard_pages(bp)
#: A token request is a few form fields and one assertion.
MAX_TOKEN_REQUEST = 64_000


def _json(body: object, status: int = 200) -> Response:
    response = Response(json.dumps(body), status=status, mimetype="application/json")
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def _oauth_error(refusal: service.TokenRefused) -> Response:
    return _json({"error": refusal.error, "error_description": refusal.description}, refusal.status)


@api.route("/.well-known/smart-configuration", methods=["GET"])
def smart_configuration() -> Response:
    return _json(discovery.smart_configuration(discovery.token_url(), WRITES))


@api.route("/auth/token", methods=["GET", "POST"])
def token() -> Response:
    if request.method != "POST":
        return _json(
            {"error": "invalid_request", "error_description": "POST the token request"}, 405
        )
    if request.content_length is None or request.content_length > MAX_TOKEN_REQUEST:
        refusal = service.TokenRefused(
            "invalid_request", "the request body is missing or too large"
        )
        return _oauth_error(refusal)
    if request.mimetype != "application/x-www-form-urlencoded" or unreadable_field(request):
        refusal = service.TokenRefused(
            "invalid_request", "send the parameters as application/x-www-form-urlencoded text"
        )
        return _oauth_error(refusal)
    try:
        with transaction():
            granted = service.exchange(request.form.to_dict(flat=False), discovery.token_url())
    except service.TokenRefused as refusal:
        return _oauth_error(refusal)
    return _json(
        {
            "access_token": granted.access_token,
            "token_type": "Bearer",
            "expires_in": granted.expires_in,
            "scope": granted.scope,
        }
    )


# The admin's registrations page ----------------------------------------------------------


@bp.before_request
def _admins_only() -> None:
    if current_actor().role is not Role.ADMIN:
        raise AccessDenied("SMART client registrations are for admins.")


@bp.route("/admin/smart-clients", methods=["GET", "POST"])
def registrations() -> BaseResponse | tuple[str, int]:
    form = RegistrationForm()
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                with transaction():
                    clients.register(
                        form.client_id.data or "",
                        form.label.data or "",
                        form.integrator.data or "",
                        form.jwks.data or "",
                        (form.scopes.data or "").split(),
                    )
            except InvalidInput as error:
                for name, messages in error.errors.items():
                    getattr(form, name if name != "user" else "integrator").errors.extend(messages)
            else:
                flash(f"Registered SMART client {form.client_id.data}.")
                return redirect(url_for(".registrations"))
        status = 400
    with transaction():
        listed = clients.registrations()
        integrators = clients.integrator_names()
    return render_template(
        "intake_ai/smart/registrations.html",
        form=form,
        registrations=listed,
        integrators=integrators,
        token_url=discovery.token_url(),
        disable_form=DisableForm(),
    ), status


@bp.route("/admin/smart-clients/<intake_id:registration_id>/disable", methods=["POST"])
def disable(registration_id: int) -> BaseResponse:
    if not DisableForm().validate_on_submit():
        abort(400)
    with transaction():
        registration = clients.disable_by_id(registration_id)
    flash(f"Disabled SMART client {registration.client_id}; its tokens no longer work.")
    return redirect(url_for(".registrations"))

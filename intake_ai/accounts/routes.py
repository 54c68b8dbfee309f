"""Everyone's Account page (change own password) and the admin's user and token pages."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import SelectChoice

from intake_ai.accounts import api_tokens, service
from intake_ai.accounts.forms import (
    GENERATE,
    NO_PASSWORD,
    NO_SUPERVISOR,
    ActionForm,
    ChangePasswordForm,
    NewUserForm,
    ResetPasswordForm,
)
from intake_ai.auth.actors import current_actor
from intake_ai.errors import InvalidInput
from intake_ai.models import Role
from intake_ai.pages.guard import guard_pages
from intake_ai.store.database import transaction

bp = Blueprint("intake_accounts", __name__)
guard_pages(bp)


def _show_errors(form: FlaskForm, error: InvalidInput, fallback: str) -> None:
    """Each message at its field; anything not a field of the form at ``fallback``."""
    for name, messages in error.errors.items():
        field = getattr(form, name if hasattr(form, name) else fallback)
        field.errors = [*field.errors, *messages]


# Everyone ---------------------------------------------------------------------------------


@bp.route("/account")
def account() -> str:
    return render_template("intake_ai/accounts/account.html", user=current_actor().user)


@bp.route("/account/password", methods=["GET", "POST"])
def change_password() -> Response | tuple[str, int]:
    actor = current_actor()
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            with transaction():
                service.change_own_password(
                    actor, form.current_password.data or "", form.new_password.data or ""
                )
        except InvalidInput as error:
            _show_errors(form, error, "new_password")
        else:
            flash("Your password is changed.")
            return redirect(url_for("intake_home.home"))
    page = render_template("intake_ai/accounts/change_password.html", form=form, user=actor.user)
    return page, 400 if form.errors else 200


# Admins: users ----------------------------------------------------------------------------


@bp.route("/admin")
def admin_home() -> str:
    with transaction():
        rows = service.list_users(current_actor())
    return render_template("intake_ai/accounts/users.html", rows=rows)


def _new_user_form() -> NewUserForm:
    form = NewUserForm()
    form.supervisor.choices = [NO_SUPERVISOR] + [
        SelectChoice(u.username, f"{u.display_name} ({u.username})") for u in service.supervisors()
    ]
    return form


@bp.route("/admin/users/new", methods=["GET", "POST"])
def new_user() -> str | Response | tuple[str, int]:
    actor = current_actor()
    service.require_admin(actor)
    form = _new_user_form()
    if not form.validate_on_submit():
        status = 400 if form.errors else 200
        return render_template("intake_ai/accounts/new_user.html", form=form), status
    password: str | None = None
    if form.sign_in.data == GENERATE:
        password = service.temporary_password(form.username.data or "")
    elif form.sign_in.data != NO_PASSWORD:
        password = form.password.data or ""
    try:
        with transaction():
            user = service.create_user(
                actor,
                form.username.data or "",
                form.display_name.data or "",
                Role(form.role.data),
                password,
                supervisor=form.supervisor.data or None,
                temporary=password is not None,
            )
    except InvalidInput as error:
        _show_errors(form, error, "username")
        return render_template("intake_ai/accounts/new_user.html", form=form), 400
    # Shown in this answer only: never flashed (the session cookie is not secret) nor stored.
    shown = password if form.sign_in.data == GENERATE else None
    return render_template("intake_ai/accounts/password_set.html", user=user, password=shown)


def _user_page(user_id: int, reset_form: ResetPasswordForm | None = None) -> str:
    actor = current_actor()
    with transaction():
        user = service.get_user(actor, user_id)
        tokens = api_tokens.list_tokens(actor, user)
    return render_template(
        "intake_ai/accounts/user.html",
        user=user,
        tokens=tokens,
        live_tokens=sum(1 for row in tokens if row.status in ("active", "user inactive")),
        is_self=user.id == actor.user.id,
        reset_form=reset_form or ResetPasswordForm(formdata=None),
    )


@bp.route("/admin/users/<intake_id:user_id>")
def user_page(user_id: int) -> str:
    return _user_page(user_id)


def _set_active(user_id: int, active: bool) -> Response:
    actor = current_actor()
    service.require_admin(actor)
    if ActionForm().validate_on_submit():
        try:
            with transaction():
                user = service.get_user(actor, user_id, for_change=True)
                service.set_active(actor, user, active)
        except InvalidInput as error:
            flash(" ".join(m for messages in error.errors.values() for m in messages))
        else:
            flash(f"{user.username} is {'reactivated' if active else 'deactivated'}.")
    return redirect(url_for(".user_page", user_id=user_id))


@bp.route("/admin/users/<intake_id:user_id>/deactivate", methods=["POST"])
def deactivate(user_id: int) -> Response:
    return _set_active(user_id, False)


@bp.route("/admin/users/<intake_id:user_id>/reactivate", methods=["POST"])
def reactivate(user_id: int) -> Response:
    return _set_active(user_id, True)


@bp.route("/admin/users/<intake_id:user_id>/password", methods=["POST"])
def reset_password(user_id: int) -> str | tuple[str, int]:
    actor = current_actor()
    service.require_admin(actor)
    form = ResetPasswordForm()
    if form.validate_on_submit():
        typed = None if form.how.data == GENERATE else form.password.data or ""
        try:
            with transaction():
                user = service.get_user(actor, user_id, for_change=True)
                generated = service.reset_password(actor, user, typed)
        except InvalidInput as error:
            _show_errors(form, error, "password")
        else:
            return render_template(
                "intake_ai/accounts/password_set.html", user=user, password=generated
            )
    return _user_page(user_id, form), 400


# Admins: tokens ---------------------------------------------------------------------------


@bp.route("/admin/tokens")
def tokens() -> str:
    with transaction():
        rows = api_tokens.list_tokens(current_actor())
    return render_template("intake_ai/accounts/tokens.html", rows=rows)


@bp.route("/admin/tokens/<intake_id:token_id>/revoke", methods=["POST"])
def revoke_token(token_id: int) -> Response:
    actor = current_actor()
    service.require_admin(actor)
    back_to_user = request.form.get("back") == "user"
    if ActionForm().validate_on_submit():
        try:
            with transaction():
                token = api_tokens.revoke(actor, token_id)
        except InvalidInput as error:
            flash(" ".join(m for messages in error.errors.values() for m in messages))
        else:
            flash(f"Token {token.id} ({token.name}) is revoked.")
            if back_to_user:
                return redirect(url_for(".user_page", user_id=token.user_id))
    return redirect(url_for(".tokens"))

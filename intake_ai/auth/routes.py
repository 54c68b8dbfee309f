"""Sign-in and sign-out pages (used when the host EHR does not provide its own login):
password, second factor, setting one up, and the idle timer's keep-alive."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask_login import logout_user
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup
from werkzeug.wrappers import Response

from intake_ai import audit
from intake_ai.auth import login_sessions, second_factor, sign_in
from intake_ai.auth.actors import Actor
from intake_ai.auth.forms import CodeForm, EnrolForm, LoginForm
from intake_ai.auth.login_sessions import LoginState, Stage
from intake_ai.pages.guard import guard_pages
from intake_ai.store.database import transaction
from intake_ai.untrusted import local_path

bp = Blueprint("intake_auth", __name__)
guard_pages(bp, sign_in=False)

Page = str | Response | tuple[str, int] | tuple[str, int, dict[str, str]]

#: One answer for a wrong name and a wrong password alike: it must not tell them apart.
WRONG_PASSWORD = "Wrong username or password."  # noqa: S105 - a message, not a password
WRONG_CODE = "Wrong code, or a code already used. Enter the current code from your app."
DRAFT_OUTCOMES = {
    "saved": "Your unfinished form was kept as a draft; it opens again once you sign in.",
    "refused": "Your unfinished form could not be kept as a draft.",
}


def _safe_next(target: str | None) -> str | None:
    """Only same-site paths: never bounce a clinician to another host after sign-in."""
    return local_path(target)


def _next_page() -> str:
    return _safe_next(request.args.get("next")) or url_for("intake_home.home")


def _too_many(template: str, form: Any, field: Any, seconds: int) -> tuple[str, int, Any]:
    field.errors.append(f"Too many failed attempts. Try again in {seconds} seconds.")
    page = render_template(template, form=form)
    return page, 429, {"Retry-After": str(seconds)}


@bp.route("/login", methods=["GET", "POST"])
def login() -> Page:
    form = LoginForm()
    if form.validate_on_submit():
        attempt = sign_in.password_step(form.username.data or "", form.password.data or "")
        if attempt.retry_after is not None:
            return _too_many("intake_ai/login.html", form, form.password, attempt.retry_after)
        if attempt.user is None:
            form.password.errors.append(WRONG_PASSWORD)
            return render_template("intake_ai/login.html", form=form), 401
        with transaction():
            stage = sign_in.start(attempt.user)
        target = _safe_next(request.args.get("next"))
        if stage is Stage.CODE:
            return redirect(url_for(".code", next=target))
        if stage is Stage.ENROL:
            return redirect(url_for(".two_step", next=target))
        return redirect(target or url_for("intake_home.home"))
    return render_template("intake_ai/login.html", form=form)


@bp.route("/login/code", methods=["GET", "POST"])
def code() -> Page:
    state = login_sessions.current()
    if state is None or state.stage is not Stage.CODE:
        return redirect(url_for(".login"))
    form = CodeForm()
    if form.validate_on_submit():
        attempt = sign_in.code_step(state, form.code.data or "")
        if attempt.retry_after is not None:
            return _too_many("intake_ai/login_code.html", form, form.code, attempt.retry_after)
        if attempt.user is None:
            form.code.errors.append(WRONG_CODE)
            return render_template("intake_ai/login_code.html", form=form), 401
        return redirect(_next_page())
    return render_template("intake_ai/login_code.html", form=form)


@bp.route("/two-step", methods=["GET", "POST"])
def two_step() -> Page:
    """Set up (or replace) the authenticator; shows the recovery codes once when confirmed."""
    state = login_sessions.current()
    if state is None:
        return redirect(url_for(".login", next=url_for(".two_step")))
    if state.stage is Stage.CODE:
        return redirect(url_for(".code"))
    form = EnrolForm()
    if form.validate_on_submit():
        refused = _enrolment_refusal(state, form)
        if refused is not None:
            return refused
        with transaction():
            codes = second_factor.confirm_enrolment(state.user, form.code.data or "")
            if codes is not None:
                sign_in.enrolled(state)
        if codes is not None:
            return render_template(
                "intake_ai/recovery_codes.html", codes=codes, next_page=_next_page()
            )
        form.code.errors.append(WRONG_CODE)
        return _enrolment_page(state, form, 400)
    return _enrolment_page(state, form, 200)


def _enrolment_refusal(state: LoginState, form: EnrolForm) -> Page | None:
    """A signed-in person confirms with their password (checked, counted and audited)."""
    if state.stage is not Stage.SIGNED_IN:
        return None
    attempt = sign_in.password_step(state.user.username, form.password.data or "")
    if attempt.retry_after is not None:
        form.password.errors.append(
            f"Too many failed attempts. Try again in {attempt.retry_after} seconds."
        )
        return _enrolment_page(state, form, 429)
    if attempt.user is None:
        form.password.errors.append("That is not your password.")
        return _enrolment_page(state, form, 401)
    return None


def _enrolment_page(state: LoginState, form: EnrolForm, status: int) -> tuple[str, int]:
    with transaction():
        enrolment = second_factor.start_enrolment(state.user)
    return render_template(
        "intake_ai/two_step.html",
        form=form,
        enrolment=enrolment,
        # segno's own SVG of our URI: markup we made, not text anyone typed.
        qr_svg=Markup(enrolment.qr_svg),  # noqa: S704
        ask_password=state.stage is Stage.SIGNED_IN,
        next_page=_safe_next(request.args.get("next")),
    ), status


@bp.route("/logout", methods=["POST"])
def logout() -> Response:
    """Sign out; the idle timer posts here too (``reason=idle``) after keeping a draft."""
    idle = request.form.get("reason") == "idle"
    with transaction():
        state = login_sessions.end_current("idle" if idle else "signed-out")
        if state is not None:
            detail = "signed out by the page after inactivity" if idle else None
            audit.record("logout", detail=detail, actor=Actor(user=state.user))
    logout_user()
    if idle:
        flash(login_sessions.ended_message("idle") or "You are signed out.")
        draft = DRAFT_OUTCOMES.get(request.form.get("draft", ""))
        if draft:
            flash(draft)
    else:
        flash("You are signed out.")
    return redirect(url_for(".login", next=_safe_next(request.form.get("next"))))


def _timer_state(state: LoginState | None) -> tuple[Response, int]:
    if state is None or state.stage is not Stage.SIGNED_IN:
        return jsonify(signed_in=False, ends_in=0, extendable=False), 401
    return jsonify(
        signed_in=True,
        ends_in=state.seconds_left(),
        extendable=state.extendable,
        # A fresh token for the page's forms, which may have been open for hours.
        csrf_token=generate_csrf(),
    ), 200


@bp.route("/session/status")
def session_status() -> tuple[Response, int]:
    """How long this session has left; asking does not count as activity."""
    return _timer_state(login_sessions.current(touch=False))


@bp.route("/session/keep-alive", methods=["POST"])
def keep_alive() -> tuple[Response, int]:
    """The idle warning's "stay signed in": counts as activity (within the absolute lifetime)."""
    return _timer_state(login_sessions.current(touch=True))

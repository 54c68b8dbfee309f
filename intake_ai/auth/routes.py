"""Sign-in and sign-out pages (used when the host EHR does not provide its own login)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import login_user, logout_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from intake_ai import audit
from intake_ai.auth.actors import Actor, page_actor
from intake_ai.auth.forms import LoginForm
from intake_ai.models import User
from intake_ai.pages.guard import guard_pages
from intake_ai.store.database import session, transaction
from intake_ai.untrusted import local_path

bp = Blueprint("intake_auth", __name__)
guard_pages(bp, sign_in=False)


def _safe_next(target: str | None) -> str:
    """Only same-site paths: never bounce a clinician to another host after sign-in."""
    return local_path(target) or url_for("intake_home.home")


@bp.route("/login", methods=["GET", "POST"])
def login() -> str | Response | tuple[str, int]:
    form = LoginForm()
    if form.validate_on_submit():
        user = session().scalars(select(User).where(User.username == form.username.data)).first()
        if user is None or not user.active or not user.check_password(form.password.data or ""):
            audit.record_refusal("login", detail="wrong username or password")
            form.password.errors.append("Wrong username or password.")
            return render_template("intake_ai/login.html", form=form), 401
        with transaction():
            login_user(user)
            audit.record("login", actor=Actor(user=user))
        return redirect(_safe_next(request.args.get("next")))
    return render_template("intake_ai/login.html", form=form)


@bp.route("/logout", methods=["POST"])
def logout() -> Response:
    actor = page_actor()
    if actor is not None:
        with transaction():
            audit.record("logout", actor=actor)
    logout_user()
    flash("You are signed out.")
    return redirect(url_for("intake_auth.login"))

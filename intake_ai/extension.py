"""The ``IntakeAI`` Flask extension: mounts the module into a host app.

Follows the Flask-SQLAlchemy pattern: created without an app, bound in
``init_app``, its state kept in ``app.extensions["intake_ai"]``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Flask, current_app, redirect, render_template
from flask.typing import ResponseReturnValue
from flask_login import LoginManager, login_url
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect

from intake_ai import audit
from intake_ai.boundary import hooks
from intake_ai.boundary.hosts import check_public_url
from intake_ai.boundary.scope import Mount, mount_of
from intake_ai.config import apply_defaults, ensure_secret_key
from intake_ai.models import User
from intake_ai.store.audit_journal import Journal
from intake_ai.untrusted import RowIdConverter, keep_form_bytes


@dataclass
class IntakeAIState:
    db: SQLAlchemy
    #: Returns the signed-in intake_ai ``User`` (or None) for page requests.
    current_user: Callable[[], User | None]
    #: True when the module handles sign-in itself (its own login pages).
    own_login: bool
    #: Where the module's URLs are (set once its blueprints are registered).
    mount: Mount | None = None
    #: The read-audit journal, opened on first use (``audit.journal``).
    journal: Journal | None = None

    def host_sign_in(self, here: str) -> ResponseReturnValue:
        """Nobody the module knows is signed in, in a host that signs people in itself: off
        to the host's sign-in (``INTAKE_AI_LOGIN_URL``, else Flask-Login's ``login_view``),
        back to ``here`` after; a page saying so when the host names neither."""
        manager = getattr(current_app, "login_manager", None)
        target = current_app.config["INTAKE_AI_LOGIN_URL"] or getattr(manager, "login_view", None)
        if target:
            return redirect(login_url(target, next_url=here))
        message = (
            "Sign in to the health record first; these pages open for the person it has "
            "signed in, once an administrator has given them an intake_ai account."
        )
        return render_template("intake_ai/error.html", title="Sign in first", message=message), 401


class IntakeAI:
    """Mount the module: ``IntakeAI(app, db=db)`` or ``ext = IntakeAI(); ext.init_app(app)``.

    ``db``: the host's Flask-SQLAlchemy instance (found on the app if not given; created
    when the app has none). ``current_user``: for a host with its own login, a callable
    returning the intake_ai ``User`` that stands for the host's signed-in user.
    """

    def __init__(
        self,
        app: Flask | None = None,
        *,
        db: SQLAlchemy | None = None,
        current_user: Callable[[], User | None] | None = None,
    ) -> None:
        self._db = db
        self._current_user = current_user
        if app is not None:
            self.init_app(app)

    def init_app(
        self,
        app: Flask,
        *,
        db: SQLAlchemy | None = None,
        current_user: Callable[[], User | None] | None = None,
    ) -> None:
        apply_defaults(app.config)
        check_public_url(app.config["INTAKE_AI_PUBLIC_URL"])
        ensure_secret_key(app.config, Path(app.instance_path))
        db = db or self._db or app.extensions.get("sqlalchemy")
        if db is None:
            db = SQLAlchemy()
            db.init_app(app)
        resolver = current_user or self._current_user
        own_login = resolver is None
        if own_login:
            resolver = _install_login(app)
        assert resolver is not None
        state = IntakeAIState(db=db, current_user=resolver, own_login=own_login)
        app.extensions["intake_ai"] = state
        audit.watch(db)
        # Before the host's hooks and CSRF protection, which parses the form: first the
        # request's edge (body bounded, host checked), then keep the form's bytes.
        app.before_request_funcs.setdefault(None, []).insert(0, keep_form_bytes)
        hooks.install(app)
        _install_csrf(app)
        from intake_ai import i18n

        i18n.init_app(app)

        app.url_map.converters.setdefault("intake_id", RowIdConverter)
        _register_blueprints(app, own_login=own_login)
        state.mount = mount_of(
            app,
            app.config["INTAKE_AI_URL_PREFIX"].rstrip("/"),
            app.config["INTAKE_AI_FHIR_BASE"].rstrip("/"),
        )
        from intake_ai.cli import register_commands

        register_commands(app)


def _install_login(app: Flask) -> Callable[[], User | None]:
    if "login_manager" in app.extensions or hasattr(app, "login_manager"):
        raise RuntimeError(
            "The host app has its own LoginManager: pass current_user=... to IntakeAI so the "
            "module knows which intake_ai User stands for the signed-in host user."
        )
    from intake_ai.auth.login_sessions import signed_in_user

    _secure_session_cookie(app)
    manager = LoginManager()
    manager.login_view = "intake_auth.login"
    manager.login_message = "Please sign in to see this page."
    # The server-side session decides who is signed in; Flask-Login's own protection
    # (tying the cookie to address and browser) would only sign people out on a new IP.
    manager.session_protection = None

    # Both of Flask-Login's ways in (the cookie's user id, and a "remember me" cookie, which
    # the module never issues) go through the server-side session: neither bypasses it.
    @manager.user_loader
    def load_user(user_id: str) -> User | None:
        user = signed_in_user()
        return user if user is not None and user.get_id() == user_id else None

    @manager.request_loader
    def load_from_request(_request: Any) -> User | None:
        return signed_in_user()

    manager.init_app(app)
    return signed_in_user


def _secure_session_cookie(app: Flask) -> None:
    """The module's sign-in cookie: never readable by script, not sent on cross-site
    requests (other than top-level links), and over HTTPS only unless configured off."""
    secure = app.config["INTAKE_AI_SECURE_COOKIES"]
    if secure is None:
        secure = not (app.debug or app.testing)
    for prefix in ("SESSION_COOKIE_", "REMEMBER_COOKIE_"):
        app.config[prefix + "HTTPONLY"] = True
        if app.config.get(prefix + "SAMESITE") not in ("Strict", "Lax"):
            app.config[prefix + "SAMESITE"] = "Lax"
        if secure:
            app.config[prefix + "SECURE"] = True


def _install_csrf(app: Flask) -> None:
    csrf: Any = app.extensions.get("csrf")
    if csrf is None:
        csrf = CSRFProtect(app)
    from intake_ai.cds_hooks.routes import bp as cds_bp
    from intake_ai.fhir_api.routes import bp as fhir_bp
    from intake_ai.smart.routes import api as smart_api_bp

    # The FHIR API authenticates with bearer tokens, never cookies: CSRF does not apply;
    # nor to the SMART token endpoint, whose clients authenticate with a signed assertion,
    # nor to CDS Hooks, whose EHR signs every call.
    csrf.exempt(fhir_bp)
    csrf.exempt(smart_api_bp)
    csrf.exempt(cds_bp)


def _register_blueprints(app: Flask, *, own_login: bool) -> None:
    from intake_ai.accounts.routes import bp as accounts_bp
    from intake_ai.audit_trail.routes import bp as audit_trail_bp
    from intake_ai.auth.routes import bp as auth_bp
    from intake_ai.cds_hooks.routes import bp as cds_bp
    from intake_ai.checkin.routes import bp as checkin_bp
    from intake_ai.checkin.routes import public as checkin_public_bp
    from intake_ai.clients.routes import bp as clients_bp
    from intake_ai.fhir_api.routes import bp as fhir_bp
    from intake_ai.intake.routes import bp as intake_bp
    from intake_ai.pages.guard import assets as assets_bp
    from intake_ai.pages.guard import bp as web_bp
    from intake_ai.records.routes import bp as records_bp
    from intake_ai.risk.routes import bp as risk_bp
    from intake_ai.sessions.routes import bp as sessions_bp
    from intake_ai.smart.routes import api as smart_api_bp
    from intake_ai.smart.routes import bp as smart_bp
    from intake_ai.supervision.routes import bp as supervision_bp
    from intake_ai.usage_export.routes import bp as usage_export_bp

    prefix = app.config["INTAKE_AI_URL_PREFIX"].rstrip("/") or None
    app.register_blueprint(assets_bp, url_prefix=prefix)
    app.register_blueprint(web_bp, url_prefix=prefix)
    if own_login:
        app.register_blueprint(auth_bp, url_prefix=prefix)
    pages = (
        clients_bp,
        intake_bp,
        sessions_bp,
        records_bp,
        risk_bp,
        supervision_bp,
        usage_export_bp,
    )
    for bp in (
        *pages,
        checkin_bp,
        checkin_public_bp,
        accounts_bp,
        audit_trail_bp,
        smart_bp,
        cds_bp,
    ):
        app.register_blueprint(bp, url_prefix=prefix)
    fhir_base = app.config["INTAKE_AI_FHIR_BASE"].rstrip("/")
    app.register_blueprint(fhir_bp, url_prefix=fhir_base)
    app.register_blueprint(smart_api_bp, url_prefix=fhir_base)

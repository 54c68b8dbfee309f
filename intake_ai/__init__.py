"""intake_ai: ask clients about generative-AI chat use and keep it as FHIR clinical data.

``create_app()`` builds the standalone app; a host EHR mounts the module with ``IntakeAI``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy

from intake_ai.boundary.hosts import trusted_hosts
from intake_ai.config import apply_defaults, from_environment
from intake_ai.extension import IntakeAI
from intake_ai.paths import MIGRATIONS_DIR
from intake_ai.store.database import Base
from intake_ai.store.private_files import owner_only_sqlite_file

__all__ = ["IntakeAI", "create_app"]


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """The standalone app: a small host that mounts the module at the root."""
    # No app-level static route: the module serves its own under /intake-ai-static.
    app = Flask(__name__, instance_relative_config=True, static_folder=None)
    app.config.update(from_environment())
    app.config.update(config or {})
    apply_defaults(app.config)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)

    url = app.config["INTAKE_AI_DATABASE_URL"] or (
        "sqlite:///" + os.path.join(app.instance_path, "intake_ai.sqlite3")
    )
    if app.config["INTAKE_AI_TRUSTED_HOSTS"] and not app.config.get("TRUSTED_HOSTS"):
        # The whole standalone app is the module's: let Flask refuse other names app-wide.
        app.config["TRUSTED_HOSTS"] = trusted_hosts(app.config)
    owner_only_sqlite_file(url)
    app.config.setdefault("SQLALCHEMY_DATABASE_URI", url)
    app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", _engine_options(url))

    db = SQLAlchemy(metadata=Base.metadata)
    db.init_app(app)
    if url.startswith("sqlite"):
        with app.app_context():
            _tune_sqlite(db)
    Migrate(app, db, directory=str(MIGRATIONS_DIR))
    IntakeAI(app, db=db)  # also gives the app its secret key (config.ensure_secret_key)
    return app


def _engine_options(url: str) -> dict[str, Any]:
    # Bound parameters hold clinical answers: keep them out of exception messages and logs.
    options: dict[str, Any] = {"hide_parameters": True}
    if url.startswith("sqlite"):
        options["connect_args"] = {"timeout": 30}
    else:
        options["pool_pre_ping"] = True
    return options


def _tune_sqlite(db: SQLAlchemy) -> None:
    from sqlalchemy import event

    @event.listens_for(db.engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        # WAL lets pages read while a submission writes (one writer, many readers).
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

"""Configuration defaults and their environment variables.

Every key is prefixed ``INTAKE_AI_`` so the module's settings never collide with a
host EHR's. Defaults are set with ``setdefault``: whatever the host (or the
environment) already configured wins.
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

ENV_PREFIX = "INTAKE_AI_"

DEFAULTS: dict[str, Any] = {
    #: SQLAlchemy URL of the database. ``None`` means a SQLite file in the instance folder.
    "INTAKE_AI_DATABASE_URL": None,
    #: Session signing key, used when the app has no SECRET_KEY of its own (standalone app
    #: or host). None: a key generated once and kept in the app's instance folder.
    "INTAKE_AI_SECRET_KEY": None,
    #: Where a host that signs people in itself sends someone the pages find signed out or
    #: without an intake_ai user: a URL or path, or an endpoint name (``next`` is added).
    #: None: the host's Flask-Login ``login_manager.login_view``.
    "INTAKE_AI_LOGIN_URL": None,
    #: Where the clinician pages are mounted ("" for the standalone app).
    "INTAKE_AI_URL_PREFIX": "",
    #: Base path of the FHIR REST API.
    "INTAKE_AI_FHIR_BASE": "/fhir",
    #: Largest request body the FHIR API accepts, in bytes (413 above it).
    "INTAKE_AI_FHIR_MAX_BODY": 1_000_000,
    #: Page size of a search when ``_count`` is not given, and the largest allowed.
    "INTAKE_AI_FHIR_DEFAULT_COUNT": 50,
    "INTAKE_AI_FHIR_MAX_COUNT": 500,
    #: System URI of the host EHR's patient identifiers (Patient.identifier.system).
    "INTAKE_AI_PATIENT_IDENTIFIER_SYSTEM": "urn:intake-ai:host-patient-id",
    #: Unacknowledged "review now" flags older than this many hours join the supervisor queue.
    "INTAKE_AI_FLAG_QUEUE_HOURS": 48,
    #: Rows per page of the dashboard's caseload table and "review now" queue.
    "INTAKE_AI_CASELOAD_PAGE_SIZE": 100,
    #: Register the CLI commands under this group name (None: top level, as standalone).
    "INTAKE_AI_CLI_GROUP": None,
    #: The clinic's time zone: session times are entered and shown in it, stored in UTC.
    "INTAKE_AI_TIMEZONE": "UTC",
    #: Re-validate (fhir.resources) every resource the module builds before storing it.
    #: Input from outside is always validated where it arrives (the API's resources, the
    #: forms' answers); this re-checks the module's own builders, whose output the test
    #: suite validates (it turns this on). Costs about a third of a submission's time.
    "INTAKE_AI_VALIDATE_STORED": False,
    #: werkzeug password hashing method (scrypt; tests use a cheaper one).
    "INTAKE_AI_PASSWORD_HASH_METHOD": "scrypt",
    #: Free-text limits: any longer answer is refused with a field message.
    "INTAKE_AI_MAX_TEXT": 2000,
}


def _parse_env_value(raw: str) -> Any:
    """Read numbers, booleans and null as JSON; anything else stays a string (like Flask)."""
    try:
        return json.loads(raw)
    except ValueError:
        return raw


def from_environment(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The ``INTAKE_AI_*`` settings present in the environment."""
    environ = os.environ if environ is None else environ
    found: dict[str, Any] = {}
    for key, raw in environ.items():
        if not key.startswith(ENV_PREFIX):
            continue
        # URLs and secrets are strings even when they happen to parse as JSON.
        if key in ("INTAKE_AI_DATABASE_URL", "INTAKE_AI_SECRET_KEY"):
            found[key] = raw
        else:
            found[key] = _parse_env_value(raw)
    return found


def apply_defaults(config: dict[str, Any]) -> None:
    """Fill in every key the host has not set: from the environment, else the default."""
    for key, value in from_environment().items():
        config.setdefault(key, value)
    for key, value in DEFAULTS.items():
        config.setdefault(key, value)


def ensure_secret_key(config: dict[str, Any], instance: Path) -> None:
    """Give an app without a SECRET_KEY one: sessions, sign-in and CSRF tokens need it.

    ``INTAKE_AI_SECRET_KEY`` when set; otherwise a key generated once and kept in the
    instance folder (readable by the owner only), so sign-ins survive a restart.
    """
    if config.get("SECRET_KEY"):
        return
    if config.get("INTAKE_AI_SECRET_KEY"):
        config["SECRET_KEY"] = config["INTAKE_AI_SECRET_KEY"]
        return
    instance.mkdir(parents=True, exist_ok=True)
    path = instance / "secret_key"
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(descriptor, "w") as file:
            file.write(secrets.token_hex(32))
    config["SECRET_KEY"] = path.read_text().strip()

"""Configuration defaults and their environment variables.

Every key is prefixed ``INTAKE_AI_`` so the module's settings never collide with a
host EHR's. Defaults are set with ``setdefault``: whatever the host (or the
environment) already configured wins.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from intake_ai.store.private_files import instance_secret

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
    #: Largest request body any page accepts, in bytes (413 above it, before it is read).
    "INTAKE_AI_MAX_FORM_BODY": 2_000_000,
    #: Largest upload of a client's chatbot data export, in bytes (the .zip or its
    #: conversations.json; real ones reach hundreds of MB). Only that page takes it.
    "INTAKE_AI_MAX_EXPORT_UPLOAD": 1_100_000_000,
    #: The URL the app's root is reached at from outside (``https://ehr.example.org``, a
    #: path allowed): absolute URLs (FHIR links, Location headers, export manifests) are
    #: built on it. Unset, they use the request's host, which must be a trusted one.
    "INTAKE_AI_PUBLIC_URL": None,
    #: Host names the module answers to (a list, or comma-separated; ".example.org" allows
    #: subdomains); others get 400. Unset: Flask's TRUSTED_HOSTS if the host app set it,
    #: else any name when INTAKE_AI_PUBLIC_URL is set, else the loopback names only.
    "INTAKE_AI_TRUSTED_HOSTS": None,
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
    #: The clinic's locale (babel): how pages write dates and plurals.
    "INTAKE_AI_LOCALE": "en_US",
    #: Re-validate (fhir.resources) every resource the module builds before storing it.
    #: Input from outside is always validated where it arrives (the API's resources, the
    #: forms' answers); this re-checks the module's own builders, whose output the test
    #: suite validates (it turns this on). Costs about a third of a submission's time.
    "INTAKE_AI_VALIDATE_STORED": False,
    #: werkzeug password hashing method (scrypt; tests use a cheaper one).
    "INTAKE_AI_PASSWORD_HASH_METHOD": "scrypt",
    #: Days an API token lives unless its issuer asks otherwise (``create-token
    #: --expires-days N``, or ``never``, which must be said explicitly).
    "INTAKE_AI_TOKEN_DAYS": 90,
    #: Sign-in (the module's own login only): minutes without a request before a session
    #: ends; the page warns ``INTAKE_AI_IDLE_WARNING_SECONDS`` before and offers to stay.
    "INTAKE_AI_IDLE_MINUTES": 15,
    "INTAKE_AI_IDLE_WARNING_SECONDS": 60,
    #: Hours after sign-in at which a session ends however active it is.
    "INTAKE_AI_SESSION_HOURS": 12,
    #: Send the session cookie only over HTTPS. None: on, except in debug and testing.
    "INTAKE_AI_SECURE_COOKIES": None,
    #: Every page user must sign in with a second factor (TOTP), enrolling at next sign-in.
    "INTAKE_AI_REQUIRE_MFA": False,
    #: The issuer name authenticator apps show beside the account.
    "INTAKE_AI_MFA_ISSUER": "intake_ai",
    #: Free-text limits: any longer answer is refused with a field message.
    "INTAKE_AI_MAX_TEXT": 2000,
    #: Lifetime in seconds of an access token a SMART backend client obtains (SMART: 300).
    "INTAKE_AI_SMART_TOKEN_SECONDS": 300,
    #: Public URL of the SMART token endpoint, which client assertions must name as their
    #: ``aud``. None: derived from the request (set it when a proxy changes the host).
    "INTAKE_AI_SMART_TOKEN_URL": None,
    #: CDS Hooks clients (EHRs) whose request JWTs are trusted, by issuer (``iss``):
    #: ``{"https://ehr.example.org": {"jwks": {"keys": [...]}, "user": "ehr"}}``. ``user``
    #: is the integrator account every call of that EHR acts as. Empty: no CDS client.
    "INTAKE_AI_CDS_CLIENTS": {},
    #: Reads' audit entries go through a durable journal (README, "Reliability") rather than
    #: a write in the read's transaction.
    "INTAKE_AI_AUDIT_JOURNAL": True,
    #: The journal's folder, one per database. None: in the instance folder, named for the
    #: database URL.
    "INTAKE_AI_AUDIT_JOURNAL_DIR": None,
    #: Seconds between moves of journaled entries into the audit table. 0: at the end of
    #: every request that journaled one (the tests, which read the table right after).
    "INTAKE_AI_AUDIT_DRAIN_SECONDS": 0.2,
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
        if key in ("INTAKE_AI_DATABASE_URL", "INTAKE_AI_SECRET_KEY", "INTAKE_AI_PUBLIC_URL"):
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
    config["SECRET_KEY"] = instance_secret(instance)

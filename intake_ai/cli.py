"""``flask`` commands: users, tokens, SMART clients, clients, schema, demo data, export/import."""

from __future__ import annotations

import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import click
from flask import Flask
from flask.cli import AppGroup, with_appcontext

from intake_ai.auth.scopes import ScopeError
from intake_ai.auth.tokens import issue_token
from intake_ai.demo.seed import DEMO_PASSWORD
from intake_ai.errors import InvalidInput, NotFound
from intake_ai.models import Role
from intake_ai.store import migrate
from intake_ai.store.database import transaction, utcnow

ROLE_NAMES = [role.value for role in Role]


def _fail(error: Exception) -> click.ClickException:
    if isinstance(error, InvalidInput):
        return click.ClickException(
            "; ".join(f"{k}: {', '.join(v)}" for k, v in error.errors.items())
        )
    return click.ClickException(str(error))


@click.command("upgrade")
@with_appcontext
@click.argument("revision", default="head")
def upgrade_command(revision: str) -> None:
    """Create or upgrade the module's tables (like `flask db upgrade`)."""
    migrate.upgrade(revision)
    click.echo(f"intake_ai schema at {revision}")


@click.command("create-user")
@with_appcontext
@click.argument("username")
@click.option("--role", required=True, type=click.Choice(ROLE_NAMES), help="What the user does.")
@click.option("--supervisor", help="Username of this clinician's supervisor.")
@click.option("--display-name", help="Name shown on pages (defaults to the username).")
@click.option("--password", help="Sign-in password (asked for if omitted).")
@click.option("--no-password", is_flag=True, help="No sign-in (API-only or host-login users).")
def create_user_command(
    username: str,
    role: str,
    supervisor: str | None,
    display_name: str | None,
    password: str | None,
    no_password: bool,
) -> None:
    """Create a user with a role (clinician, supervisor, admin, integrator)."""
    from intake_ai import directory

    if supervisor and role != Role.CLINICIAN.value:
        raise click.BadParameter("only a clinician has a supervisor", param_hint="--supervisor")
    if password is None and not no_password:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        with transaction():
            user = directory.create_user(
                username, display_name or username, Role(role), None if no_password else password
            )
            if supervisor:
                directory.assign_supervisor(directory.find_user(supervisor), user)
    except (InvalidInput, NotFound) as error:
        raise _fail(error) from error
    click.echo(f"created {role} {username!r} (id {user.id})")


@click.command("create-token")
@with_appcontext
@click.argument("username")
@click.option(
    "--scope",
    "scopes",
    multiple=True,
    required=True,
    help="SMART scope, e.g. system/Observation.read or system/*.read (repeatable).",
)
@click.option("--label", help="What the token is for (defaults to the username).")
@click.option("--expires-days", type=click.IntRange(min=1), help="Expire after N days.")
def create_token_command(
    username: str, scopes: tuple[str, ...], label: str | None, expires_days: int | None
) -> None:
    """Issue an API bearer token acting for USERNAME; the token is printed once."""
    from intake_ai import directory

    flat = [part for scope in scopes for part in scope.split()]
    expires = utcnow() + timedelta(days=expires_days) if expires_days else None
    try:
        with transaction():
            user = directory.find_user(username)
            _row, secret = issue_token(user, label or username, flat, expires)
    except ScopeError as error:
        raise click.BadParameter(str(error), param_hint="--scope") from error
    except NotFound as error:
        raise _fail(error) from error
    click.echo(secret)
    click.echo("Store this token now: it is not kept and cannot be shown again.", err=True)


@click.command("register-smart-client")
@with_appcontext
@click.argument("client_id")
@click.option("--integrator", required=True, help="Username of the integrator it acts as.")
@click.option(
    "--jwks",
    "jwks_file",
    required=True,
    type=click.File("r"),
    help="File holding the client's public JWKS (JSON; '-' reads standard input).",
)
@click.option(
    "--scope",
    "scopes",
    multiple=True,
    required=True,
    help="Most it may be granted, e.g. system/Observation.rs (repeatable).",
)
@click.option("--label", help="What the client is (defaults to the client id).")
def register_smart_client_command(
    client_id: str, integrator: str, jwks_file: Any, scopes: tuple[str, ...], label: str | None
) -> None:
    """Register a SMART Backend Services client (client_credentials, private_key_jwt)."""
    from intake_ai.smart import clients

    flat = [part for scope in scopes for part in scope.split()]
    try:
        with transaction():
            clients.register(client_id, label or client_id, integrator, jwks_file.read(), flat)
    except InvalidInput as error:
        raise _fail(error) from error
    click.echo(f"registered SMART client {client_id!r} acting as {integrator!r}")


@click.command("list-smart-clients")
@with_appcontext
def list_smart_clients_command() -> None:
    """List SMART client registrations: id, status, integrator user, allowed scopes."""
    from intake_ai.smart import clients

    with transaction():
        rows = [
            (r.client_id, "active" if r.active else "disabled", r.user.username, r.scopes)
            for r in clients.registrations()
        ]
    for client_id, status, username, scopes in rows:
        click.echo(f"{client_id}\t{status}\t{username}\t{scopes}")


@click.command("disable-smart-client")
@with_appcontext
@click.argument("client_id")
def disable_smart_client_command(client_id: str) -> None:
    """Disable a SMART client: no new tokens, and the tokens it holds stop working."""
    from intake_ai.smart import clients

    try:
        with transaction():
            clients.disable(client_id)
    except NotFound as error:
        raise _fail(error) from error
    click.echo(f"disabled SMART client {client_id!r}; its tokens no longer work")


@click.command("create-client")
@with_appcontext
@click.argument("ehr_patient_id")
@click.option("--name", "display_name", required=True, help="Name shown to the clinician.")
@click.option("--clinician", required=True, help="Username of the clinician of record.")
@click.option("--minor", is_flag=True, help="The client is under 18.")
def create_client_command(
    ehr_patient_id: str, display_name: str, clinician: str, minor: bool
) -> None:
    """Register a host EHR patient with the module."""
    from intake_ai import directory

    try:
        with transaction():
            client = directory.create_client(
                ehr_patient_id, display_name, directory.find_user(clinician), minor
            )
    except (InvalidInput, NotFound) as error:
        raise _fail(error) from error
    click.echo(f"registered client {client.id} ({client.pseudonym})")


@click.command("seed-demo")
@with_appcontext
@click.option("--clients", default=12, type=click.IntRange(1, 100_000), show_default=True)
@click.option(
    "--sessions",
    default=6,
    type=click.IntRange(1, 200),
    show_default=True,
    help="Sessions per client, the intake included.",
)
@click.option("--seed", default=7, type=int, show_default=True, help="Same seed, same data.")
@click.option("--password", default=DEMO_PASSWORD, show_default=True)
def seed_demo_command(clients: int, sessions: int, seed: int, password: str) -> None:
    """Fill an empty database with clearly fake demo people and their records."""
    from intake_ai.demo.seed import seed_demo

    try:
        logins = seed_demo(
            clients=clients, sessions=sessions, seed=seed, password=password, progress=click.echo
        )
    except InvalidInput as error:
        raise _fail(error) from error
    click.echo(f"Demo logins (password: {password}):")
    for username, role in logins:
        click.echo(f"  {username:<22} {role}")


@click.command("export")
@with_appcontext
@click.option(
    "--out",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False),
    help="Folder for the NDJSON files (one per type).",
)
@click.option("--type", "types", multiple=True, help="Only these resource types (repeatable).")
@click.option("--since", help="Only resources changed after this date or instant.")
@click.option(
    "--all-versions",
    is_flag=True,
    help="Every stored version, not only the current ones (for moving databases).",
)
def export_command(
    out_dir: str, types: tuple[str, ...], since: str | None, all_versions: bool
) -> None:
    """Export everything as NDJSON, streamed in constant memory, with a progress bar."""
    from intake_ai.fhir_api.bulk_files import export_to_folder

    try:
        written = export_to_folder(
            Path(out_dir), list(types), since, all_versions, progress=_progress
        )
    except ValueError as error:
        raise click.BadParameter(str(error)) from error
    for path, count in written:
        click.echo(f"{count:>9}  {path}")


@click.command("import")
@with_appcontext
@click.argument("folder", type=click.Path(exists=True, file_okay=False))
def import_command(folder: str) -> None:
    """Load an `export --all-versions` folder into an empty database (moving databases)."""
    from intake_ai.fhir_api.bulk_files import import_folder

    try:
        counts = import_folder(Path(folder), progress=_progress)
    except ValueError as error:
        raise click.ClickException(str(error)) from error
    for name, count in counts.items():
        click.echo(f"{count:>9}  {name}")


def _progress(label: str, total: int) -> Any:
    return click.progressbar(length=total, label=f"{label:<22}", show_pos=True, file=sys.stderr)


COMMANDS = [
    upgrade_command,
    create_user_command,
    create_token_command,
    register_smart_client_command,
    list_smart_clients_command,
    disable_smart_client_command,
    create_client_command,
    seed_demo_command,
    export_command,
    import_command,
]


def register_commands(app: Flask) -> None:
    group_name = app.config.get("INTAKE_AI_CLI_GROUP")
    if group_name:
        group = AppGroup(group_name, help="intake_ai commands.")
        for command in COMMANDS:
            group.add_command(command)
        app.cli.add_command(group)
    else:
        for command in COMMANDS:
            app.cli.add_command(command)

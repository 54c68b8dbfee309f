"""``flask`` commands: users, tokens, clients, schema, demo data, export/import (the SMART
client registry's are in ``smart/commands.py``)."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import click
from flask import Flask
from flask.cli import AppGroup, with_appcontext

from intake_ai.auth.scopes import ScopeError
from intake_ai.demo.seed import DEMO_PASSWORD
from intake_ai.errors import InvalidInput, NotFound, message_of
from intake_ai.forms.commands import PACKAGE_COMMANDS
from intake_ai.models import Role
from intake_ai.smart.commands import SMART_COMMANDS
from intake_ai.store import migrate
from intake_ai.store.database import transaction

ROLE_NAMES = [role.value for role in Role]


def _fail(error: Exception) -> click.ClickException:
    return click.ClickException(message_of(error))


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
@click.option("--temporary", is_flag=True, help="The user must change it at first sign-in.")
def create_user_command(
    username: str,
    role: str,
    supervisor: str | None,
    display_name: str | None,
    password: str | None,
    no_password: bool,
    temporary: bool,
) -> None:
    """Create a user with a role (clinician, supervisor, admin, integrator)."""
    from intake_ai.accounts import service

    if supervisor and role != Role.CLINICIAN.value:
        raise click.BadParameter("only a clinician has a supervisor", param_hint="--supervisor")
    if password is None and not no_password:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        with transaction():
            user = service.create_user(
                service.CommandLine(),
                username,
                display_name or username,
                Role(role),
                None if no_password else password,
                supervisor=supervisor,
                temporary=temporary and not no_password,
            )
    except (InvalidInput, NotFound) as error:
        raise _fail(error) from error
    click.echo(f"created {role} {username!r} (id {user.id})")


@click.command("set-password")
@with_appcontext
@click.argument("username")
@click.option("--password", help="The new password (asked for if omitted).")
@click.option("--temporary", is_flag=True, help="The user must change it at next sign-in.")
def set_password_command(username: str, password: str | None, temporary: bool) -> None:
    """Set a user's password (the password policy applies)."""
    from intake_ai.accounts import service

    if password is None:
        password = click.prompt("New password", hide_input=True, confirmation_prompt=True)
    try:
        with transaction():
            operator = service.CommandLine()
            user = service.find_user(operator, username)
            service.reset_password(operator, user, password, temporary=temporary)
    except (InvalidInput, NotFound) as error:
        raise _fail(error) from error
    must = "; it must be changed at next sign-in" if temporary else ""
    click.echo(f"password of {username!r} is set{must}")


def _set_active(username: str, active: bool) -> None:
    from intake_ai.accounts import service

    try:
        with transaction():
            operator = service.CommandLine()
            user = service.find_user(operator, username)
            service.set_active(operator, user, active)
            live = service.live_token_count(user)
    except (InvalidInput, NotFound) as error:
        raise _fail(error) from error
    if active:
        click.echo(f"{username!r} is active; {live} unrevoked, unexpired token(s) work again")
    else:
        click.echo(
            f"{username!r} is inactive; their {live} unrevoked, unexpired token(s) are not "
            "revoked but stop working while the user is inactive (revoke-token ID ends one)"
        )


@click.command("deactivate-user")
@with_appcontext
@click.argument("username")
def deactivate_user_command(username: str) -> None:
    """Stop a user signing in; their tokens stop working too, while they are inactive."""
    _set_active(username, False)


@click.command("reactivate-user")
@with_appcontext
@click.argument("username")
def reactivate_user_command(username: str) -> None:
    """Let a deactivated user sign in again (their unrevoked tokens work again)."""
    _set_active(username, True)


class ExpiryDays(click.ParamType):
    """A whole number of days, or ``never`` (which must be asked for explicitly)."""

    name = "days|never"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, int) or value == "never":
            return value
        if isinstance(value, str) and value.isdigit() and int(value) >= 1:
            return int(value)
        self.fail(f"{value!r} is neither a number of days (1 or more) nor 'never'", param, ctx)


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
@click.option(
    "--expires-days",
    type=ExpiryDays(),
    help="Expire after N days (default INTAKE_AI_TOKEN_DAYS, 90), or 'never'.",
)
def create_token_command(
    username: str, scopes: tuple[str, ...], label: str | None, expires_days: int | str | None
) -> None:
    """Issue an API bearer token acting for USERNAME; the token is printed once."""
    from intake_ai.accounts import api_tokens, service

    flat = [part for scope in scopes for part in scope.split()]
    try:
        with transaction():
            days = (
                None
                if expires_days == "never"
                else int(expires_days)
                if expires_days is not None
                else api_tokens.default_days()
            )
            operator = service.CommandLine()
            user = service.find_user(operator, username)
            row, secret = api_tokens.issue(operator, user, label or username, flat, days)
            expires = f"expires {row.expires_at:%Y-%m-%d %H:%M} UTC" if row.expires_at else ""
    except ScopeError as error:
        raise click.BadParameter(str(error), param_hint="--scope") from error
    except (InvalidInput, NotFound) as error:
        raise _fail(error) from error
    click.echo(secret)
    click.echo(f"Token {row.id}, {expires or 'never expires'}.", err=True)
    click.echo("Store this token now: it is not kept and cannot be shown again.", err=True)


def _when(moment: datetime | None) -> str:
    return f"{moment:%Y-%m-%d %H:%M}" if moment else "-"


@click.command("list-tokens")
@with_appcontext
@click.option("--user", "username", help="Only this user's tokens.")
def list_tokens_command(username: str | None) -> None:
    """List API tokens (never their secrets): user, name, scopes, dates (UTC), status."""
    from intake_ai.accounts import api_tokens, service

    try:
        with transaction():
            operator = service.CommandLine()
            user = service.find_user(operator, username) if username else None
            rows = api_tokens.list_tokens(operator, user)
            lines = [
                "\t".join(
                    [
                        str(row.token.id),
                        row.token.user.username,
                        row.token.name,
                        row.token.scopes,
                        _when(row.token.created_at),
                        _when(row.token.expires_at) if row.token.expires_at else "never",
                        _when(row.token.last_used_at),
                        _when(row.token.revoked_at),
                        row.status,
                    ]
                )
                for row in rows
            ]
    except NotFound as error:
        raise _fail(error) from error
    click.echo("id\tuser\tname\tscopes\tcreated\texpires\tlast used\trevoked\tstatus")
    for line in lines:
        click.echo(line)


@click.command("revoke-token")
@with_appcontext
@click.argument("token_id", type=click.IntRange(min=1))
def revoke_token_command(token_id: int) -> None:
    """Revoke an API token for good (its id is in list-tokens)."""
    from intake_ai.accounts import api_tokens, service

    try:
        with transaction():
            token = api_tokens.revoke(service.CommandLine(), token_id)
            name, owner = token.name, token.user.username
    except (InvalidInput, NotFound) as error:
        raise _fail(error) from error
    click.echo(f"revoked token {token_id} ({name!r} of {owner!r})")


@click.command("unlock-user")
@with_appcontext
@click.argument("username")
def unlock_user_command(username: str) -> None:
    """Lift the sign-in delay or lock on USERNAME after failed attempts."""
    from intake_ai.auth.sign_in import unlock

    with transaction():
        was_locked = unlock(username)
    click.echo(f"{username!r}: " + ("unlocked" if was_locked else "was not locked"))


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
    set_password_command,
    deactivate_user_command,
    reactivate_user_command,
    create_token_command,
    list_tokens_command,
    revoke_token_command,
    unlock_user_command,
    *SMART_COMMANDS,
    create_client_command,
    seed_demo_command,
    export_command,
    import_command,
    *PACKAGE_COMMANDS,
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

"""``flask`` commands of the SMART client registry: register, list, disable."""

from __future__ import annotations

from typing import Any

import click
from flask.cli import with_appcontext

from intake_ai.errors import InvalidInput, NotFound, message_of
from intake_ai.store.database import transaction


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
        raise click.ClickException(message_of(error)) from error
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
        raise click.ClickException(message_of(error)) from error
    click.echo(f"disabled SMART client {client_id!r}; its tokens no longer work")


SMART_COMMANDS = [
    register_smart_client_command,
    list_smart_clients_command,
    disable_smart_client_command,
]

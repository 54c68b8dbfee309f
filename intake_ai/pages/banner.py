"""The red-flag banner shown on every page that belongs to a client."""

from __future__ import annotations

from flask import g

from intake_ai.auth.actors import page_actor
from intake_ai.risk.flag_views import open_flag_views


def show_banner_for(client_id: int) -> None:
    """This page belongs to a client (access already checked): show their open flags on it."""
    g.intake_banner_client = client_id


def forget() -> None:
    """This page shows no client after all (it answers "not found")."""
    g.pop("intake_banner_client", None)


def client_flags() -> list[object]:
    """Open flags of the client this page belongs to, "review now" first."""
    client_id = g.get("intake_banner_client")
    viewer = page_actor()
    if client_id is None or viewer is None:
        return []
    return list(open_flag_views(client_id, viewer))

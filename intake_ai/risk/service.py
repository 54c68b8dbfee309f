"""Scoring and flagging after answers are stored (same unit of work)."""

from __future__ import annotations

from intake_ai.auth.actors import Actor
from intake_ai.models import Client, Encounter, StoredResource


def after_answers(
    actor: Actor, client: Client, encounter: Encounter, response: StoredResource
) -> None:
    """Recompute the indicator and raise flags from the answers just stored."""

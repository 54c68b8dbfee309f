"""Demo session notes (recorded once session notes exist)."""

from __future__ import annotations

import random

from intake_ai.auth.actors import Actor
from intake_ai.models import Client, Encounter


def record_demo_notes(
    actor: Actor, client: Client, encounters: list[Encounter], profile: str, rng: random.Random
) -> None:
    return None

"""Clinical demo records (intake answers and session notes) for a demo client."""

from __future__ import annotations

import random

from intake_ai.models import Client, User


def record_demo_history(client: Client, clinician: User, rng: random.Random) -> None:
    """Record the intake and session notes of a demo client (filled in as features land)."""
    return None

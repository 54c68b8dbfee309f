"""Clinical demo records: an intake per client and, later, session notes.

Each demo client gets a usage profile (light, moderate or heavy) and answers drawn from it,
so the demo shows the full range: low and high indicator bands, flags, consent pending.
"""

from __future__ import annotations

import random
from typing import Any

from flask import g

from fhir_mappings.definitions import answer_lists as lists
from fhir_mappings.definitions.intake import INTAKE
from intake_ai.auth.actors import Actor
from intake_ai.forms.schema import load_answers
from intake_ai.models import Client, User

PROFILES = ("none", "light", "moderate", "heavy")


def _pick(rng: random.Random, options: tuple[str, ...], level: int) -> str:
    """An option biased towards the heavy end by ``level`` (0-3)."""
    index = min(len(options) - 1, max(0, round(rng.gauss(level * (len(options) - 1) / 3, 0.8))))
    return options[index]


def intake_answers(rng: random.Random, profile: str, discuss_first: bool) -> dict[str, Any]:
    level = PROFILES.index(profile)
    data: dict[str, Any] = {}
    if profile == "none":
        data["tools"] = [lists.TOOL_NONE]
    else:
        tools = [c for c in lists.AI_TOOLS.codes if c not in (lists.TOOL_NONE, lists.TOOL_OTHER)]
        data["tools"] = rng.sample(tools, k=min(len(tools), 1 + level))
        data["days-per-week"] = _pick(rng, lists.DAYS_PER_WEEK.codes, level)
        data["time-per-day"] = _pick(rng, lists.TIME_PER_DAY.codes[:5], level)
        data["when"] = rng.sample(lists.WHEN.codes, k=1 + level // 2)
        for purpose in lists.PURPOSES.codes:
            if rng.random() < 0.6:
                data[purpose] = _pick(rng, lists.FREQUENCY.codes, level - 1)
        data["shared"] = rng.sample(lists.SHARED.codes[1:6], k=level)
        data["comfort-vs-people"] = _pick(rng, lists.COMFORT.codes, level + 1)
        data["comfort-vs-therapist"] = _pick(rng, lists.COMFORT.codes, level)
        data["privacy-awareness"] = rng.choice(lists.PRIVACY_AWARENESS.codes)
        for item in ("withdrawal", "loss-of-control", "displacement", "conflict", "reassurance"):
            data[item] = _pick(rng, lists.RELIANCE.codes, level)
        data["framing"] = _pick(rng, lists.FRAMING.codes[:4], level)
        data["advice-conflict"] = "yes" if rng.random() < 0.1 * level else "no"
        data["helped"] = rng.choice(["yes", "no"])
        data["bring-to-session"] = rng.choice(lists.BRING_TO_SESSION.codes)
        if rng.random() < 0.15:
            data.setdefault("declined", []).append("reassurance")
            data.pop("reassurance")
    if discuss_first:
        data["consent-record"] = lists.CONSENT_DISCUSS
    else:
        data["consent-record"] = lists.CONSENT_AGREE
        data["consent-terms"] = "true"
        data["research-opt-in"] = "true" if rng.random() < 0.3 else "false"
    return data


def record_demo_history(client: Client, clinician: User, rng: random.Random) -> None:
    """Record the intake (at the first session) and the session notes of a demo client."""
    from intake_ai.intake import service as intake_service

    actor = Actor(user=clinician)
    g.intake_actor = actor  # the demo records are audited as the clinician's
    encounters = sorted(client.encounters, key=lambda e: e.start)
    profile = rng.choices(PROFILES, weights=(1, 3, 4, 2))[0]
    discuss_first = rng.random() < 0.08
    answers = load_answers(INTAKE, intake_answers(rng, profile, discuss_first))
    intake_service.submit(actor, encounters[0].id, answers)
    if discuss_first:
        return
    from intake_ai.demo.notes import record_demo_notes

    record_demo_notes(actor, client, encounters[1:], profile, rng)

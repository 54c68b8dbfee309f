"""Demo session notes: each demo client drifts up or down over the weeks, with the odd
"not discussed" note, flags now and then, some reviews, overrides and annotations."""

from __future__ import annotations

import random
from typing import Any

from fhir_mappings.definitions import answer_lists as lists
from fhir_mappings.definitions.session_note import SESSION_NOTE
from intake_ai.auth.actors import Actor
from intake_ai.forms.schema import load_answers
from intake_ai.models import Client, Encounter
from intake_ai.risk import flag_records
from intake_ai.sessions import service as notes

PROFILE_LEVEL = {"none": 0.0, "light": 1.0, "moderate": 2.0, "heavy": 3.0}


def _pick(rng: random.Random, options: tuple[str, ...], level: float) -> str:
    index = round(rng.gauss(level * (len(options) - 1) / 3, 0.7))
    return options[min(len(options) - 1, max(0, index))]


def note_answers(rng: random.Random, level: float, is_minor: bool) -> dict[str, Any]:
    if rng.random() < 0.07:
        return {"any-use": lists.USE_NOT_DISCUSSED, "plan": ["plan-revisit"]}
    if level < 0.5 and rng.random() < 0.6:
        return {"any-use": lists.USE_NO, "privacy-concern": "no"}
    tools = [c for c in lists.AI_TOOLS_USED.codes if c != lists.TOOL_OTHER]
    purposes = list(lists.PURPOSES.codes)
    if not is_minor:
        purposes.remove("purpose-romantic")
    data: dict[str, Any] = {
        "any-use": lists.USE_YES,
        "tools": rng.sample(tools, k=1 + int(level > 2)),
        "days-per-week": _pick(rng, lists.DAYS_PER_WEEK.codes, level),
        "time-per-day": _pick(rng, lists.TIME_PER_DAY.codes[:5], level),
        "main-purposes": rng.sample(purposes[:12], k=1 + int(level > 1.5)),
        "reliance-rating": str(max(0, min(10, round(rng.gauss(level * 2.5, 1.2))))),
        "distress-unavailable": _pick(rng, lists.DISTRESS.codes, level - 0.5),
        "crisis-use": "crisis-distress" if rng.random() < 0.02 * level else "crisis-no",
        "themes": rng.sample(lists.THEMES.codes[:8], k=1 + int(level > 2)),
        "reply-use": [_pick(rng, lists.REPLY_USE.codes, level)],
        "advice-fit": "fit-conflict-treatment"
        if rng.random() < 0.01 * level
        else rng.choice(("fit-supportive", "fit-neutral")),
        "easier-than-therapist": _pick(rng, lists.EASIER.codes, level),
        "framing": _pick(rng, lists.FRAMING.codes[:4], level),
        "human-contact": "contact-less" if rng.random() < 0.06 * level else "contact-same",
        "validation-loop": "yes" if rng.random() < 0.15 * level else "no",
        "privacy-concern": "yes" if rng.random() < 0.05 else "no",
        "plan": [
            rng.choice(("plan-none", "plan-revisit", "plan-psychoeducation", "plan-agreement"))
        ],
    }
    return data


def record_demo_notes(
    actor: Actor, client: Client, encounters: list[Encounter], profile: str, rng: random.Random
) -> None:
    level = PROFILE_LEVEL[profile]
    drift = rng.choice((-0.15, 0.0, 0.1, 0.2))
    for encounter in encounters:
        level = max(0.0, min(3.0, level + drift + rng.gauss(0, 0.25)))
        answers = load_answers(SESSION_NOTE, note_answers(rng, level, client.is_minor))
        review = None
        roll = rng.random()
        if roll < 0.3:
            review = notes.ReviewChoice(agree=True)
        elif roll < 0.38:
            review = notes.ReviewChoice(
                agree=False,
                band=rng.choice(("band-low", "band-moderate")),
                reason="Use is part of an agreed plan (demo)",
            )
        annotation = "Talked through how the replies landed (demo)." if rng.random() < 0.2 else None
        notes.submit(actor, encounter.id, answers, review, annotation)
    # Older flags were seen to; the latest ones are left open for the demo.
    for flag in flag_records.open_flags(client.id)[:-1]:
        if rng.random() < 0.5:
            flag_records.acknowledge_flag(
                actor, flag["id"], "Discussed in session (demo).", actor.user.id
            )

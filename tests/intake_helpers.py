"""Shared helpers for the intake and session-note tests."""

from __future__ import annotations

import html
import json
import re
from typing import Any

from sqlalchemy import func, select

from intake_ai.models import StoredResource
from intake_ai.store.database import session

CLINICAL_TYPES = ("QuestionnaireResponse", "Observation", "Consent", "Flag")

#: A typical intake of a client who uses AI chat daily for support.
FULL_INTAKE: dict[str, Any] = {
    "tools": ["tool-chatgpt", "tool-replika", "tool-other"],
    "tools-other": "Pi",
    "days-per-week": "dpw-5-6",
    "time-per-day": "tpd-2-4h",
    "when": ["when-evening", "when-after-midnight"],
    "purpose-looking-up": "freq-sometimes",
    "purpose-emotional-support": "freq-often",
    "purpose-company": "freq-often",
    "shared": ["shared-feelings", "shared-identifying"],
    "comfort-vs-people": "comfort-much-easier",
    "comfort-vs-therapist": "comfort-easier",
    "privacy-awareness": "privacy-partly",
    "privacy-tips": "true",
    "withdrawal": "reliance-3",
    "loss-of-control": "reliance-2",
    "displacement": "reliance-3",
    "conflict": "reliance-1",
    "framing": "framing-friend",
    "advice-conflict": "no",
    "helped": "yes",
    "helped-detail": "Planned an apology to my sister",
    "bring-to-session": "bring-maybe",
    "declined": ["reassurance"],
    "consent-record": "consent-agree",
    "consent-terms": "true",
}


def count_clinical(app) -> dict[str, int]:  # type: ignore[no-untyped-def]
    with app.app_context():
        rows = (
            session()
            .execute(
                select(StoredResource.resource_type, func.count())
                .where(StoredResource.resource_type.in_(CLINICAL_TYPES))
                .group_by(StoredResource.resource_type)
            )
            .all()
        )
    return {kind: n for kind, n in rows}


def review_answers(page: str) -> str:
    """The hidden answers field of a review page."""
    match = re.search(r'name="answers" value="([^"]*)"', page)
    assert match, "no review step on this page"
    return html.unescape(match.group(1))


def submit_intake(client, encounter_id: int, answers: dict[str, Any]) -> Any:  # type: ignore[no-untyped-def]
    """Review, then save, as a clinician does; returns the final response."""
    review = client.post(f"/sessions/{encounter_id}/intake", data={**answers, "action": "review"})
    assert review.status_code == 200, review.get_data(as_text=True)[:2000]
    carried = review_answers(review.get_data(as_text=True))
    assert json.loads(carried)
    return client.post(
        f"/sessions/{encounter_id}/intake", data={"answers": carried, "action": "save"}
    )


def field_block(page: str, link_id: str) -> str:
    """The HTML of a question's own fieldset, as text with the tags kept."""
    match = re.search(rf'id="q-{re.escape(link_id)}"(.*?)</fieldset>', page, re.S)
    assert match, f"no question {link_id} on the page"
    return html.unescape(match.group(1))


def field_errors(page: str, link_id: str) -> list[str]:
    """The error messages shown inside a question's own fieldset (or grid row)."""
    match = re.search(rf'id="q-{re.escape(link_id)}"(.*?)(</fieldset>|</tr>)', page, re.S)
    assert match, f"no question {link_id} on the page"
    return [
        html.unescape(m) for m in re.findall(r'<p class="error"[^>]*>(.*?)</p>', match.group(1))
    ]


#: A worrying between-session note: heavy use, distress, self-harm thoughts disclosed to AI.
WORRYING_NOTE: dict[str, Any] = {
    "any-use": "use-yes",
    "tools": ["tool-replika"],
    "days-per-week": "dpw-every-day",
    "time-per-day": "tpd-over-4h",
    "main-purposes": ["purpose-company"],
    "reliance-rating": "9",
    "distress-unavailable": "distress-marked",
    "crisis-use": "crisis-self-harm",
    "themes": ["theme-mood", "theme-other"],
    "themes-other": "Loneliness at night",
    "human-contact": "contact-less",
    "framing": "framing-companion",
    "validation-loop": "yes",
    "privacy-concern": "no",
    "plan": ["plan-risk-assessment", "plan-consult-supervisor"],
}

#: A calm note: little use, nothing flagged.
CALM_NOTE: dict[str, Any] = {
    "any-use": "use-yes",
    "tools": ["tool-chatgpt"],
    "days-per-week": "dpw-1-2",
    "time-per-day": "tpd-under-15m",
    "main-purposes": ["purpose-writing"],
    "reliance-rating": "1",
    "distress-unavailable": "distress-none",
    "crisis-use": "crisis-no",
    "human-contact": "contact-same",
    "framing": "framing-tool",
    "plan": ["plan-none"],
}


def submit_note(
    client,
    encounter_id: int,
    answers: dict[str, Any],  # type: ignore[no-untyped-def]
    review: dict[str, str] | None = None,
    annotation: str = "",
) -> Any:
    page = client.post(
        f"/sessions/{encounter_id}/note",
        data={**answers, "annotation": annotation, "action": "review"},
    )
    assert page.status_code == 200, page.get_data(as_text=True)[:3000]
    carried = review_answers(page.get_data(as_text=True))
    return client.post(
        f"/sessions/{encounter_id}/note",
        data={"answers": carried, "annotation": annotation, "action": "save", **(review or {})},
    )

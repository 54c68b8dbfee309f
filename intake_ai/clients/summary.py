"""The client's summary for the host EHR's progress note: a short plain-text paragraph.

``summary_facts`` reads what the client page already holds (so a supervisor's copy has
the same redactions as their page); ``summary_text`` is pure: facts in, paragraph out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from fhir_mappings.definitions.risk import RULES_VERSION

if TYPE_CHECKING:
    from intake_ai.clients.timeline import ClientTimeline, NoteView


@dataclass(frozen=True)
class SummaryFacts:
    client: str
    #: "moderate (score 8 of 18)", or None with no score yet.
    band: str | None
    inputs: list[str] = field(default_factory=list)
    override: str | None = None
    trend: str = ""
    rising: list[str] = field(default_factory=list)
    #: "Days of use per week: 1–2 days → 5–6 days", between the last two notes.
    changes: list[str] = field(default_factory=list)
    #: True when there is no earlier note to compare with.
    first_note: bool = True
    flags: list[str] = field(default_factory=list)
    plan: str | None = None
    last_session: str | None = None


def summary_text(facts: SummaryFacts) -> str:
    """One paragraph, plain text, for pasting into a progress note."""
    parts = [f"AI chat use ({facts.client})."]
    if facts.last_session:
        parts.append(f"Last recorded session: {facts.last_session}.")
    if facts.band is None:
        parts.append("No dependency-risk score yet.")
    else:
        made_of = "; ".join(facts.inputs) if facts.inputs else "no inputs scored points"
        parts.append(
            f"Dependency-risk indicator (provisional, {RULES_VERSION}): {facts.band}, "
            f"trend {facts.trend}; made of: {made_of}."
        )
        if facts.override:
            parts.append(f"Clinician's band: {facts.override}.")
        if facts.rising:
            parts.append(f"Rising risk: {'; '.join(facts.rising)}.")
    if facts.changes:
        parts.append(f"Changes since the last session: {'; '.join(facts.changes)}.")
    elif not facts.first_note:
        parts.append("No change since the last session in the items tracked.")
    if facts.flags:
        parts.append(f"Open flags: {'; '.join(facts.flags)}.")
    else:
        parts.append("No open flags.")
    if facts.plan:
        parts.append(f"Plan: {facts.plan}.")
    return " ".join(parts)


def _rows(note: NoteView) -> dict[str, str]:
    return {row.item.display_label: row.text for row in note.summary if not row.hidden}


def summary_facts(page: ClientTimeline, last_session: str | None = None) -> SummaryFacts:
    """The facts of the summary, from the client page as this reader sees it."""
    notes = [
        e.note
        for e in page.sessions
        if e.note is not None and e.note.row.status != "entered-in-error"
    ]
    changes: list[str] = []
    if len(notes) >= 2:
        before, after = _rows(notes[-2]), _rows(notes[-1])
        changes = [
            f"{label}: {before.get(label, 'not recorded')} → {text}"
            for label, text in after.items()
            if before.get(label) != text and label != "Plan"
        ]
    plan = (
        next((r.text for r in notes[-1].summary if r.item.link_id == "plan"), None)
        if notes
        else None
    )
    indicator = page.indicator
    return SummaryFacts(
        client=page.client.display_name,
        band=(
            f"{indicator.band_display.lower()} (score {indicator.score} of {indicator.max_score})"
            if indicator
            else None
        ),
        # The tags without the record each came from: the note is short, the page has them.
        inputs=[tag.split(", from ")[0] for tag in indicator.tags] if indicator else [],
        override=(
            indicator.override.band_display.lower() if indicator and indicator.override else None
        ),
        trend=page.course.arrow_words,
        rising=list(page.course.rising),
        changes=changes,
        first_note=len(notes) < 2,
        flags=[f"{f.urgency_display}: {f.display}" for f in page.flags],
        plan=plan,
        last_session=last_session,
    )

"""The numbers every page shows about a client's course, computed once (pure).

The client page, the clinician's worklist, the supervisor's caseload table and the
rising-risk list all read the same stored indicator scores (``risk/trend_query.py``) and
turn them into a trend and rising-risk reasons here, so that they cannot disagree.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NamedTuple

from fhir_mappings.definitions.risk import BANDS, MAX_SCORE, band_for

BAND_ORDER = {band.code: index for index, band in enumerate(BANDS)}
#: The rising-risk rule's window for "score +3".
RISING_WINDOW = timedelta(days=30)
#: What the arrows mean, for screen readers and the printed summary.
ARROW_WORDS = {"↑": "rising", "↓": "falling", "→": "unchanged", "new": "first score"}


#: Each possible score's band, looked up once: a caseload of 10,000 asks it 50,000 times.
_BAND_OF = {score: band_for(score).code for score in range(MAX_SCORE + 1)}


class Score(NamedTuple):
    """One stored indicator score (a tuple: tens of thousands are built per caseload page)."""

    when: datetime
    score: int

    @property
    def band(self) -> str:
        found = _BAND_OF.get(self.score)
        return found if found is not None else band_for(self.score).code


def trend_arrow(scores: Sequence[Score]) -> str:
    """↑, ↓ or → comparing the latest score with the one before (newest first)."""
    if len(scores) < 2:
        return "new"
    change = scores[0].score - scores[1].score
    return "↑" if change > 0 else "↓" if change < 0 else "→"


def rising_reasons(scores: Sequence[Score], window: timedelta = RISING_WINDOW) -> list[str]:
    """Why a client counts as rising risk (newest score first); empty if they do not."""
    if not scores:
        return []
    latest = scores[0]
    reasons = []
    if len(scores) >= 2 and BAND_ORDER[latest.band] > BAND_ORDER[scores[1].band]:
        reasons.append(
            f"band up: {scores[1].band.removeprefix('band-')} → {latest.band.removeprefix('band-')}"
        )
    recent = [s.score for s in scores[1:] if s.when >= latest.when - window]
    if recent and latest.score - min(recent) >= 3:
        reasons.append(f"score +{latest.score - min(recent)} within 30 days")
    if len(scores) >= 2 and latest.band == scores[1].band == "band-high":
        reasons.append("two high notes in a row")
    return reasons


@dataclass(frozen=True)
class Course:
    """A client's latest score, its band, the trend arrow and why it counts as rising."""

    score: int | None
    band: str | None
    arrow: str
    rising: list[str]
    when: datetime | None

    @property
    def arrow_words(self) -> str:
        return ARROW_WORDS[self.arrow]


def course_of(scores: Sequence[Score]) -> Course:
    """The one reading of a client's recent scores (newest first) every page shows."""
    latest = scores[0] if scores else None
    return Course(
        latest.score if latest else None,
        latest.band if latest else None,
        trend_arrow(scores),
        rising_reasons(scores),
        latest.when if latest else None,
    )

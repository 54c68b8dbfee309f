"""The export's figures as the review page shows them: words and numbers, per week and day."""

from __future__ import annotations

from dataclasses import dataclass

from fhir_mappings.usage_export import TRENDS
from intake_ai.usage_export.metrics import (
    AFTER_MIDNIGHT_END_HOUR,
    GAP_MINUTES,
    MESSAGE_MINUTES,
    UsageFigures,
)
from intake_ai.usage_export.parsing import PROVIDER_NAMES


def duration(minutes: int | None) -> str:
    if minutes is None:
        return "–"
    hours, rest = divmod(minutes, 60)
    return f"{hours} h {rest:02d} min" if hours else f"{rest} min"


def share(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:.0f}%"


@dataclass(frozen=True)
class ReviewView:
    provider: str
    first: str
    last: str
    summary: list[tuple[str, str]]
    week_header: list[str]
    weeks: list[list[str]]
    day_header: list[str]
    days: list[list[str]]
    method: str


def review_view(figures: UsageFigures) -> ReviewView:
    summary = [
        ("Chatbot", PROVIDER_NAMES[figures.provider]),
        ("Messages dated", f"{figures.first:%d %b %Y} to {figures.last:%d %b %Y}"),
        ("Weeks", str(len(figures.weeks))),
        ("Conversations with a message from the client", str(figures.conversations)),
        ("Messages the client sent", str(figures.messages)),
        ("Share of the client's messages after midnight", share(figures.after_midnight_share)),
        (
            "Longest stretch of use",
            f"{duration(figures.longest_minutes)} (from {figures.longest_start:%d %b %Y %H:%M})",
        ),
        (
            "Trend of estimated time (last 4 weeks against the 4 before)",
            TRENDS[figures.trend].display,
        ),
    ]
    if figures.undated:
        summary.append(("Messages without a time (not counted)", str(figures.undated)))
    weeks = [
        [
            f"{w.start:%d %b %Y}",
            str(w.conversations),
            str(w.messages),
            str(w.active_days),
            duration(w.minutes),
            duration(w.minutes_per_active_day),
            share(w.after_midnight_share),
            duration(w.longest_minutes),
        ]
        for w in figures.weeks
    ]
    days = [
        [
            f"{d.day:%a %d %b %Y}",
            str(d.conversations),
            str(d.messages),
            duration(d.minutes),
            str(d.after_midnight),
        ]
        for d in figures.days
    ]
    return ReviewView(
        provider=PROVIDER_NAMES[figures.provider],
        first=f"{figures.first:%d %b %Y}",
        last=f"{figures.last:%d %b %Y}",
        summary=summary,
        week_header=[
            "Week of",
            "Conversations",
            "Messages sent",
            "Active days",
            "Estimated time",
            "Time on a day of use",
            "After midnight",
            "Longest stretch",
        ],
        weeks=weeks,
        day_header=["Day", "Conversations", "Messages sent", "Estimated time", "After midnight"],
        days=days,
        method=(
            f"Estimated time joins messages less than {GAP_MINUTES} minutes apart into one "
            f"stretch, from its first message to its last plus {MESSAGE_MINUTES} minute. "
            f"After midnight means 00:00 to {AFTER_MIDNIGHT_END_HOUR:02d}:00 clinic time."
        ),
    )

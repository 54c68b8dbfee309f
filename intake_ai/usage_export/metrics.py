"""Usage figures from an export's timeline, per day and per week of the clinic's calendar.

Pure: no Flask, no database; the clinic's time zone is passed in. What each figure means
(the README says the same for clinicians):

- conversations: conversations with at least one message from the client that day/week;
- messages: messages the client sent;
- active days: days of the week with at least one message from the client;
- estimated time: messages (both sides) closer than ``GAP_MINUTES`` are joined into one
  stretch of use, lasting from its first message to its last plus ``MESSAGE_MINUTES``
  (reading the last reply); a stretch counts on the day it starts;
- after midnight: the share of the client's messages sent from midnight to
  ``AFTER_MIDNIGHT_END_HOUR`` o'clock, clinic time;
- longest stretch: the longest stretch of use (minutes);
- trend: estimated time in the last ``TREND_WEEKS`` weeks against the ``TREND_WEEKS``
  before, rising or falling by more than ``TREND_CHANGE`` (a share), else steady.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from intake_ai.usage_export.parsing import Timeline

#: Messages closer than this belong to one stretch of use. Thirty minutes is the
#: inactivity cut web analytics use for a visit; a chat's turns come within a few minutes
#: of each other, and a half-hour silence means the client put it down.
GAP_MINUTES = 30
#: Added to every stretch for reading its last reply (a lone message is a minute of use).
MESSAGE_MINUTES = 1
#: "After midnight" runs from 00:00 up to this hour, clinic time (the intake's "when").
AFTER_MIDNIGHT_END_HOUR = 5
TREND_WEEKS = 4
TREND_CHANGE = 0.25
TRENDS = ("rising", "falling", "steady", "too-short")


@dataclass(frozen=True)
class DayFigures:
    day: date
    conversations: int
    messages: int
    minutes: int
    after_midnight: int


@dataclass(frozen=True)
class WeekFigures:
    #: The Monday the week starts on, in the clinic's calendar.
    start: date
    conversations: int
    messages: int
    active_days: int
    minutes: int
    #: Client's messages after midnight / all client's messages (None without messages).
    after_midnight_share: float | None
    longest_minutes: int

    @property
    def minutes_per_active_day(self) -> int | None:
        return round(self.minutes / self.active_days) if self.active_days else None


@dataclass(frozen=True)
class UsageFigures:
    provider: str
    first: datetime
    last: datetime
    conversations: int
    messages: int
    undated: int
    days: list[DayFigures]
    weeks: list[WeekFigures]
    after_midnight_share: float | None
    longest_minutes: int
    #: When the longest stretch started (clinic time).
    longest_start: datetime
    trend: str


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _stretches(times: list[float]) -> list[tuple[float, float]]:
    """(start, end) of each stretch of use, from sorted times."""
    gap = GAP_MINUTES * 60
    stretches: list[tuple[float, float]] = []
    start = end = times[0]
    for moment in times[1:]:
        if moment - end < gap:
            end = moment
        else:
            stretches.append((start, end))
            start = end = moment
    stretches.append((start, end))
    return stretches


def _minutes(start: float, end: float) -> int:
    return round((end - start) / 60) + MESSAGE_MINUTES


def trend_of(weeks: list[WeekFigures]) -> str:
    if len(weeks) < 2 * TREND_WEEKS:
        return "too-short"
    before = sum(w.minutes for w in weeks[-2 * TREND_WEEKS : -TREND_WEEKS])
    after = sum(w.minutes for w in weeks[-TREND_WEEKS:])
    if after > before * (1 + TREND_CHANGE):
        return "rising"
    if after < before * (1 - TREND_CHANGE):
        return "falling"
    return "steady"


def usage_figures(timeline: Timeline, zone: ZoneInfo) -> UsageFigures:
    """The figures of ``timeline`` in ``zone``; raises ValueError when nothing is dated."""
    if not timeline.times:
        raise ValueError("no dated messages")

    def local(moment: float) -> datetime:
        return datetime.fromtimestamp(moment, UTC).astimezone(zone)

    messages: dict[date, int] = defaultdict(int)
    late: dict[date, int] = defaultdict(int)
    talks: dict[date, set[int]] = defaultdict(set)
    for moment, from_client, conversation in zip(
        timeline.times, timeline.client, timeline.conversation, strict=True
    ):
        if not from_client:
            continue
        when = local(moment)
        day = when.date()
        messages[day] += 1
        talks[day].add(conversation)
        if when.hour < AFTER_MIDNIGHT_END_HOUR:
            late[day] += 1
    ordered = sorted(timeline.times)
    minutes: dict[date, int] = defaultdict(int)
    longest: dict[date, int] = defaultdict(int)
    best = (0, ordered[0])
    for start, end in _stretches(ordered):
        day = local(start).date()
        length = _minutes(start, end)
        minutes[day] += length
        longest[day] = max(longest[day], length)
        if length > best[0]:
            best = (length, start)
    del ordered
    active = sorted(set(messages) | set(minutes))
    days = [
        DayFigures(d, len(talks.get(d, ())), messages.get(d, 0), minutes.get(d, 0), late.get(d, 0))
        for d in active
    ]
    by_week: dict[date, list[DayFigures]] = defaultdict(list)
    for figures in days:
        by_week[_monday(figures.day)].append(figures)
    weeks = []
    monday, last_monday = _monday(active[0]), _monday(active[-1])
    while monday <= last_monday:
        week = by_week.get(monday, [])
        sent = sum(d.messages for d in week)
        conversations: set[int] = set()
        for d in week:
            conversations |= talks.get(d.day, set())
        weeks.append(
            WeekFigures(
                monday,
                len(conversations),
                sent,
                sum(1 for d in week if d.messages),
                sum(d.minutes for d in week),
                sum(d.after_midnight for d in week) / sent if sent else None,
                max((longest.get(d.day, 0) for d in week), default=0),
            )
        )
        monday += timedelta(days=7)
    sent_all = sum(d.messages for d in days)
    return UsageFigures(
        provider=timeline.provider,
        first=local(min(timeline.times)),
        last=local(max(timeline.times)),
        conversations=len({c for d in days for c in talks.get(d.day, ())}),
        messages=sent_all,
        undated=timeline.undated,
        days=days,
        weeks=weeks,
        after_midnight_share=sum(d.after_midnight for d in days) / sent_all if sent_all else None,
        longest_minutes=best[0],
        longest_start=local(best[1]),
        trend=trend_of(weeks),
    )

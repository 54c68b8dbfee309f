"""Reading ChatGPT and Claude exports (the .zip or its conversations.json) into figures."""

from __future__ import annotations

import io
from datetime import date
from zoneinfo import ZoneInfo

import pytest

from intake_ai.demo.exports import FakeConversation, export_json, export_zip
from intake_ai.usage_export.metrics import GAP_MINUTES, trend_of, usage_figures
from intake_ai.usage_export.parsing import read_export
from tests.export_helpers import CONVERSATIONS, at

UTC_ZONE = ZoneInfo("UTC")


@pytest.mark.parametrize("provider", ["chatgpt", "claude"])
@pytest.mark.parametrize("packing", [export_json, export_zip])
def test_each_provider_is_detected_and_read_from_zip_or_json(provider, packing) -> None:
    timeline = read_export(io.BytesIO(packing(provider, CONVERSATIONS)))
    assert timeline.provider == provider
    assert timeline.conversations == 4
    # The regenerated ChatGPT reply off the shown branch is not counted.
    assert len(timeline.times) == 16
    assert sum(timeline.client) == 8


def test_chatgpt_follows_current_node_through_parents_only() -> None:
    talk = FakeConversation("x", [at(0, 0), at(0, 1)], abandoned_reply=at(0, 50))
    timeline = read_export(io.BytesIO(export_json("chatgpt", [talk])))
    assert sorted(timeline.times) == [at(0, 0), at(0, 1)]


@pytest.mark.parametrize("sender", ["human", "user", "Human"])
def test_claude_senders_spelled_several_ways_are_the_client(sender) -> None:
    data = export_json("claude", CONVERSATIONS, client_sender=sender)
    assert sum(read_export(io.BytesIO(data)).client) == 8


def test_figures_per_day_and_week() -> None:
    figures = usage_figures(read_export(io.BytesIO(export_zip("chatgpt", CONVERSATIONS))), UTC_ZONE)
    monday = figures.days[0]
    assert monday.day == date(2026, 10, 5)
    assert (monday.conversations, monday.messages) == (1, 4)
    # 09:00-09:10 is one stretch (11 min), 11:00-11:01 another (2 min).
    assert monday.minutes == 11 + 2
    week1, week2 = figures.weeks
    assert week1.start == date(2026, 10, 5) and week2.start == date(2026, 10, 12)
    assert (week1.conversations, week1.messages, week1.active_days) == (3, 6, 3)
    assert week1.after_midnight_share == pytest.approx(1 / 6)
    assert week1.longest_minutes == 11
    # Week 2: turns 20 minutes apart join (under the gap), 41 minutes + 1.
    assert GAP_MINUTES > 20
    assert (week2.minutes, week2.longest_minutes, week2.active_days) == (42, 42, 1)
    assert figures.longest_minutes == 42
    assert figures.trend == "too-short"


def test_after_midnight_is_counted_in_the_clinic_time_zone() -> None:
    timeline = read_export(io.BytesIO(export_json("claude", CONVERSATIONS)))
    # 09:00 UTC is 02:00 in Los Angeles (PDT): Monday's, Tuesday's and next week's
    # messages are after midnight there, Thursday 01:00 UTC is Wednesday evening.
    figures = usage_figures(timeline, ZoneInfo("America/Los_Angeles"))
    assert figures.after_midnight_share == pytest.approx(7 / 8)
    assert usage_figures(timeline, UTC_ZONE).after_midnight_share == pytest.approx(1 / 8)


def test_a_gap_at_the_limit_splits_the_stretch() -> None:
    talk = FakeConversation("x", [at(0, 0), at(0, GAP_MINUTES)])
    figures = usage_figures(read_export(io.BytesIO(export_json("claude", [talk]))), UTC_ZONE)
    assert figures.days[0].minutes == 2 and figures.longest_minutes == 1


def test_trend_compares_the_last_weeks_with_the_ones_before() -> None:
    talks = [
        FakeConversation(f"w{w}", [at(7 * w, 0), at(7 * w, minutes)])
        for w, minutes in enumerate([10, 10, 10, 10, 10, 25, 25, 25])
    ]
    timeline = read_export(io.BytesIO(export_json("claude", talks)))
    figures = usage_figures(timeline, UTC_ZONE)
    assert len(figures.weeks) == 8
    assert figures.trend == "rising"
    assert trend_of(list(reversed(figures.weeks))) == "falling"
    assert trend_of(figures.weeks[:1] * 8) == "steady"


def test_a_week_without_use_is_a_week_of_zeros() -> None:
    talks = [FakeConversation("a", [at(0, 0)]), FakeConversation("b", [at(14, 0)])]
    figures = usage_figures(read_export(io.BytesIO(export_json("claude", talks))), UTC_ZONE)
    assert [w.active_days for w in figures.weeks] == [1, 0, 1]
    assert figures.weeks[1].after_midnight_share is None

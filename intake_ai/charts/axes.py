"""Axis ranges honest to the data: dates around what was recorded, scales at their real range.

Left to itself plotly invents axes for what is not there: an empty date axis spans January
to December 2000, a lone date gets a range of milliseconds, an empty count axis runs from
-1. Every figure sets its ranges from here instead.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from babel.dates import format_date as babel_date
from babel.dates import get_date_format

from intake_ai.pages.formats import clinic_locale

#: Plotly axis settings, passed to ``update_xaxes`` / ``update_yaxes``.
Axis = dict[str, object]
#: Either side of a lone session date.
LONE_DATE_MARGIN = timedelta(days=3)


def _day_first() -> bool:
    """Whether the clinic's locale writes the day before the month (babel's medium date)."""
    pattern = get_date_format("medium", locale=clinic_locale()).pattern
    return pattern.find("d") < pattern.find("M")


def _axis_formats() -> tuple[str, str]:
    """plotly (d3) tick and hover formats in the order the pages write dates."""
    if _day_first():
        return "%-d %b<br>%Y", "%-d %b %Y"
    return "%b %-d,<br>%Y", "%b %-d, %Y"


def date_axis(moments: Iterable[datetime]) -> Axis:
    """A date x axis from a few days before the first moment to a few days after the last.

    Callers draw no date axis when there is nothing to plot, so ``moments`` is not empty.
    """
    found = sorted(moments)
    if not found:
        raise ValueError("a date axis needs at least one date")
    first, last = found[0], found[-1]
    margin = max(LONE_DATE_MARGIN, (last - first) / 20)
    ticks, hover = _axis_formats()
    return {
        "type": "date",
        "range": [_iso(first - margin), _iso(last + margin)],
        # Day and month over the year: two short lines fit a phone without slanting.
        "tickformat": ticks,
        "hoverformat": hover,
        "nticks": 6,
    }


def day(moment: datetime) -> str:
    """A date as every page writes it (the clinic's locale): Sep 7, 2026 in en_US."""
    return babel_date(moment, format="medium", locale=clinic_locale())


def _iso(moment: datetime) -> str:
    # Plotly reads naive ISO text as wall time; dates are compared at the day's resolution.
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def ordinal_axis(labels: list[str]) -> Axis:
    """An answer scale: one tick per answer, lowest at the bottom, nothing beyond its ends."""
    return {
        "tickmode": "array",
        "tickvals": list(range(len(labels))),
        "ticktext": labels,
        "range": [-0.5, len(labels) - 0.5],
        "fixedrange": True,
    }


def number_axis(low: float, high: float) -> Axis:
    """A numeric scale shown at its real range (0–10, 0–18), never autoscaled past it."""
    pad = (high - low) / 20
    return {"range": [low - pad, high + pad], "fixedrange": True}


def count_axis(largest: int) -> Axis:
    """Counts from 0 (never -1) to a little above the largest, in whole numbers."""
    return {
        "range": [0, max(largest, 1) * 1.1],
        "tickformat": "d",
        "rangemode": "tozero",
        "dtick": max(1, round(largest / 5)) if largest > 5 else 1,
        "fixedrange": True,
    }


def wrap(label: str, width: int = 22) -> str:
    """A long category label broken over lines (plotly's <br>), so narrow screens keep it."""
    lines: list[str] = []
    for word in label.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return "<br>".join(lines)

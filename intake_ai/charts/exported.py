"""The weeks measured from a client's export, drawn on the client-reported answer scales.

The client answers days a week and time a day by choosing a band of the definition's
answer list; a week from the export is placed in the band its measured figure falls in,
so both sit on one scale, and its hover text gives the exact figure. Pure: no database.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import plotly.graph_objects as go

from fhir_mappings.definitions import answer_lists as lists
from fhir_mappings.definitions.model import AnswerList
from intake_ai.charts import axes, style
from intake_ai.charts.data import ExportWeekPoint

FROM_EXPORT = "From export (per week)"
CLIENT_REPORTED = "Client-reported (per session)"

#: The lowest active days of each days-a-week band (a week with none: less than weekly).
DAYS_BANDS = (
    (0, "dpw-less-than-weekly"),
    (1, "dpw-1-2"),
    (3, "dpw-3-4"),
    (5, "dpw-5-6"),
    (7, "dpw-every-day"),
)
#: The lowest minutes of each time-a-day band.
TIME_BANDS = (
    (0, "tpd-under-15m"),
    (15, "tpd-15-60m"),
    (60, "tpd-1-2h"),
    (120, "tpd-2-4h"),
    (240, "tpd-over-4h"),
)
assert {code for _low, code in DAYS_BANDS} == set(lists.DAYS_PER_WEEK.codes)
assert {code for _low, code in TIME_BANDS} <= set(lists.TIME_PER_DAY.codes)


def band_of(value: int, bands: Sequence[tuple[int, str]]) -> str:
    """The code of the band ``value`` falls in."""
    found = bands[0][1]
    for low, code in bands:
        if value >= low:
            found = code
    return found


def days_trace(weeks: Sequence[ExportWeekPoint], scale: AnswerList) -> go.Scatter:
    codes = list(scale.codes)
    return go.Scatter(
        x=[w.when for w in weeks],
        y=[codes.index(band_of(w.active_days, DAYS_BANDS)) for w in weeks],
        mode="lines+markers",
        name=FROM_EXPORT,
        legendgroup="export",
        marker=style.marker(style.EXPORT_DAYS),
        line={"color": style.EXPORT_DAYS.colour, "dash": style.EXPORT_DASH},
        text=[
            f"Week of {axes.day(w.when)} ({w.provider} export): {w.active_days} active days"
            for w in weeks
        ],
        hovertemplate="%{text}<extra></extra>",
    )


def time_trace(weeks: Sequence[ExportWeekPoint], scale: AnswerList) -> go.Scatter:
    shown = [w for w in weeks if w.minutes_per_day is not None]
    codes = list(scale.codes)
    return go.Scatter(
        x=[w.when for w in shown],
        y=[codes.index(band_of(w.minutes_per_day or 0, TIME_BANDS)) for w in shown],
        mode="lines+markers",
        name=FROM_EXPORT,
        legendgroup="export",
        showlegend=False,
        marker=style.marker(style.EXPORT_TIME),
        line={"color": style.EXPORT_TIME.colour, "dash": style.EXPORT_DASH},
        text=[
            f"Week of {axes.day(w.when)} ({w.provider} export): about "
            f"{w.minutes_per_day} min on a day of use"
            for w in shown
        ],
        hovertemplate="%{text}<extra></extra>",
    )


def table_rows(weeks: Sequence[ExportWeekPoint], width: int) -> list[tuple[datetime, list[str]]]:
    """The export's weeks as dated rows of the client's trend table (days and time columns)."""
    rows = []
    for w in weeks:
        time = f"about {w.minutes_per_day} min a day" if w.minutes_per_day is not None else ""
        row = [axes.day(w.when), f"{w.active_days} active days (from export)", time]
        rows.append(
            (w.when, row + [""] * (width - len(row) - 1) + [f"Week from the {w.provider} export"])
        )
    return rows

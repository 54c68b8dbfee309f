"""A client's trend figures from chart data: pure functions, no database, no Flask.

Every trace carries the exact answer in its hover text, and the figures have a table twin
(``table.py``) with the same numbers for screen readers and printing. A figure with
nothing to draw is None (the page says so in words, never with empty axes); every date axis
of a client spans the same dates (``axes.date_axis`` of all that was recorded) and every
answer scale its real range; colours come from ``style.py`` (one per code, for every
client). Titles are the page's headings, not drawn in the plot, so they wrap on a phone.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import plotly.graph_objects as go

from fhir_mappings.definitions import answer_lists as lists
from fhir_mappings.definitions.model import AnswerList
from fhir_mappings.definitions.risk import BANDS, MAX_SCORE, URGENCIES, flag_kind
from intake_ai.charts import axes, exported, style
from intake_ai.charts.data import ClientTrends, FlagPoint, SessionPoint
from intake_ai.charts.embed import Chart, chart
from intake_ai.charts.purposes import purposes_figure

TIME_SCALE = lists.TIME_PER_DAY.without("tpd-not-sure", id="time", title="time")
#: "review-now" -> "Review now", from the definitions' urgency concepts.
URGENCY_NAMES = {c.code.removeprefix("urgency-"): c.display for c in URGENCIES}
NO_DATA = "No session notes yet: the charts start with the intake and grow with each note."


def _ordinal(
    answers: AnswerList, points: Sequence[SessionPoint], attribute: str, mark: style.Mark
) -> go.Scatter:
    codes = list(answers.codes)
    shown = [p for p in points if getattr(p, attribute) in codes]
    return go.Scatter(
        x=[p.when for p in shown],
        y=[codes.index(getattr(p, attribute)) for p in shown],
        mode="lines+markers",
        name=answers.title,
        marker=style.marker(mark),
        line={"color": mark.colour},
        text=[
            f"{axes.day(p.when)}: {answers.option(getattr(p, attribute)).display}" for p in shown
        ],
        hovertemplate="%{text}<extra></extra>",
        showlegend=False,
    )


def usage_figure(trends: ClientTrends, dates: axes.Axis) -> go.Figure | None:
    """Days a week and time a day, session by session, each on its own answer scale; beside
    them, the weeks measured from the client's export (on the same scales)."""
    days = _ordinal(lists.DAYS_PER_WEEK, trends.sessions, "days", style.DAYS)
    time = _ordinal(TIME_SCALE, trends.sessions, "time", style.TIME)
    weeks = trends.export_weeks
    if not (days.x or time.x or weeks):
        return None
    if weeks:
        # Two sources on one scale: the legend names them.
        days.update(name=exported.CLIENT_REPORTED, showlegend=True, legendgroup="reported")
        time.update(name=exported.CLIENT_REPORTED, legendgroup="reported")
    figure = style.figure(
        440,
        rows=2,
        cols=1,
        shared_xaxes=True,
        vertical_spacing=0.14,
        subplot_titles=("Days a week", "Time on a day of use"),
    )
    figure.add_trace(days, row=1, col=1)
    figure.add_trace(time, row=2, col=1)
    if weeks:
        figure.add_trace(exported.days_trace(weeks, lists.DAYS_PER_WEEK), row=1, col=1)
        figure.add_trace(exported.time_trace(weeks, TIME_SCALE), row=2, col=1)
    for row, scale in enumerate((lists.DAYS_PER_WEEK, TIME_SCALE), start=1):
        figure.update_yaxes(axes.ordinal_axis([o.display for o in scale.options]), row=row, col=1)
    figure.update_xaxes(dates)
    figure.update_xaxes(title={"text": "Week" if weeks else "Session"}, row=2, col=1)
    return figure


def reliance_figure(trends: ClientTrends, dates: axes.Axis) -> go.Figure | None:
    shown = [p for p in trends.sessions if p.reliance is not None]
    if not shown:
        return None
    figure = style.figure(320)
    figure.add_trace(
        go.Scatter(
            x=[p.when for p in shown],
            y=[p.reliance for p in shown],
            mode="lines+markers",
            name="Reliance",
            marker=style.marker(style.RELIANCE),
            line={"color": style.RELIANCE.colour},
            text=[f"{axes.day(p.when)}: {p.reliance:g} of 10" for p in shown],
            hovertemplate="%{text}<extra>Reliance to cope</extra>",
            showlegend=False,
        )
    )
    figure.update_xaxes(dates, title={"text": "Session"})
    figure.update_yaxes(axes.number_axis(0, 10), title={"text": "0–10"}, dtick=2)
    return figure


def _flag_traces(flags: Sequence[FlagPoint]) -> list[go.Scatter]:
    """One point per day and urgency (flags raised together share it and its hover text)."""
    traces = []
    for urgency, mark in style.URGENCIES.items():
        days: dict[str, list[FlagPoint]] = {}
        for flag in sorted(flags, key=lambda f: f.when):
            if flag_kind(flag.code).urgency == urgency:
                days.setdefault(axes.day(flag.when), []).append(flag)
        if not days:
            continue
        traces.append(
            go.Scatter(
                x=[group[0].when for group in days.values()],
                y=[URGENCY_NAMES[urgency]] * len(days),
                mode="markers",
                name=f"Flag: {URGENCY_NAMES[urgency].lower()}",
                marker={
                    **style.marker(mark, size=13),
                    "color": [style.FLAGS[group[0].code].colour for group in days.values()],
                },
                text=[
                    f"{day}: "
                    + "; ".join(
                        flag_kind(f.code).display + (" (acknowledged)" if f.acknowledged else "")
                        for f in group
                    )
                    for day, group in days.items()
                ],
                hovertemplate="%{text}<extra></extra>",
            )
        )
    return traces


def _score_traces(scored: Sequence[SessionPoint]) -> list[go.Scatter]:
    traces = [
        go.Scatter(
            x=[p.when for p in scored],
            y=[p.score for p in scored],
            mode="lines+markers",
            name="Score (rules-v1)",
            marker=style.marker(style.SCORE),
            line={"color": style.SCORE.colour},
            text=[
                f"{axes.day(p.when)}: score {p.score}, {p.band.removeprefix('band-')} (provisional)"
                for p in scored
                if p.band
            ],
            hovertemplate="%{text}<extra></extra>",
        )
    ]
    overridden = [p for p in scored if p.override_band and p.band]
    if overridden:
        traces.append(
            go.Scatter(
                x=[p.when for p in overridden],
                y=[p.score for p in overridden],
                mode="markers",
                name="Overridden by the clinician",
                marker={**style.marker(style.OVERRIDE, size=13), "line": {"width": 2}},
                text=[
                    f"{axes.day(p.when)}: computed {(p.band or '').removeprefix('band-')}, "
                    f"clinician's band {(p.override_band or '').removeprefix('band-')}"
                    for p in overridden
                ],
                hovertemplate="%{text}<extra></extra>",
            )
        )
    return traces


def indicator_figure(trends: ClientTrends, dates: axes.Axis) -> go.Figure | None:
    """The score with its provisional bands shaded and overrides marked; red flags in a strip
    above it, one row per urgency, on the same dates."""
    scored = [p for p in trends.sessions if p.score is not None]
    if not scored and not trends.flags:
        return None
    flags = _flag_traces(trends.flags)
    row = 2 if flags else 1  # the score's panel
    figure = style.figure(
        420 if flags else 360,
        rows=row,
        cols=1,
        shared_xaxes=True,
        vertical_spacing=0.06,
        row_heights=[0.22, 0.78] if flags else None,
    )
    for trace in _score_traces(scored):
        figure.add_trace(trace, row=row, col=1)
    for trace in flags:
        figure.add_trace(trace, row=1, col=1)
    if flags:
        present = [name for name in URGENCY_NAMES.values() if any(t.y[0] == name for t in flags)]
        figure.update_yaxes(
            type="category",
            categoryorder="array",
            categoryarray=list(reversed(present)),
            range=[-0.6, len(present) - 0.4],
            fixedrange=True,
            showgrid=False,
            row=1,
            col=1,
        )
    for band in BANDS:
        figure.add_hrect(
            y0=band.low - 0.5,
            y1=band.high + 0.5,
            line_width=0,
            fillcolor=style.tint(style.BAND_COLOURS[band.code], 0.16),
            layer="below",
            annotation_text=f"{band.display} (provisional)",
            annotation_position="top left",
            annotation_font={"color": style.INK, "size": 12},
            row=row,
            col=1,
        )
    figure.update_xaxes(dates)
    figure.update_xaxes(title={"text": "Session"}, row=row, col=1)
    figure.update_yaxes(
        axes.number_axis(0, MAX_SCORE),
        title={"text": f"Score (0–{MAX_SCORE})"},
        dtick=3,
        row=row,
        col=1,
    )
    return figure


Builder = Callable[[ClientTrends, axes.Axis], "go.Figure | None"]
#: The client's charts, in page order: name -> (title, figure, what the page says without it).
CHARTS: dict[str, tuple[str, Builder, str]] = {
    "usage": (
        "Days a week and time a day",
        usage_figure,
        "No answers on days a week or time a day yet.",
    ),
    "reliance": (
        "Reliance on AI to cope (0–10, client-reported)",
        reliance_figure,
        "No reliance ratings yet: each session note asks for one (0–10).",
    ),
    "indicator": (
        "Dependency-risk indicator (bands provisional)",
        indicator_figure,
        "No indicator score yet.",
    ),
    "purposes": (
        "Purposes: at intake and in session notes",
        purposes_figure,
        "No purposes recorded yet.",
    ),
}


def client_charts(trends: ClientTrends) -> dict[str, Chart]:
    """The client's charts, each drawn or saying why not; none at all when nothing is recorded."""
    if trends.empty:
        return {}
    dates = axes.date_axis(trends.moments())
    return {
        name: chart(title, build(trends, dates), empty)
        for name, (title, build, empty) in CHARTS.items()
    }

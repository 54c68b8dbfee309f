"""Plotly figures from chart data: pure functions, no database, no Flask.

Every trace carries the exact answer in its hover text, and every figure has a table twin
(``*_table``) with the same numbers for screen readers and printing.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import plotly.graph_objects as go

from fhir_mappings.definitions import answer_lists as lists
from fhir_mappings.definitions.model import AnswerList
from fhir_mappings.definitions.risk import BANDS, MAX_SCORE, flag_kind
from intake_ai.charts.data import ClientTrends, SessionPoint

BAND_COLOURS = {
    "band-low": "rgba(43,110,63,0.10)",
    "band-moderate": "rgba(138,90,0,0.12)",
    "band-high": "rgba(164,22,26,0.12)",
}
URGENCY_SYMBOL = {"review-now": "triangle-up", "this-session": "diamond", "info": "circle"}
Table = tuple[list[str], list[list[str]]]


def _layout(title: str, y_title: str, **extra: object) -> dict[str, object]:
    return {
        "title": {"text": title, "x": 0},
        "height": 320,
        "margin": {"l": 60, "r": 20, "t": 50, "b": 50},
        "yaxis": {"title": {"text": y_title}},
        "xaxis": {"title": {"text": "Session"}, "type": "date", "tickformat": "%-d %b %Y"},
        "hovermode": "closest",
        "legend": {"orientation": "h", "y": -0.25},
        **extra,
    }


def _day(moment: datetime) -> str:
    return moment.strftime("%-d %b %Y")


def _ordinal(
    answers: AnswerList, points: Sequence[SessionPoint], attribute: str, name: str
) -> go.Scatter:
    codes = list(answers.codes)
    shown = [p for p in points if getattr(p, attribute) in codes]
    return go.Scatter(
        x=[p.when for p in shown],
        y=[codes.index(getattr(p, attribute)) for p in shown],
        mode="lines+markers",
        name=name,
        text=[f"{_day(p.when)}: {answers.option(getattr(p, attribute)).display}" for p in shown],
        hovertemplate="%{text}<extra>" + name + "</extra>",
    )


def usage_figure(trends: ClientTrends) -> go.Figure:
    """Days per week and time per day, session by session (ordinal scales)."""
    days, time = (
        lists.DAYS_PER_WEEK,
        lists.TIME_PER_DAY.without("tpd-not-sure", id="time", title="time"),
    )
    figure = go.Figure(
        [
            _ordinal(days, trends.sessions, "days", "Days a week"),
            _ordinal(time, trends.sessions, "time", "Time a day"),
        ]
    )
    figure.update_layout(**_layout("Days a week and time a day", "Answer (ordered)"))
    figure.update_layout(
        yaxis={
            "tickvals": list(range(6)),
            "ticktext": [
                "<1 day / <15 min",
                "1–2 d / 15–60 min",
                "3–4 d / 1–2 h",
                "5–6 d / 2–4 h",
                "every day / >4 h",
                "",
            ],
            "range": [-0.3, 4.3],
        }
    )
    return figure


def reliance_figure(trends: ClientTrends) -> go.Figure:
    shown = [p for p in trends.sessions if p.reliance is not None]
    figure = go.Figure(
        [
            go.Scatter(
                x=[p.when for p in shown],
                y=[p.reliance for p in shown],
                mode="lines+markers",
                name="Reliance",
                text=[f"{_day(p.when)}: {p.reliance:g} of 10" for p in shown],
                hovertemplate="%{text}<extra>Reliance to cope</extra>",
            )
        ]
    )
    figure.update_layout(**_layout("Reliance on AI to cope (0–10, client-reported)", "0–10"))
    figure.update_layout(yaxis={"range": [-0.5, 10.5]})
    return figure


def indicator_figure(trends: ClientTrends) -> go.Figure:
    """The score with its provisional bands shaded, overrides and red flags marked."""
    scored = [p for p in trends.sessions if p.score is not None]
    traces: list[go.Scatter] = [
        go.Scatter(
            x=[p.when for p in scored],
            y=[p.score for p in scored],
            mode="lines+markers",
            name="Score (rules-v1)",
            text=[
                f"{_day(p.when)}: score {p.score}, {p.band.removeprefix('band-')} (provisional)"
                for p in scored
                if p.band
            ],
            hovertemplate="%{text}<extra></extra>",
        )
    ]
    overridden = [p for p in scored if p.override_band]
    if overridden:
        traces.append(
            go.Scatter(
                x=[p.when for p in overridden],
                y=[p.score for p in overridden],
                mode="markers",
                name="Overridden by the clinician",
                marker={"symbol": "x", "size": 12, "line": {"width": 2}},
                text=[
                    f"{_day(p.when)}: computed {p.band.removeprefix('band-')}, clinician's band "
                    f"{(p.override_band or '').removeprefix('band-')}"
                    for p in overridden
                    if p.band
                ],
                hovertemplate="%{text}<extra></extra>",
            )
        )
    for urgency, symbol in URGENCY_SYMBOL.items():
        flags = [f for f in trends.flags if flag_kind(f.code).urgency == urgency]
        if flags:
            traces.append(
                go.Scatter(
                    x=[f.when for f in flags],
                    y=[MAX_SCORE + 0.5] * len(flags),
                    mode="markers",
                    name=f"Flag: {urgency.replace('-', ' ')}",
                    marker={"symbol": symbol, "size": 11},
                    text=[
                        f"{_day(f.when)}: {flag_kind(f.code).display}"
                        f"{' (acknowledged)' if f.acknowledged else ''}"
                        for f in flags
                    ],
                    hovertemplate="%{text}<extra></extra>",
                )
            )
    figure = go.Figure(traces)
    for band in BANDS:
        figure.add_hrect(
            y0=band.low - 0.5,
            y1=band.high + 0.5,
            line_width=0,
            fillcolor=BAND_COLOURS[band.code],
            layer="below",
            annotation_text=f"{band.display} (provisional)",
            annotation_position="top left",
        )
    figure.update_layout(
        **_layout("Dependency-risk indicator (bands provisional)", f"Score (0–{MAX_SCORE})")
    )
    figure.update_layout(yaxis={"range": [-0.5, MAX_SCORE + 1.2]})
    return figure


def purposes_figure(trends: ClientTrends) -> go.Figure:
    """Purposes named per session (intake: used sometimes or often; notes: main purposes)."""
    dates = sorted({when for when, _code in trends.purposes})
    traces = []
    for option in lists.PURPOSES.options:
        counts = [trends.purposes.get((when, option.code), 0) for when in dates]
        if any(counts):
            traces.append(
                go.Bar(
                    x=dates,
                    y=counts,
                    name=option.display,
                    text=[f"{_day(d)}: {option.display}" for d in dates],
                    hovertemplate="%{text}<extra></extra>",
                    textposition="none",
                )
            )
    figure = go.Figure(traces)
    figure.update_layout(**_layout("Purposes over time", "Purposes named"), barmode="stack")
    return figure


def client_figures(trends: ClientTrends) -> dict[str, go.Figure]:
    return {
        "usage": usage_figure(trends),
        "reliance": reliance_figure(trends),
        "indicator": indicator_figure(trends),
        "purposes": purposes_figure(trends),
    }


def client_table(trends: ClientTrends) -> Table:
    """The same numbers as the figures, one row per session."""
    header = [
        "Session",
        "Days a week",
        "Time a day",
        "Reliance (0–10)",
        "Score",
        "Band (provisional)",
        "Clinician's band",
        "Purposes named",
    ]
    rows = []
    for p in trends.sessions:
        purposes = sorted(
            lists.PURPOSES.option(code).display
            for (when, code), n in trends.purposes.items()
            if when == p.when and n
        )
        rows.append(
            [
                _day(p.when),
                lists.DAYS_PER_WEEK.option(p.days).display if p.days else "",
                lists.TIME_PER_DAY.option(p.time).display if p.time else "",
                f"{p.reliance:g}" if p.reliance is not None else "",
                str(p.score) if p.score is not None else "",
                (p.band or "").removeprefix("band-"),
                (p.override_band or "").removeprefix("band-"),
                ", ".join(purposes),
            ]
        )
    for flag in trends.flags:
        rows.append(
            [_day(flag.when), "", "", "", "", "", "", f"Flag: {flag_kind(flag.code).display}"]
        )
    rows.sort(key=lambda r: datetime.strptime(r[0], "%d %b %Y"))
    return header, rows


def distribution_figure(
    title: str, counts: dict[str, int | None], labels: dict[str, str], minimum: int
) -> go.Figure:
    """Counts per group as bars; groups too small to show (None) are named, not drawn."""
    shown = [(labels.get(k, k), n) for k, n in counts.items() if n is not None]
    hidden = [labels.get(k, k) for k, n in counts.items() if n is None]
    figure = go.Figure(
        [
            go.Bar(
                x=[name for name, _n in shown],
                y=[n for _name, n in shown],
                text=[f"{name}: {n} clients" for name, n in shown],
                hovertemplate="%{text}<extra></extra>",
                textposition="none",
                name="Clients",
            )
        ]
    )
    layout = _layout(title, "Clients")
    layout["xaxis"] = {"title": {"text": ""}, "type": "category"}
    figure.update_layout(**layout)
    if hidden:
        figure.add_annotation(
            text=f"Hidden (fewer than {minimum} clients): {', '.join(hidden)}",
            xref="paper",
            yref="paper",
            x=0,
            y=-0.35,
            showarrow=False,
            xanchor="left",
            font={"size": 11},
        )
    return figure

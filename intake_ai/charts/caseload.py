"""The supervisor's caseload aggregates as figures: counts per group, small groups hidden.

Groups hidden for having fewer than the minimum number of clients are named in a caption
under the chart (HTML, outside the plot), never drawn as an annotation that could sit on top
of the axis labels; when every group is hidden there is no chart at all, only the sentence.
"""

from __future__ import annotations

import plotly.graph_objects as go

from intake_ai.charts import axes, style
from intake_ai.charts.embed import Chart, chart


def distribution_figure(
    counts: dict[str, int | None],
    labels: dict[str, str],
    colours: dict[str, style.Mark],
) -> go.Figure | None:
    """Counts per group as horizontal bars (long names stay readable on a phone)."""
    shown = [(code, n) for code, n in counts.items() if n is not None]
    if not shown:
        return None
    figure = style.figure(100 + 40 * len(shown))
    figure.add_trace(
        go.Bar(
            y=[axes.wrap(labels.get(code, code)) for code, _n in shown],
            x=[n for _code, n in shown],
            orientation="h",
            marker=style.bar_marker([colours[code] for code, _n in shown]),
            text=[f"{labels.get(code, code)}: {n} clients" for code, n in shown],
            hovertemplate="%{text}<extra></extra>",
            textposition="none",
            name="Clients",
        )
    )
    figure.update_layout(showlegend=False, bargap=0.3)
    figure.update_xaxes(axes.count_axis(max(n for _code, n in shown)), title={"text": "Clients"})
    figure.update_yaxes(type="category", autorange="reversed", fixedrange=True)
    return figure


def distribution_chart(
    title: str,
    counts: dict[str, int | None],
    labels: dict[str, str],
    colours: dict[str, style.Mark],
    minimum: int,
    nothing: str,
) -> Chart:
    """The chart, its caption naming the hidden groups, or why there is nothing to show."""
    hidden = [labels.get(code, code) for code, n in counts.items() if n is None]
    caption = f"Hidden (fewer than {minimum} clients): {', '.join(hidden)}." if hidden else ""
    if not counts:
        empty = nothing
    else:
        empty = f"Every group has fewer than {minimum} clients, so none is shown."
    return chart(title, distribution_figure(counts, labels, colours), empty, caption)

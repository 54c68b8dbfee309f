"""Figures handed to the page as JSON data blocks (never executed), drawn by static/js."""

from __future__ import annotations

from dataclasses import dataclass

import plotly.io as pio
from markupsafe import Markup
from plotly.graph_objects import Figure


def figure_json(figure: Figure) -> Markup:
    """The figure as JSON safe inside <script type="application/json"> (no "</" breaks out)."""
    text = pio.to_json(figure, validate=False, engine="json")
    escaped = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(escaped)  # noqa: S704 (escaped above: nothing in it can end the block)


@dataclass(frozen=True)
class Chart:
    """One chart of a page: its figure as JSON, or the sentence saying why there is none."""

    title: str
    #: None when there is nothing to draw: the page shows ``empty`` instead of axes.
    data: Markup | None
    empty: str = ""
    #: A line under the chart, outside the plot so it can never cover the axis labels.
    caption: str = ""


def chart(title: str, figure: Figure | None, empty: str, caption: str = "") -> Chart:
    return Chart(title, figure_json(figure) if figure is not None else None, empty, caption)

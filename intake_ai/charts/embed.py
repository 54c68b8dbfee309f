"""Figures handed to the page as JSON data blocks (never executed), drawn by static/js."""

from __future__ import annotations

import plotly.io as pio
from markupsafe import Markup
from plotly.graph_objects import Figure


def figure_json(figure: Figure) -> Markup:
    """The figure as JSON safe inside <script type="application/json"> (no "</" breaks out)."""
    text = pio.to_json(figure, validate=False, engine="json")
    escaped = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(escaped)  # noqa: S704 (escaped above: nothing in it can end the block)

"""The one chart style: the palette, the colour of every code, and the plotly template.

Colours come from the Okabe–Ito palette, which stays distinguishable with the common
colour-vision deficiencies. Each purpose, flag kind and band keeps its colour on every chart
and for every client because the colour is looked up by the definition's code here, never
taken from plotly's colour cycle in the order traces happen to be drawn. Vermillion is kept
for "review now" alone: nothing else on any chart is drawn in the alarm colour.

Every marker and bar has a dark outline, so its edge stands out from the white plot area
(3:1) even where the fill is a light colour, and shapes (symbols, hatching) tell apart what
colour alone would not.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import plotly.graph_objects as go
import plotly.io as pio
from plotly.subplots import make_subplots

from fhir_mappings.definitions import answer_lists as lists
from fhir_mappings.definitions.risk import BANDS, FLAG_KINDS

#: Okabe & Ito (2008), "Color Universal Design".
OKABE_ITO = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky-blue": "#56B4E9",
    "bluish-green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish-purple": "#CC79A7",
}
#: "Review now", and nothing else.
ALARM = OKABE_ITO["vermillion"]
#: The page's own ink, muted text and rule colours (static/css/intake_ai.css :root).
INK = "#1d2330"
MUTED = "#5b6475"
GRID = "#d6dae2"
#: Every colour but the alarm and black (the score's), in the order series take them.
SERIES = tuple(colour for name, colour in OKABE_ITO.items() if colour != ALARM and name != "black")


@dataclass(frozen=True)
class Mark:
    """How one code is drawn: fill colour, marker symbol, bar hatching ("" for solid)."""

    colour: str
    symbol: str = "circle"
    pattern: str = ""


#: The client's own series.
DAYS = Mark(OKABE_ITO["blue"], "circle")
TIME = Mark(OKABE_ITO["orange"], "square")
RELIANCE = Mark(OKABE_ITO["bluish-green"], "circle")
SCORE = Mark(OKABE_ITO["black"], "circle")
#: The same series measured from the client's own export: same colour, an open diamond on a
#: dashed line, so "from export" and "client-reported" differ in shape and line, not hue.
EXPORT_DAYS = Mark(OKABE_ITO["blue"], "diamond-open")
EXPORT_TIME = Mark(OKABE_ITO["orange"], "diamond-open")
EXPORT_DASH = "dash"
OVERRIDE = Mark(OKABE_ITO["blue"], "x")

#: Fourteen purposes, six colours: the second and third rounds are hatched differently.
#: (Where purposes are points, the row names the purpose and the symbol says the source.)
_HATCHING = ("", "/", "x")
PURPOSES: dict[str, Mark] = {
    option.code: Mark(SERIES[i % len(SERIES)], pattern=_HATCHING[i // len(SERIES)])
    for i, option in enumerate(lists.PURPOSES.options)
}

#: Each urgency's colour and symbol; a flag kind takes its urgency's.
URGENCIES: dict[str, Mark] = {
    "review-now": Mark(ALARM, "triangle-up"),
    "this-session": Mark(OKABE_ITO["orange"], "diamond"),
    "info": Mark(OKABE_ITO["sky-blue"], "circle"),
}
FLAGS: dict[str, Mark] = {kind.code: URGENCIES[kind.urgency] for kind in FLAG_KINDS}

#: The provisional bands: solid on the dashboard, a light tint behind the indicator.
BAND_COLOURS: dict[str, str] = {
    "band-low": OKABE_ITO["bluish-green"],
    "band-moderate": OKABE_ITO["yellow"],
    "band-high": OKABE_ITO["reddish-purple"],
}
assert set(BAND_COLOURS) == {band.code for band in BANDS}
BAND_MARKS: dict[str, Mark] = {code: Mark(colour) for code, colour in BAND_COLOURS.items()}


def tint(colour: str, opacity: float) -> str:
    """``#RRGGBB`` as ``rgba(...)`` at ``opacity``."""
    red, green, blue = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({red},{green},{blue},{opacity})"


def marker(mark: Mark, size: int = 10) -> dict[str, object]:
    """A scatter marker in ``mark``'s colour and symbol (the template outlines it in ink)."""
    return {"color": mark.colour, "symbol": mark.symbol, "size": size}


def purpose_markers(codes: list[str], symbol: str) -> dict[str, object]:
    """Points, one per purpose code, each in its purpose's colour."""
    return {"color": [PURPOSES[code].colour for code in codes], "symbol": symbol, "size": 12}


def bar_marker(marks: list[Mark]) -> dict[str, object]:
    """Bars, one mark per bar: fill colour and hatching, outlined in ink."""
    return {
        "color": [m.colour for m in marks],
        # "overlay": the hatching is drawn over the purpose's colour, not instead of it.
        "pattern": {
            "shape": [m.pattern for m in marks],
            "fgcolor": INK,
            "size": 7,
            "solidity": 0.15,
            "fillmode": "overlay",
        },
    }


FONT = 'system-ui, -apple-system, "Segoe UI", sans-serif'
_AXIS = {
    "gridcolor": GRID,
    "linecolor": MUTED,
    "zeroline": False,
    "automargin": True,
    "ticks": "outside",
    "tickcolor": MUTED,
    "title": {"font": {"size": 13}},
}
TEMPLATE_NAME = "intake_ai"
TEMPLATE = go.layout.Template(
    layout={
        "font": {"family": FONT, "size": 13, "color": INK},
        "colorway": list(SERIES),
        "paper_bgcolor": "#ffffff",
        "plot_bgcolor": "#ffffff",
        "xaxis": _AXIS,
        "yaxis": _AXIS,
        "hovermode": "closest",
        "hoverlabel": {"bgcolor": "#ffffff", "bordercolor": INK, "font": {"color": INK}},
        # Above the plot: below it, the legend would meet the date labels on a phone.
        "legend": {"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0},
        "margin": {"l": 10, "r": 10, "t": 40, "b": 10},
        "separators": ".,",
    },
    data={
        "scatter": [
            go.Scatter(marker={"size": 10, "line": {"color": INK, "width": 1}}, line={"width": 2})
        ],
        "bar": [go.Bar(marker={"line": {"color": INK, "width": 1}})],
    },
)
# Registered once, when this module is first imported; figures name the object itself.
pio.templates[TEMPLATE_NAME] = TEMPLATE


def figure(height: int, **grid: Any) -> go.Figure:
    """A figure in the module's template; with ``grid``, panels (titles in muted ink)."""
    if grid:
        made = make_subplots(**grid)
        made.update_annotations(font={"size": 13, "color": MUTED})
        made.update_layout(template=TEMPLATE)
    else:
        made = go.Figure(layout={"template": TEMPLATE})
    made.update_layout(height=height)
    return made

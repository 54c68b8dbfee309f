"""The purposes chart: what the intake and the session notes say, like with like.

The intake asks how often each purpose is used (sometimes, often); a session note which
were the main purposes that week. Stacked together the notes' few choices would read as a
drop in use, so each has a panel of its own, with a marker of its own (squares: intake,
circles: notes), on the definition's list of purposes.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import plotly.graph_objects as go

from fhir_mappings.definitions import answer_lists as lists
from intake_ai.charts import axes, style
from intake_ai.charts.data import USED, ClientTrends


def purposes_figure(trends: ClientTrends, dates: axes.Axis) -> go.Figure | None:
    """Purposes, like with like: the intake's "how often" and the notes' main purposes each
    in a panel of its own, with a marker of its own (square: intake, circle: note)."""
    intake = sorted(trends.intake_purposes.items(), key=lambda item: _rank(item[0][1]))
    notes = sorted(trends.note_purposes)
    panels = [
        (name, sorted(codes, key=_rank))
        for name, codes in (
            ("intake", {code for _when, code in trends.intake_purposes}),
            ("notes", {code for _when, code in trends.note_purposes}),
        )
        if codes
    ]
    if not panels:
        return None
    rows = sum(len(codes) for _name, codes in panels)
    figure = style.figure(
        150 + 48 * rows,
        rows=len(panels),
        cols=1,
        vertical_spacing=min(0.35, 1.6 / rows),
        row_heights=[len(codes) / rows for _name, codes in panels],
    )
    for row, (name, codes) in enumerate(panels, start=1):
        if name == "intake":
            figure.add_trace(_intake_purposes(intake), row=row, col=1)
            frequencies = [lists.FREQUENCY.option(code).display for code in USED]
            figure.update_xaxes(
                type="category",
                categoryorder="array",
                categoryarray=frequencies,
                range=[-0.5, len(frequencies) - 0.5],
                fixedrange=True,
                row=row,
                col=1,
            )
        else:
            figure.add_trace(_note_purposes(notes), row=row, col=1)
            figure.update_xaxes(dates, row=row, col=1)
        figure.update_xaxes(title={"text": PANEL_TITLES[name]}, row=row, col=1)
        figure.update_yaxes(
            type="category",
            categoryorder="array",
            categoryarray=[_purpose_label(code) for code in codes],
            range=[len(codes) - 0.5, -0.5],  # the definition's order, top down
            fixedrange=True,
            row=row,
            col=1,
        )
    return figure


#: Under each panel, as its x axis's title (centred there, a phone does not cut it).
PANEL_TITLES = {
    "intake": "Intake: how often (■)",
    "notes": "Named in a note (●)",
}


def _purpose_label(code: str) -> str:
    return axes.wrap(lists.PURPOSES.option(code).display, width=18)


def _rank(code: str) -> int:
    return lists.PURPOSES.codes.index(code)


def _intake_purposes(intake: Sequence[tuple[tuple[datetime, str], str]]) -> go.Scatter:
    return go.Scatter(
        x=[lists.FREQUENCY.option(value).display for _key, value in intake],
        y=[_purpose_label(code) for (_when, code), _v in intake],
        mode="markers",
        name="Intake answer",
        marker=style.purpose_markers([code for (_when, code), _v in intake], "square"),
        text=[
            f"Intake {axes.day(when)}: {lists.PURPOSES.option(code).display}, "
            f"{lists.FREQUENCY.option(value).display.lower()}"
            for (when, code), value in intake
        ],
        hovertemplate="%{text}<extra></extra>",
        showlegend=False,
    )


def _note_purposes(notes: Sequence[tuple[datetime, str]]) -> go.Scatter:
    return go.Scatter(
        x=[when for when, _code in notes],
        y=[_purpose_label(code) for _when, code in notes],
        mode="markers",
        name="Named in a session note",
        marker=style.purpose_markers([code for _when, code in notes], "circle"),
        text=[
            f"Note {axes.day(when)}: {lists.PURPOSES.option(code).display}" for when, code in notes
        ],
        hovertemplate="%{text}<extra></extra>",
        showlegend=False,
    )

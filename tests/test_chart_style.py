"""One chart style, defined once: the module's plotly template and the colour of every code.

Every figure (client charts and the dashboard's) is built in the template registered by
``intake_ai.charts.style``; each purpose, flag kind and band has one colour on every chart
and for every client; "review now" alone is drawn in the alarm colour; and every colour a
figure uses is one of the colour-blind-safe palette's (or the page's own ink and greys).
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

import plotly.io as pio

from fhir_mappings.definitions import answer_lists as lists
from fhir_mappings.definitions.risk import FLAG_KINDS
from intake_ai.charts import axes, style
from intake_ai.charts.caseload import distribution_figure
from intake_ai.charts.data import ClientTrends, FlagPoint, SessionPoint
from intake_ai.charts.figures import CHARTS, indicator_figure
from intake_ai.charts.purposes import purposes_figure

DAY = datetime(2026, 9, 1, 10, tzinfo=UTC)
#: What a figure may be drawn in besides the palette: the page's ink, greys and white.
NEUTRAL = {style.INK, style.MUTED, style.GRID, "#ffffff"}


def client(purposes: list[str], flags: list[str], first: datetime = DAY) -> ClientTrends:
    """A client with some purposes (at intake and in a note) and some flags."""
    later = first + timedelta(weeks=1)
    return ClientTrends(
        sessions=[
            SessionPoint(first, days="dpw-1-2", time="tpd-under-15m", score=2),
            SessionPoint(later, days="dpw-every-day", reliance=9, score=14),
        ],
        flags=[FlagPoint(later, code, False) for code in flags],
        intake_purposes={(first, code): "freq-often" for code in purposes},
        note_purposes={(later, code) for code in reversed(purposes)},
    )


def figures(trends: ClientTrends):  # type: ignore[no-untyped-def]
    span = axes.date_axis(trends.moments())
    return [f for _t, build, _e in CHARTS.values() if (f := build(trends, span)) is not None]


def colours_of(figure) -> list[str]:  # type: ignore[no-untyped-def]
    """Every colour in a figure's JSON (hex and rgba), template left out."""
    data = json.loads(pio.to_json(figure))
    data["layout"].pop("template", None)
    text = json.dumps(data)
    found = re.findall(r"#[0-9A-Fa-f]{6}\b", text)
    found += [_hex(m) for m in re.findall(r"rgba\((\d+),(\d+),(\d+),[\d.]+\)", text)]
    return found


def _hex(rgb: tuple[str, str, str]) -> str:
    return "#" + "".join(f"{int(c):02X}" for c in rgb)


def test_the_template_is_the_modules_own_and_registered_once() -> None:
    assert pio.templates[style.TEMPLATE_NAME] == style.TEMPLATE
    assert list(style.TEMPLATE.layout.colorway) == list(style.SERIES)
    every = [*figures(client(["purpose-company"], ["flag-crisis-use"]))]
    every.append(distribution_figure({"band-low": 6}, {}, style.BAND_MARKS))
    for figure in every:
        assert figure.layout.template == style.TEMPLATE
        # The template, never plotly's default look, and no toolbar to ask for it.
        assert figure.layout.template.layout.plot_bgcolor == "#ffffff"
    assert pio.templates.default != style.TEMPLATE_NAME  # the host's plotly stays the host's


def test_every_colour_is_from_the_colour_blind_safe_palette() -> None:
    palette = {c.upper() for c in style.OKABE_ITO.values()} | {c.upper() for c in NEUTRAL}
    trends = client(list(lists.PURPOSES.codes), [k.code for k in FLAG_KINDS])
    used = [c.upper() for f in figures(trends) for c in colours_of(f)]
    assert used and set(used) <= palette, set(used) - palette


def test_each_purpose_keeps_its_colour_for_every_client_and_chart() -> None:
    one = purposes_figure(*_with_span(client(["purpose-company", "purpose-journaling"], [])))
    two = purposes_figure(*_with_span(client(["purpose-looking-up", "purpose-company"], [])))
    for figure in (one, two):
        for trace in figure.data:
            for code_label, colour in zip(trace.y, trace.marker.color, strict=True):
                code = _purpose_code(code_label)
                assert colour == style.PURPOSES[code].colour
    dashboard = distribution_figure(
        {"purpose-company": 9, "purpose-looking-up": 7}, {}, style.PURPOSES
    )
    assert list(dashboard.data[0].marker.color) == [
        style.PURPOSES["purpose-company"].colour,
        style.PURPOSES["purpose-looking-up"].colour,
    ]
    # Fourteen purposes: no two share both colour and hatching.
    assert len({(m.colour, m.pattern) for m in style.PURPOSES.values()}) == len(
        lists.PURPOSES.codes
    )


def _with_span(trends: ClientTrends) -> tuple[ClientTrends, dict[str, object]]:
    return trends, axes.date_axis(trends.moments())


def _purpose_code(label: str) -> str:
    plain = label.replace("<br>", " ")
    return next(o.code for o in lists.PURPOSES.options if o.display == plain)


def test_review_now_is_always_the_alarm_colour_and_nothing_else_is() -> None:
    review_now = [k.code for k in FLAG_KINDS if k.urgency == "review-now"]
    others = [k.code for k in FLAG_KINDS if k.urgency != "review-now"]
    for flags in (review_now[:1], review_now[1:], [*others, review_now[0]]):
        figure = indicator_figure(*_with_span(client(["purpose-crisis"], flags)))
        for trace in figure.data:
            alarm = trace.name == "Flag: review now"
            colours = trace.marker.color
            colours = list(colours) if isinstance(colours, tuple) else [colours]
            assert all((c == style.ALARM) == alarm for c in colours), (trace.name, colours)
    assert {style.FLAGS[code].colour for code in review_now} == {style.ALARM}
    # Nowhere else: no series, purpose, band or other urgency takes the alarm colour.
    assert style.ALARM not in style.SERIES
    assert style.ALARM not in {m.colour for m in style.PURPOSES.values()}
    assert style.ALARM not in style.BAND_COLOURS.values()
    assert style.ALARM not in {style.FLAGS[code].colour for code in others}
    for figure in figures(client(list(lists.PURPOSES.codes), others)):
        assert style.ALARM.upper() not in [c.upper() for c in colours_of(figure)]


def test_each_flag_kind_keeps_its_colour_for_every_client() -> None:
    kinds = [k.code for k in FLAG_KINDS]
    seen: dict[str, set[str]] = {}
    for n, chosen in enumerate((kinds, kinds[::2], kinds[1::2])):
        trends = client([], chosen, first=DAY + timedelta(days=30 * n))
        for trace in indicator_figure(*_with_span(trends)).data:
            if not trace.name.startswith("Flag"):
                continue
            for text, colour in zip(trace.text, trace.marker.color, strict=True):
                for kind in FLAG_KINDS:
                    if kind.display in text:
                        seen.setdefault(kind.code, set()).add(colour)
    assert set(seen) == set(kinds)
    assert all(len(colours) == 1 for colours in seen.values()), seen
    assert all(seen[code] == {style.FLAGS[code].colour} for code in kinds)

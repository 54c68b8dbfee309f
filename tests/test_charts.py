"""Figures are pure functions of chart data; queries read the store (entered-in-error left out).

No figure invents an axis: with nothing to draw there is no figure (the page says why), a
lone date gets a few days either side, and every answer scale is shown at its real range.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from fhir_mappings.definitions.risk import MAX_SCORE
from intake_ai.charts import axes
from intake_ai.charts.caseload import distribution_chart, distribution_figure
from intake_ai.charts.data import ClientTrends, FlagPoint, SessionPoint
from intake_ai.charts.figures import (
    CHARTS,
    NO_DATA,
    client_charts,
    indicator_figure,
    reliance_figure,
    usage_figure,
)
from intake_ai.charts.purposes import purposes_figure
from intake_ai.charts.style import BAND_MARKS
from intake_ai.charts.table import client_table
from intake_ai.risk.trend import Score, rising_reasons, trend_arrow
from intake_ai.supervision.service import suppress_small

DAY = datetime(2026, 9, 1, 10, tzinfo=UTC)
BAND_LABELS = {"band-low": "Low", "band-moderate": "Moderate", "band-high": "High"}


def trends() -> ClientTrends:
    sessions = [
        SessionPoint(DAY, days="dpw-1-2", time="tpd-15-60m", score=3),
        SessionPoint(
            DAY + timedelta(weeks=1),
            days="dpw-5-6",
            time="tpd-2-4h",
            reliance=6,
            score=7,
            override_band="band-low",
        ),
        SessionPoint(DAY + timedelta(weeks=2), days="dpw-every-day", reliance=8, score=12),
    ]
    return ClientTrends(
        sessions=sessions,
        flags=[
            FlagPoint(DAY + timedelta(weeks=2), "flag-crisis-use", False),
            FlagPoint(DAY + timedelta(weeks=1), "flag-withdrawal-from-people", True),
            FlagPoint(DAY + timedelta(weeks=1), "flag-attachment-distress", False),
        ],
        intake_purposes={
            (DAY, "purpose-company"): "freq-often",
            (DAY, "purpose-journaling"): "freq-sometimes",
        },
        note_purposes={(DAY + timedelta(weeks=1), "purpose-company")},
    )


def dates(data: ClientTrends) -> dict[str, object]:
    return axes.date_axis(data.moments())


def date_ranges(figure) -> list[list[str]]:  # type: ignore[no-untyped-def]
    layout = figure.to_plotly_json()["layout"]
    return [
        v["range"] for k, v in layout.items() if k.startswith("xaxis") and v.get("type") == "date"
    ]


def test_usage_figure_puts_each_answer_on_its_own_scale_with_exact_hover_text() -> None:
    figure = usage_figure(trends(), dates(trends()))
    days, time = figure.data
    assert len(days.x) == 3 and len(time.x) == 2
    assert list(days.y) == [1, 3, 4]  # ordinal positions of the answers
    assert days.text[1] == "Sep 8, 2026: 5–6 days"
    assert list(figure.layout.yaxis.ticktext) == [
        "Less than weekly",
        "1–2 days",
        "3–4 days",
        "5–6 days",
        "Every day",
    ]
    assert figure.layout.yaxis2.ticktext[-1] == "More than 4 hours"
    assert list(figure.layout.yaxis.range) == list(figure.layout.yaxis2.range) == [-0.5, 4.5]


def test_indicator_figure_shades_provisional_bands_and_marks_overrides_and_flags() -> None:
    figure = indicator_figure(trends(), dates(trends()))
    names = [trace.name for trace in figure.data]
    assert names == [
        "Score (rules-v1)",
        "Overridden by the clinician",
        "Flag: review now",
        "Flag: this session",
    ]
    assert list(figure.data[0].y) == [3, 7, 12]
    assert figure.data[1].text[0] == "Sep 8, 2026: computed moderate, clinician's band low"
    # Two "this session" flags on one day share one point; both are named in its hover text.
    assert len(figure.data[3].x) == 1
    assert "(acknowledged)" in figure.data[3].text[0] and "; " in figure.data[3].text[0]
    assert len(figure.layout.shapes) == 3
    labels = [a.text for a in figure.layout.annotations]
    assert labels == ["Low (provisional)", "Moderate (provisional)", "High (provisional)"]
    low, high = figure.layout.yaxis2.range
    assert low < 0 and MAX_SCORE < high < MAX_SCORE + 1


def test_purposes_show_intake_answers_and_note_answers_apart() -> None:
    """The intake asks how often each purpose is used, a note which were the main ones: side
    by side as one stack, the fewer choices of a note would read as a drop in use."""
    figure = purposes_figure(trends(), dates(trends()))
    intake, notes = figure.data
    assert all(trace.type == "scatter" for trace in figure.data)  # no stacked bars
    assert (intake.xaxis, notes.xaxis) == ("x", "x2")  # a panel each
    assert list(intake.x) == ["Sometimes", "Often"] and intake.marker.symbol == "square"
    assert notes.marker.symbol == "circle" and list(notes.x) == [DAY + timedelta(weeks=1)]
    assert figure.layout.xaxis.type == "category" and figure.layout.xaxis2.type == "date"
    assert figure.layout.xaxis.title.text == "Intake: how often (■)"
    assert figure.layout.xaxis2.title.text == "Named in a note (●)"
    assert notes.text[0] == "Note Sep 8, 2026: Company or someone to talk to"


def test_table_carries_the_same_numbers() -> None:
    data = trends()
    header, rows = client_table(data)
    assert header[4] == "Score"
    assert [r[4] for r in rows if r[4]] == ["3", "7", "12"]
    assert rows[0][7] == (
        "Company or someone to talk to (often, intake), Journaling (sometimes, intake)"
    )
    assert rows[1][6] == "low"  # the clinician's band
    assert any(
        r[7] == "Flag: AI used during a crisis, or self-harm or suicidal thoughts disclosed to AI"
        for r in rows
    )
    assert list(client_charts(data)) == ["usage", "reliance", "indicator", "purposes"]


def test_nothing_recorded_draws_no_chart() -> None:
    assert client_charts(ClientTrends()) == {}
    assert NO_DATA.startswith("No session notes yet")
    for _title, build, _empty in CHARTS.values():
        assert build(ClientTrends(), {}) is None


def test_one_session_is_one_point_with_a_few_days_either_side() -> None:
    lone = ClientTrends(sessions=[SessionPoint(DAY, days="dpw-3-4", time="tpd-1-2h", score=4)])
    charts = client_charts(lone)
    # The intake asks no reliance rating: said in words, not drawn on an empty axis.
    assert charts["reliance"].data is None
    assert charts["reliance"].empty.startswith("No reliance ratings yet")
    assert charts["purposes"].data is None
    expected = ["2026-08-29 10:00:00", "2026-09-04 10:00:00"]
    for figure in (usage_figure(lone, dates(lone)), indicator_figure(lone, dates(lone))):
        assert figure is not None
        assert all(r == expected for r in date_ranges(figure)), date_ranges(figure)
        assert [len(t.x) for t in figure.data] == [1] * len(figure.data)
    one_rating = ClientTrends(sessions=[SessionPoint(DAY, reliance=4)])
    reliance = reliance_figure(one_rating, dates(one_rating))
    assert date_ranges(reliance) == [expected]
    assert reliance.layout.yaxis.range == (-0.5, 10.5)  # the 0-10 scale, whole


def test_a_long_record_is_padded_by_a_twentieth_of_its_span() -> None:
    axis = axes.date_axis([DAY, DAY + timedelta(days=200)])
    assert axis["range"] == ["2026-08-22 10:00:00", "2027-03-30 10:00:00"]
    with pytest.raises(ValueError):
        axes.date_axis([])


def test_distribution_hides_small_groups_in_a_caption_outside_the_plot() -> None:
    counts = suppress_small({"band-low": 7, "band-moderate": 4, "band-high": 5})
    assert counts == {"band-low": 7, "band-moderate": None, "band-high": 5}
    figure = distribution_figure(counts, BAND_LABELS, BAND_MARKS)
    assert list(figure.data[0].y) == ["Low", "High"]
    assert not figure.layout.annotations  # nothing drawn over the axis labels
    assert figure.layout.xaxis.range[0] == 0 and figure.layout.xaxis.tickformat == "d"
    chart = distribution_chart("Bands", counts, BAND_LABELS, BAND_MARKS, 5, "No scores yet.")
    assert chart.caption == "Hidden (fewer than 5 clients): Moderate."
    assert chart.data is not None


def test_distribution_with_every_group_hidden_or_none_draws_nothing() -> None:
    hidden = distribution_chart(
        "Bands", suppress_small({"band-low": 2}), BAND_LABELS, BAND_MARKS, 5, "No scores yet."
    )
    assert hidden.data is None
    assert hidden.empty == "Every group has fewer than 5 clients, so none is shown."
    assert hidden.caption == "Hidden (fewer than 5 clients): Low."
    nothing = distribution_chart("Bands", {}, BAND_LABELS, BAND_MARKS, 5, "No scores yet.")
    assert (nothing.data, nothing.empty, nothing.caption) == (None, "No scores yet.", "")


def s(days_ago: int, score: int) -> Score:
    return Score(DAY - timedelta(days=days_ago), score)


@pytest.mark.parametrize(
    ("scores", "arrow"),
    [
        ([s(0, 7), s(7, 5)], "↑"),
        ([s(0, 5), s(7, 7)], "↓"),
        ([s(0, 5), s(7, 5)], "→"),
        ([s(0, 5)], "new"),
    ],
)
def test_trend_arrow(scores, arrow: str) -> None:
    assert trend_arrow(scores) == arrow


@pytest.mark.parametrize(
    ("scores", "reasons"),
    [
        ([s(0, 6), s(7, 5)], ["band up: low → moderate"]),
        ([s(0, 8), s(14, 5), s(21, 6)], ["band up: low → moderate", "score +3 within 30 days"]),
        ([s(0, 9), s(7, 6), s(40, 1)], ["score +3 within 30 days"]),
        # The low score is older than 30 days: no "+3 within 30 days", but the band went up.
        ([s(0, 9), s(40, 2)], ["band up: low → moderate"]),
        ([s(0, 12), s(7, 11)], ["two high notes in a row"]),
        ([s(0, 12), s(7, 10)], ["band up: moderate → high"]),
        ([s(0, 5), s(7, 5)], []),
        ([], []),
    ],
)
def test_rising_risk(scores, reasons: list[str]) -> None:
    assert rising_reasons(scores) == reasons


def test_client_trends_come_from_the_store_without_entered_in_error(
    app, client, make, auth
) -> None:
    from intake_ai.charts.queries import client_trends
    from tests.intake_helpers import (
        CALM_NOTE,
        FULL_INTAKE,
        WORRYING_NOTE,
        submit_intake,
        submit_note,
    )

    make.user("clinician", "dr-a")
    client_id = make.client("dr-a")
    auth.login("dr-a")
    submit_intake(client, make.encounter(client_id, "dr-a", start=DAY), FULL_INTAKE)
    submit_note(client, make.encounter(client_id, "dr-a", start=DAY + timedelta(days=7)), CALM_NOTE)
    wrong = make.encounter(client_id, "dr-a", start=DAY + timedelta(days=14))
    submit_note(client, wrong, WORRYING_NOTE)
    with app.app_context():
        before = client_trends(client_id)
    assert [p.days for p in before.sessions] == ["dpw-5-6", "dpw-1-2", "dpw-every-day"]
    assert [p.reliance for p in before.sessions] == [None, 1.0, 9.0]
    assert before.intake_purposes[(DAY, "purpose-company")] == "freq-often"
    assert (DAY + timedelta(days=7), "purpose-writing") in before.note_purposes
    from intake_ai.models import StoredResource
    from intake_ai.store import resources as resource_store
    from intake_ai.store.database import session

    with app.app_context():
        note = (
            session()
            .query(StoredResource)
            .filter_by(resource_type="QuestionnaireResponse", encounter_id=wrong, is_current=True)
            .one()
        )
        note_id = note.resource_id
        assert resource_store.load(note)["status"] == "completed"
    client.post(
        f"/records/QuestionnaireResponse/{note_id}/entered-in-error",
        data={"reason": "Wrong client"},
    )
    with app.app_context():
        after = client_trends(client_id)
    assert [p.days for p in after.sessions] == ["dpw-5-6", "dpw-1-2"]

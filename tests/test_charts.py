"""Figures are pure functions of chart data; queries read the store (entered-in-error left out)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from intake_ai.charts.data import ClientTrends, FlagPoint, SessionPoint
from intake_ai.charts.figures import (
    client_figures,
    client_table,
    distribution_figure,
    indicator_figure,
    purposes_figure,
    usage_figure,
)
from intake_ai.supervision.service import Score, rising_reasons, suppress_small, trend_arrow

DAY = datetime(2026, 9, 1, 10, tzinfo=UTC)


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
        ],
        purposes={
            (DAY, "purpose-company"): 1,
            (DAY, "purpose-journaling"): 1,
            (DAY + timedelta(weeks=1), "purpose-company"): 1,
        },
    )


def test_usage_figure_has_one_point_per_answer_with_exact_hover_text() -> None:
    figure = usage_figure(trends())
    days, time = figure.data
    assert len(days.x) == 3 and len(time.x) == 2
    assert list(days.y) == [1, 3, 4]  # ordinal positions of the answers
    assert days.text[1] == "8 Sep 2026: 5–6 days"


def test_indicator_figure_shades_provisional_bands_and_marks_overrides_and_flags() -> None:
    figure = indicator_figure(trends())
    names = [trace.name for trace in figure.data]
    assert names == [
        "Score (rules-v1)",
        "Overridden by the clinician",
        "Flag: review now",
        "Flag: this session",
    ]
    assert list(figure.data[0].y) == [3, 7, 12]
    assert figure.data[1].text[0] == "8 Sep 2026: computed moderate, clinician's band low"
    assert "(acknowledged)" in figure.data[3].text[0]
    assert len(figure.layout.shapes) == 3
    labels = [a.text for a in figure.layout.annotations]
    assert labels == ["Low (provisional)", "Moderate (provisional)", "High (provisional)"]


def test_purposes_are_stacked_bars_one_trace_per_purpose() -> None:
    figure = purposes_figure(trends())
    assert figure.layout.barmode == "stack"
    assert {trace.name for trace in figure.data} == {"Journaling", "Company or someone to talk to"}
    company = next(t for t in figure.data if t.name.startswith("Company"))
    assert list(company.y) == [1, 1]


def test_table_carries_the_same_numbers() -> None:
    data = trends()
    header, rows = client_table(data)
    assert header[4] == "Score"
    assert [r[4] for r in rows if r[4]] == ["3", "7", "12"]
    assert rows[1][6] == "low"  # the clinician's band
    assert any(
        r[7] == "Flag: AI used during a crisis, or self-harm or suicidal thoughts disclosed to AI"
        for r in rows
    )
    assert set(client_figures(data)) == {"usage", "reliance", "indicator", "purposes"}


def test_distribution_hides_small_groups() -> None:
    counts = suppress_small({"band-low": 7, "band-moderate": 4, "band-high": 5})
    assert counts == {"band-low": 7, "band-moderate": None, "band-high": 5}
    figure = distribution_figure(
        "Bands", counts, {"band-low": "Low", "band-moderate": "Moderate", "band-high": "High"}, 5
    )
    assert list(figure.data[0].x) == ["Low", "High"]
    assert "Hidden (fewer than 5 clients): Moderate" in figure.layout.annotations[0].text


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
    assert before.purposes[(DAY, "purpose-company")] == 1
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

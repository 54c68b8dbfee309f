"""rules-v1, table by table: every rule, every band edge, the trend rule."""

from __future__ import annotations

import pytest

from fhir_mappings.definitions.risk import BANDS, MAX_SCORE, band_for
from intake_ai.risk.rules import score_dependency
from tests.risk_helpers import intake, note


def points(sources, code: str) -> int | None:  # type: ignore[no-untyped-def]
    result = score_dependency(sources)
    found = [i for i in result.inputs if i.input.code == code]
    return found[0].points if found else None


RULES = [
    # Intensity: days a week
    ("days 5-6", [intake(days_per_week="dpw-5-6")], "input-days", 1),
    ("days every day", [intake(days_per_week="dpw-every-day")], "input-days", 1),
    ("days 3-4", [intake(days_per_week="dpw-3-4")], "input-days", 0),
    ("days less than weekly", [intake(days_per_week="dpw-less-than-weekly")], "input-days", 0),
    ("days declined: not an input", [intake(days_per_week="declined")], "input-days", None),
    (
        "days: note supersedes intake",
        [intake(days_per_week="dpw-every-day"), note(days_per_week="dpw-1-2")],
        "input-days",
        0,
    ),
    (
        "days: 'no use' note answers none",
        [intake(days_per_week="dpw-every-day"), note(any_use="use-no")],
        "input-days",
        0,
    ),
    (
        "days: 'not discussed' falls back",
        [intake(days_per_week="dpw-every-day"), note(any_use="use-not-discussed")],
        "input-days",
        1,
    ),
    # Intensity: time a day
    ("time 2-4 h", [intake(time_per_day="tpd-2-4h")], "input-time", 1),
    ("time over 4 h", [intake(time_per_day="tpd-over-4h")], "input-time", 1),
    ("time 1-2 h", [intake(time_per_day="tpd-1-2h")], "input-time", 0),
    ("time not sure", [intake(time_per_day="tpd-not-sure")], "input-time", 0),
    # Emotional, companion or romantic purpose "often"
    (
        "emotional support often",
        [intake(purpose_emotional_support="freq-often")],
        "input-emotional-purpose",
        1,
    ),
    ("company often", [intake(purpose_company="freq-often")], "input-emotional-purpose", 1),
    ("romantic often", [intake(purpose_romantic="freq-often")], "input-emotional-purpose", 1),
    (
        "emotional support sometimes",
        [intake(purpose_emotional_support="freq-sometimes")],
        "input-emotional-purpose",
        0,
    ),
    (
        "note: company among main purposes",
        [note(main_purposes=["purpose-company"])],
        "input-emotional-purpose",
        1,
    ),
    (
        "note: only looking things up",
        [note(main_purposes=["purpose-looking-up"])],
        "input-emotional-purpose",
        0,
    ),
    # Use after midnight
    (
        "after midnight",
        [intake(when=["when-evening", "when-after-midnight"])],
        "input-after-midnight",
        1,
    ),
    ("evenings only", [intake(when=["when-evening"])], "input-after-midnight", 0),
    # Withdrawal: none 0, mild 2, marked (or item 10 >= 3) 3
    ("note: no distress", [note(distress_unavailable="distress-none")], "input-withdrawal", 0),
    ("note: mild distress", [note(distress_unavailable="distress-mild")], "input-withdrawal", 2),
    (
        "note: marked distress",
        [note(distress_unavailable="distress-marked")],
        "input-withdrawal",
        3,
    ),
    ("item 10 often", [intake(withdrawal="reliance-3")], "input-withdrawal", 3),
    ("item 10 very often", [intake(withdrawal="reliance-4")], "input-withdrawal", 3),
    ("item 10 sometimes", [intake(withdrawal="reliance-2")], "input-withdrawal", 0),
    (
        "note supersedes item 10",
        [intake(withdrawal="reliance-4"), note(distress_unavailable="distress-mild")],
        "input-withdrawal",
        2,
    ),
    # Loss of control (item 11): often 1, very often 2
    ("item 11 often", [intake(loss_of_control="reliance-3")], "input-loss-of-control", 1),
    ("item 11 very often", [intake(loss_of_control="reliance-4")], "input-loss-of-control", 2),
    ("item 11 sometimes", [intake(loss_of_control="reliance-2")], "input-loss-of-control", 0),
    # Displacement/conflict: item 12 or 13 >= 3 -> +2; clinician "less human contact" -> +1
    ("item 12 often", [intake(displacement="reliance-3")], "input-displacement", 2),
    ("item 13 very often", [intake(conflict="reliance-4")], "input-displacement", 2),
    (
        "items 12-13 sometimes",
        [intake(displacement="reliance-2", conflict="reliance-2")],
        "input-displacement",
        0,
    ),
    ("less human contact", [note(human_contact="contact-less")], "input-less-contact", 1),
    ("no change in contact", [note(human_contact="contact-same")], "input-less-contact", 0),
    # Prefers AI to people / to the therapist: "much easier" +1 each
    (
        "item 7 much easier",
        [intake(comfort_vs_people="comfort-much-easier")],
        "input-prefers-people",
        1,
    ),
    ("item 7 easier", [intake(comfort_vs_people="comfort-easier")], "input-prefers-people", 0),
    (
        "item 8 much easier",
        [intake(comfort_vs_therapist="comfort-much-easier")],
        "input-prefers-therapist",
        1,
    ),
    ("item 8 same", [intake(comfort_vs_therapist="comfort-same")], "input-prefers-therapist", 0),
    # Relational framing: friend-like 1, companion or partner 2
    ("framing friend", [intake(framing="framing-friend")], "input-framing", 1),
    ("framing companion", [intake(framing="framing-companion")], "input-framing", 2),
    ("framing assistant", [intake(framing="framing-assistant")], "input-framing", 0),
    (
        "note framing supersedes",
        [intake(framing="framing-friend"), note(framing="framing-companion")],
        "input-framing",
        2,
    ),
    # Validation loop: item 14 >= 3, or clinician-observed
    ("item 14 often", [intake(reassurance="reliance-3")], "input-validation-loop", 1),
    ("clinician-observed loop", [note(validation_loop="yes")], "input-validation-loop", 1),
    (
        "either one suffices",
        [intake(reassurance="reliance-1"), note(validation_loop="yes")],
        "input-validation-loop",
        1,
    ),
    (
        "neither",
        [intake(reassurance="reliance-2"), note(validation_loop="no")],
        "input-validation-loop",
        0,
    ),
]


@pytest.mark.parametrize(
    ("sources", "code", "expected"), [c[1:] for c in RULES], ids=[c[0] for c in RULES]
)
def test_rule(sources, code: str, expected: int | None) -> None:
    assert points(sources, code) == expected


@pytest.mark.parametrize(
    ("score", "band"),
    [
        (0, "band-low"),
        (5, "band-low"),
        (6, "band-moderate"),
        (10, "band-moderate"),
        (11, "band-high"),
        (18, "band-high"),
    ],
)
def test_band_edges(score: int, band: str) -> None:
    assert band_for(score).code == band


def test_scores_outside_the_range_are_refused() -> None:
    with pytest.raises(ValueError):
        band_for(MAX_SCORE + 1)
    with pytest.raises(ValueError):
        band_for(-1)


BASE = {"withdrawal": "reliance-4", "framing": "framing-companion"}  # 3 + 2 = 5


@pytest.mark.parametrize(
    ("extra", "score", "band"),
    [
        ({}, 5, "band-low"),
        ({"days_per_week": "dpw-5-6"}, 6, "band-moderate"),
        (
            {
                "days_per_week": "dpw-5-6",
                "time_per_day": "tpd-2-4h",
                "displacement": "reliance-3",
                "loss_of_control": "reliance-3",
            },
            10,
            "band-moderate",
        ),
        (
            {
                "days_per_week": "dpw-5-6",
                "time_per_day": "tpd-2-4h",
                "displacement": "reliance-3",
                "loss_of_control": "reliance-4",
            },
            11,
            "band-high",
        ),
    ],
)
def test_band_edges_from_answers(extra: dict, score: int, band: str) -> None:
    result = score_dependency([intake(**BASE, **extra)])
    assert (result.score, result.band.code) == (score, band)


def test_everything_at_its_maximum_scores_18() -> None:
    heavy = intake(
        days_per_week="dpw-every-day",
        time_per_day="tpd-over-4h",
        purpose_romantic="freq-often",
        when=["when-after-midnight"],
        withdrawal="reliance-4",
        loss_of_control="reliance-4",
        displacement="reliance-4",
        comfort_vs_people="comfort-much-easier",
        comfort_vs_therapist="comfort-much-easier",
        framing="framing-companion",
        reassurance="reliance-4",
    )
    latest = note(
        days_per_week="dpw-every-day",
        time_per_day="tpd-over-4h",
        main_purposes=["purpose-romantic"],
        distress_unavailable="distress-marked",
        human_contact="contact-less",
        framing="framing-companion",
        validation_loop="yes",
    )
    result = score_dependency([heavy, latest], earlier_base_scores=[3, 10])
    assert result.score == MAX_SCORE == 18
    assert result.band.code == "band-high"
    assert {i.input.code for i in result.inputs if i.points == i.input.max_points} == {
        i.input.code for i in result.inputs
    }


@pytest.mark.parametrize(
    ("earlier", "trend"),
    [
        ([2, 3], 1),  # 5 - 2 = 3: up by 3 over the last three records
        ([3, 3], 0),  # up by 2 only
        ([0, 9], 1),  # compared with two records back, not the last one
        ([9, 0], 0),  # down
        ([2], None),  # fewer than three records: no trend input
        ([], None),
    ],
)
def test_trend_rule(earlier: list[int], trend: int | None) -> None:
    result = score_dependency([intake(**BASE)], earlier)
    assert result.base_score == 5
    found = [i.points for i in result.inputs if i.input.code == "input-trend"]
    assert (found[0] if found else None) == trend
    assert result.score == 5 + (trend or 0)


def test_each_input_names_its_answer_and_its_record() -> None:
    first = intake(withdrawal="reliance-1")
    later = note(distress_unavailable="distress-marked")
    result = score_dependency([first, later])
    [withdrawal] = [i for i in result.inputs if i.input.code == "input-withdrawal"]
    assert withdrawal.tag == f"withdrawal: marked, +3, from {later.label}"
    assert result.sources == (later.ref,)


def test_context_tags_carry_no_points() -> None:
    result = score_dependency([intake(purpose_homework="freq-often", bring_to_session="bring-yes")])
    assert [t.code for t in result.context] == ["context-homework", "context-brings-conversations"]
    assert result.score == 0


def test_bands_cover_every_score_once() -> None:
    covered = [s for band in BANDS for s in range(band.low, band.high + 1)]
    assert covered == list(range(MAX_SCORE + 1))

"""Red flags: each one raised by the answers that define it, and only by them."""

from __future__ import annotations

import pytest

from fhir_mappings.definitions.risk import FLAG_KINDS
from intake_ai.risk.flags import flags_from
from tests.risk_helpers import intake, note

CASES = [
    (
        "crisis: note, during distress",
        [],
        note(crisis_use="crisis-distress"),
        False,
        {"flag-crisis-use"},
    ),
    (
        "crisis: note, self-harm",
        [],
        note(crisis_use="crisis-self-harm"),
        False,
        {"flag-crisis-use"},
    ),
    ("crisis: note, no", [], note(crisis_use="crisis-no"), False, set()),
    (
        "crisis: intake purpose sometimes",
        [],
        intake(purpose_crisis="freq-sometimes"),
        False,
        {"flag-crisis-use"},
    ),
    ("crisis: intake purpose never", [], intake(purpose_crisis="freq-never"), False, set()),
    (
        "advice conflicts with safety plan",
        [],
        note(advice_fit="fit-conflict-safety"),
        False,
        {"flag-advice-conflict"},
    ),
    (
        "advice conflicts with treatment",
        [],
        note(advice_fit="fit-conflict-treatment"),
        False,
        {"flag-advice-conflict"},
    ),
    ("advice supportive", [], note(advice_fit="fit-supportive"), False, set()),
    ("intake: advice clashed", [], intake(advice_conflict="yes"), False, {"flag-advice-conflict"}),
    ("intake: advice not sure", [], intake(advice_conflict="not-sure"), False, set()),
    (
        "minor, romantic purpose at intake",
        [],
        intake(purpose_romantic="freq-sometimes"),
        True,
        {"flag-minor-romantic"},
    ),
    ("adult, romantic purpose at intake", [], intake(purpose_romantic="freq-often"), False, set()),
    (
        "minor, romantic main purpose",
        [],
        note(main_purposes=["purpose-romantic"]),
        True,
        {"flag-minor-romantic"},
    ),
    (
        "less human contact",
        [],
        note(human_contact="contact-less"),
        False,
        {"flag-withdrawal-from-people"},
    ),
    ("more human contact", [], note(human_contact="contact-more"), False, set()),
    (
        "grief at a model change",
        [],
        note(model_change_grief="yes"),
        False,
        {"flag-attachment-distress"},
    ),
    (
        "companion framing with distress",
        [],
        note(framing="framing-companion", distress_unavailable="distress-mild"),
        False,
        {"flag-attachment-distress"},
    ),
    (
        "companion framing, no distress",
        [],
        note(framing="framing-companion", distress_unavailable="distress-none"),
        False,
        set(),
    ),
    (
        "companion framing from intake, distress now",
        [intake(framing="framing-companion")],
        note(distress_unavailable="distress-marked"),
        False,
        {"flag-attachment-distress"},
    ),
    (
        "privacy worry after sharing identifying details",
        [intake(shared=["shared-identifying"])],
        note(privacy_concern="yes"),
        False,
        {"flag-identifying-info"},
    ),
    (
        "privacy worry, nothing identifying shared",
        [intake(shared=["shared-feelings"])],
        note(privacy_concern="yes"),
        False,
        set(),
    ),
]


@pytest.mark.parametrize(
    ("earlier", "source", "minor", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_flag(earlier, source, minor: bool, expected: set[str]) -> None:
    raised = flags_from(source, [*earlier, source], minor)
    assert {f.kind.code for f in raised} == expected
    for flag in raised:
        assert flag.source is source and flag.reason


def test_every_automatic_flag_has_a_case_and_the_others_are_manual() -> None:
    covered = set().union(*(c[-1] for c in CASES))
    automatic = {k.code for k in FLAG_KINDS if k.automatic}
    assert covered == automatic
    assert {k.code for k in FLAG_KINDS if not k.automatic} == {
        "flag-delusion-reinforcement",
        "flag-replace-therapy",
    }

"""Red flags raised from the answers that define them (clinical content, section 3).

Pure: from the record just stored (and the client's earlier records for context) to the
flags it raises. Flags surface whatever the indicator says; an override cannot hide them.
Two kinds (delusion reinforcement, plans to replace therapy) have no defining answer and
are raised by the clinician by hand.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from fhir_mappings.definitions.risk import FlagKind, flag_kind
from intake_ai.risk.rules import INTAKE_FORM, NOTE_FORM, AnswerSource

SOMETIMES_OR_MORE = frozenset({"freq-sometimes", "freq-often"})


@dataclass(frozen=True)
class FlagTrigger:
    kind: FlagKind
    #: The answer that raised it, in words.
    reason: str
    source: AnswerSource


def _latest(history: Sequence[AnswerSource], link_id: str) -> tuple[str, AnswerSource] | None:
    for source in reversed(history):
        values = source.values(link_id)
        if values:
            return values[0], source
    return None


def flags_from(
    source: AnswerSource, history: Sequence[AnswerSource], is_minor: bool
) -> list[FlagTrigger]:
    """Flags raised by ``source``; ``history`` is every record up to it, oldest first."""
    raised: list[FlagTrigger] = []

    def add(code: str, reason: str) -> None:
        raised.append(FlagTrigger(flag_kind(code), reason, source))

    if source.form == NOTE_FORM:
        crisis = source.values("crisis-use")
        if crisis and crisis[0] != "crisis-no":
            add(
                "flag-crisis-use",
                f"used during distress or crisis: {source.text('crisis-use', crisis[0])}",
            )
        fit = source.values("advice-fit")
        if fit and fit[0] in ("fit-conflict-treatment", "fit-conflict-safety"):
            add("flag-advice-conflict", f"advice: {source.text('advice-fit', fit[0])}")
        if "contact-less" in source.values("human-contact"):
            add("flag-withdrawal-from-people", "less human contact attributed to AI")
        grief = "yes" in source.values("model-change-grief")
        framing = _latest(history, "framing")
        companion = framing is not None and framing[0] == "framing-companion"
        distress = set(source.values("distress-unavailable")) & {"distress-mild", "distress-marked"}
        if grief:
            add("flag-attachment-distress", "grief about a model change")
        elif companion and distress:
            add(
                "flag-attachment-distress",
                "companion or partner framing with distress when the AI is unavailable",
            )
        if "yes" in source.values("privacy-concern"):
            shared = any("shared-identifying" in s.values("shared") for s in history)
            if shared:
                add(
                    "flag-identifying-info",
                    "privacy concern raised after sharing identifying details",
                )
        if is_minor and "purpose-romantic" in source.values("main-purposes"):
            add("flag-minor-romantic", "under 18; main purpose: romantic or role-play")
    elif source.form == INTAKE_FORM:
        crisis = source.values("purpose-crisis")
        if crisis and crisis[0] in SOMETIMES_OR_MORE:
            add(
                "flag-crisis-use",
                f"uses AI for help during a crisis or thoughts of self-harm: "
                f"{source.text('purpose-crisis', crisis[0])}",
            )
        if "yes" in source.values("advice-conflict"):
            add(
                "flag-advice-conflict",
                "AI advice has clashed with therapy, medication or the safety plan",
            )
        romantic = source.values("purpose-romantic")
        if is_minor and romantic and romantic[0] in SOMETIMES_OR_MORE:
            add(
                "flag-minor-romantic",
                f"under 18; romantic or role-play use: "
                f"{source.text('purpose-romantic', romantic[0])}",
            )
    return raised

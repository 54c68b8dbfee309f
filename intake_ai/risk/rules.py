"""The dependency-risk indicator, rules-v1: pure functions from a client's answers to a
score, a band and the inputs that make it up (clinical content, section 3).

No Flask, no database: the only imports are the definitions. Each input reads the most
recent record that answers it (a session note's answers supersede the intake's), and
reports its points and the answer it came from, so the clinician sees what the score is
made of. A note saying "no AI use since the last session" counts as answering the usage
inputs with "none"; "not discussed" falls back to earlier records.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from fhir_mappings.definitions import answer_lists as lists
from fhir_mappings.definitions.answers import Answer
from fhir_mappings.definitions.intake import INTAKE
from fhir_mappings.definitions.model import Definition
from fhir_mappings.definitions.risk import (
    CONTEXT_TAGS,
    INPUTS,
    RULES_VERSION,
    Band,
    RiskInput,
    band_for,
)
from fhir_mappings.definitions.session_note import SESSION_NOTE

INTAKE_FORM = "intake"
NOTE_FORM = "note"

EMOTIONAL_PURPOSES = ("purpose-emotional-support", "purpose-company", "purpose-romantic")
#: Note fields that "no AI use since the last session" answers with "none".
USAGE_FIELDS = frozenset({"days-per-week", "time-per-day", "main-purposes", "distress-unavailable"})
HEAVY_DAYS = frozenset({"dpw-5-6", "dpw-every-day"})
LONG_TIME = frozenset({"tpd-2-4h", "tpd-over-4h"})
OFTEN = frozenset({"reliance-3", "reliance-4"})
USED = frozenset({"freq-sometimes", "freq-often"})


@dataclass(frozen=True)
class AnswerSource:
    """One scored record of the client: the intake or a session note."""

    #: "QuestionnaireResponse/<id>"
    ref: str
    #: How the record is named in tags, e.g. "session note of 12 Nov 2026".
    label: str
    form: str  # INTAKE_FORM or NOTE_FORM
    answers: Mapping[str, Answer]

    @property
    def definition(self) -> Definition:
        return INTAKE if self.form == INTAKE_FORM else SESSION_NOTE

    def values(self, link_id: str) -> tuple[Any, ...]:
        answer = self.answers.get(link_id)
        return answer.values if answer is not None and not answer.declined else ()

    def text(self, link_id: str, value: Any) -> str:
        item = self.definition.item(link_id)
        if item.answers is not None and value in item.answers.codes:
            return item.answers.option(value).display.lower()
        return str(value)

    @property
    def no_use(self) -> bool:
        return self.form == NOTE_FORM and lists.USE_NO in self.values("any-use")


@dataclass(frozen=True)
class InputResult:
    input: RiskInput
    points: int
    #: The answer the points came from, in words.
    answer: str
    source: AnswerSource

    @property
    def tag(self) -> str:
        """E.g. "withdrawal: marked, +3, from session note of 12 Nov 2026"."""
        return f"{self.input.label}: {self.answer}, +{self.points}, from {self.source.label}"


@dataclass(frozen=True)
class ContextTag:
    code: str
    display: str
    source: AnswerSource


@dataclass(frozen=True)
class RiskResult:
    score: int
    band: Band
    #: Every input that found an answer (0 points included), in the table's order.
    inputs: tuple[InputResult, ...]
    context: tuple[ContextTag, ...]
    #: The score before the trend point (what the trend rule compares).
    base_score: int
    rules_version: str = RULES_VERSION
    #: Every record the rules read, the scored one first, then the earlier ones newest
    #: first: what the indicator is derived from, whether or not it scored points.
    evaluated: tuple[str, ...] = ()

    @property
    def scoring(self) -> tuple[InputResult, ...]:
        return tuple(i for i in self.inputs if i.points > 0)

    @property
    def sources(self) -> tuple[str, ...]:
        refs: list[str] = []
        for result in self.inputs:
            if result.source.ref not in refs:
                refs.append(result.source.ref)
        return tuple(refs)


_INPUT = {item.code: item for item in INPUTS}
Finding = tuple[int, str, AnswerSource]
Rule = Callable[[AnswerSource], Finding | None]


def _newest(sources: Sequence[AnswerSource], rule: Rule) -> Finding | None:
    """The finding of the most recent record the rule can read."""
    for source in reversed(sources):
        found = rule(source)
        if found is not None:
            return found
    return None


def _usage(link_id: str, points: Callable[[str], int]) -> Rule:
    def rule(source: AnswerSource) -> Finding | None:
        if source.no_use and link_id in USAGE_FIELDS:
            return 0, "no AI use since the last session", source
        values = source.values(link_id)
        if not values:
            return None
        return points(values[0]), source.text(link_id, values[0]), source

    return rule


def _emotional_purpose(source: AnswerSource) -> Finding | None:
    if source.no_use:
        return 0, "no AI use since the last session", source
    if source.form == INTAKE_FORM:
        answered = [(p, source.values(p)[0]) for p in EMOTIONAL_PURPOSES if source.values(p)]
        if not answered:
            return None
        often = [p for p, v in answered if v == "freq-often"]
        if often:
            return 1, f"{_row(often[0])}: often", source
        return 0, "; ".join(f"{_row(p)}: {source.text(p, v)}" for p, v in answered), source
    purposes = source.values("main-purposes")
    if not purposes:
        return None
    chosen = [p for p in purposes if p in EMOTIONAL_PURPOSES]
    if chosen:
        return 1, f"main purpose: {source.text('main-purposes', chosen[0])}", source
    return 0, "no emotional, companion or romantic purpose among the main ones", source


def _row(purpose: str) -> str:
    return lists.PURPOSES.option(purpose).display.lower()


def _after_midnight(source: AnswerSource) -> Finding | None:
    times = source.values("when")
    if not times:
        return None
    if "when-after-midnight" in times:
        return 1, "after midnight", source
    return 0, ", ".join(source.text("when", t) for t in times), source


def _withdrawal(source: AnswerSource) -> Finding | None:
    if source.form == NOTE_FORM:
        if source.no_use:
            return 0, "no AI use since the last session", source
        distress = source.values("distress-unavailable")
        if not distress:
            return None
        points = {"distress-none": 0, "distress-mild": 2, "distress-marked": 3}[distress[0]]
        return points, source.text("distress-unavailable", distress[0]), source
    item10 = source.values("withdrawal")
    if not item10:
        return None
    return (
        (3 if item10[0] in OFTEN else 0),
        f"uneasy when unable to use it: {source.text('withdrawal', item10[0])}",
        source,
    )


def _loss_of_control(source: AnswerSource) -> Finding | None:
    values = source.values("loss-of-control")
    if not values:
        return None
    points = {"reliance-3": 1, "reliance-4": 2}.get(values[0], 0)
    return points, f"hard to stop: {source.text('loss-of-control', values[0])}", source


def _displacement(source: AnswerSource) -> Finding | None:
    answered = [(k, source.values(k)[0]) for k in ("displacement", "conflict") if source.values(k)]
    if not answered:
        return None
    heavy = [(k, v) for k, v in answered if v in OFTEN]
    shown = heavy or answered
    words = "; ".join(f"{INTAKE.item(k).display_label}: {source.text(k, v)}" for k, v in shown)
    return (2 if heavy else 0), words, source


def _less_contact(source: AnswerSource) -> Finding | None:
    values = source.values("human-contact")
    if not values:
        return None
    return (
        (1 if values[0] == "contact-less" else 0),
        source.text("human-contact", values[0]),
        source,
    )


def _much_easier(link_id: str) -> Rule:
    def rule(source: AnswerSource) -> Finding | None:
        values = source.values(link_id)
        if not values:
            return None
        return (
            (1 if values[0] == "comfort-much-easier" else 0),
            source.text(link_id, values[0]),
            source,
        )

    return rule


def _framing(source: AnswerSource) -> Finding | None:
    values = source.values("framing")
    if not values:
        return None
    points = {"framing-friend": 1, "framing-companion": 2}.get(values[0], 0)
    return points, source.text("framing", values[0]), source


def _observed_loop(source: AnswerSource) -> Finding | None:
    values = source.values("validation-loop")
    if not values:
        return None
    return (
        int(values[0] == "yes"),
        f"clinician-observed: {source.text('validation-loop', values[0])}",
        source,
    )


def _reported_loop(source: AnswerSource) -> Finding | None:
    values = source.values("reassurance")
    if not values:
        return None
    words = f"back to AI for reassurance: {source.text('reassurance', values[0])}"
    return int(values[0] in OFTEN), words, source


def _validation_loop(sources: Sequence[AnswerSource]) -> Finding | None:
    """Item 14 often or more, or a clinician-observed loop: either one scores."""
    found = [
        f
        for f in (_newest(sources, _observed_loop), _newest(sources, _reported_loop))
        if f is not None
    ]
    if not found:
        return None
    scoring = [f for f in found if f[0] > 0]
    return scoring[0] if scoring else found[0]


def _context(sources: Sequence[AnswerSource]) -> tuple[ContextTag, ...]:
    homework_tag, brings_tag = CONTEXT_TAGS
    tags: list[ContextTag] = []
    for source in reversed(sources):
        if (
            source.form == INTAKE_FORM and set(source.values("purpose-homework")) & USED
        ) or "purpose-homework" in source.values("main-purposes"):
            tags.append(ContextTag(homework_tag.code, homework_tag.display, source))
            break
    for source in reversed(sources):
        if "bring-yes" in source.values("bring-to-session") or set(
            source.values("excerpt-review")
        ) & {"excerpt-summarized", "excerpt-stored"}:
            tags.append(ContextTag(brings_tag.code, brings_tag.display, source))
            break
    return tuple(tags)


def score_dependency(
    sources: Sequence[AnswerSource], earlier_base_scores: Sequence[int] = ()
) -> RiskResult:
    """Score the client as of the newest of ``sources`` (oldest first).

    ``earlier_base_scores``: the base scores (without the trend point) of the records before
    the newest one, oldest first; the trend rule compares with the record two back.
    """
    findings: list[tuple[str, Finding | None]] = [
        ("input-days", _newest(sources, _usage("days-per-week", lambda v: int(v in HEAVY_DAYS)))),
        ("input-time", _newest(sources, _usage("time-per-day", lambda v: int(v in LONG_TIME)))),
        ("input-emotional-purpose", _newest(sources, _emotional_purpose)),
        ("input-after-midnight", _newest(sources, _after_midnight)),
        ("input-withdrawal", _newest(sources, _withdrawal)),
        ("input-loss-of-control", _newest(sources, _loss_of_control)),
        ("input-displacement", _newest(sources, _displacement)),
        ("input-less-contact", _newest(sources, _less_contact)),
        ("input-prefers-people", _newest(sources, _much_easier("comfort-vs-people"))),
        ("input-prefers-therapist", _newest(sources, _much_easier("comfort-vs-therapist"))),
        ("input-framing", _newest(sources, _framing)),
        ("input-validation-loop", _validation_loop(sources)),
    ]
    inputs = [
        InputResult(_INPUT[code], points, answer, source)
        for code, found in findings
        if found is not None
        for points, answer, source in [found]
    ]
    base = sum(result.points for result in inputs)
    if len(earlier_base_scores) >= 2 and sources:
        rise = base - earlier_base_scores[-2]
        inputs.append(
            InputResult(
                _INPUT["input-trend"],
                1 if rise >= 3 else 0,
                f"{earlier_base_scores[-2]} → {earlier_base_scores[-1]} → {base}",
                sources[-1],
            )
        )
    score = sum(result.points for result in inputs)
    evaluated = tuple(dict.fromkeys(source.ref for source in reversed(sources)))
    return RiskResult(
        score, band_for(score), tuple(inputs), _context(sources), base, evaluated=evaluated
    )

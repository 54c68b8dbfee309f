"""Answers as people read them: form state for re-rendering, summaries for review and records."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from fhir_mappings.definitions.answers import Answer, condition_holds, enabled
from fhir_mappings.definitions.model import Condition, Definition, Item, Language
from intake_ai.forms.carried import CarriedAnswer, as_answers
from intake_ai.i18n import gettext_in

FREE_TEXT = ("string", "text")


@dataclass
class FormState:
    """What the form shows: raw values as typed, per-field errors, declined items, and the
    answers carried over from the last record (shown beside their question, unconfirmed)."""

    definition: Definition
    values: Mapping[str, Any] = field(default_factory=dict)
    errors: Mapping[str, list[str]] = field(default_factory=dict)
    carried: Mapping[str, CarriedAnswer] = field(default_factory=dict)
    #: The client's language: the definition's texts are shown in it (English follows).
    language: Language = "en"

    @property
    def declined(self) -> set[str]:
        return set(self.values.get("declined", []))

    @property
    def gate_open(self) -> bool:
        gate = self.definition.gate
        return gate is None or condition_holds(gate, as_answers(self.values))

    def closed(self, item: Item) -> bool:
        """A section behind the closed gate: not shown, its controls not sent (no JS needed)."""
        return not self.gate_open and self.definition.behind_gate(item.link_id)

    def confirmed(self, link_id: str) -> bool:
        """The carried-over answer is this session's too (the form holds the same values)."""
        carried = self.carried.get(link_id)
        return carried is not None and carried.same_as(self.values.get(link_id))

    def folded(self) -> list[Item]:
        """The questions under "more" (forms with a quick path), in the order of the form."""
        if not self.definition.has_quick_path:
            return []
        return [c for section in self.definition.items for c in section.children if not c.quick]

    @property
    def more_open(self) -> bool:
        """Open "more" when something in it is answered or wrong (an edit, an error)."""
        shown = {*self.values, *self.errors, *self.declined}
        return any(item.link_id in shown for c in self.folded() for item in c.walk())

    @property
    def more_summary(self) -> str:
        folded = self.folded()
        text = f"More questions ({len(folded)})"
        waiting = [
            c.link_id for c in folded if c.link_id in self.carried and not self.confirmed(c.link_id)
        ]
        if waiting:
            text += f" · {len(waiting)} carried over, to confirm or change"
        return text

    def value(self, link_id: str) -> str:
        raw = self.values.get(link_id)
        return "" if raw is None or isinstance(raw, list) else str(raw)

    def checked(self, link_id: str, code: Any) -> bool:
        raw = self.values.get(link_id)
        if isinstance(raw, list):
            return str(code) in [str(v) for v in raw]
        return raw is not None and str(raw) == str(code)

    def is_true(self, link_id: str) -> bool:
        raw = self.values.get(link_id)
        return raw is True or str(raw).lower() in ("true", "on", "yes", "1")

    def condition_text(self, item: Item) -> str | None:
        if not item.enable_when:
            return None
        parts = [_condition_words(self.definition, c) for c in item.enable_when]
        joiner = " or " if item.enable_behavior == "any" else " and "
        return "Asked only if " + joiner.join(parts) + "."

    def enable_json(self, item: Item) -> str:
        if not item.enable_when:
            return ""
        return json.dumps(
            {
                "behavior": item.enable_behavior,
                "conditions": [
                    {"q": c.question, "op": c.operator, "a": c.answer} for c in item.enable_when
                ],
            }
        )

    def summary(self) -> list[tuple[str, str]]:
        """(anchor, message) for the error summary at the top of the form."""
        rows: list[tuple[str, str]] = []
        for key, messages in self.errors.items():
            label = self.definition.item(key).display_label if self.definition.has(key) else "Form"
            anchor = f"q-{key}" if self.definition.has(key) else "form-top"
            rows.extend((anchor, f"{label}: {message}") for message in messages)
        return rows


def _condition_words(definition: Definition, condition: Condition) -> str:
    question = definition.item(condition.question)
    name = f"item {question.prefix}" if question.prefix else f"'{question.display_label}'"
    if condition.operator == "exists":
        return f"{name} is {'' if condition.answer else 'not '}answered"
    answer = str(condition.answer)
    if question.answers is not None and answer in question.answers.codes:
        answer = question.answers.option(answer).display
    return f"{name} {'is' if condition.operator == '=' else 'is not'} '{answer}'"


@dataclass(frozen=True)
class AnswerRow:
    item: Item
    text: str
    declined: bool = False
    hidden: bool = False  # free text not shown to this reader
    #: The answer in the client's language when it is not English and reads differently
    #: (free text and numbers read the same in every language).
    text_es: str | None = None


@dataclass(frozen=True)
class SectionView:
    title: str
    rows: list[AnswerRow]
    title_es: str | None = None


def answer_text(item: Item, answer: Answer, language: Language = "en") -> str:
    """The answer in words: options by their display in ``language``, yes/no and "declined"
    from the catalogue, anything else as given."""
    if answer.declined:
        return gettext_in(language, "Asked, declined")
    shown = []
    for value in answer.values:
        if item.answers is not None and value in item.answers.codes:
            shown.append(item.answers.option(value).display_in(language))
        elif item.kind == "boolean":
            shown.append(gettext_in(language, "Yes") if value else gettext_in(language, "No"))
        else:
            shown.append(str(value))
    return ", ".join(shown)


def _in_language(item: Item, answer: Answer, english: str, language: Language) -> str | None:
    if language == "en" or item.kind in FREE_TEXT:
        return None
    translated = answer_text(item, answer, language)
    return translated if translated != english else None


def describe(
    definition: Definition,
    answers: Mapping[str, Answer],
    show_free_text: bool = True,
    language: Language = "en",
) -> list[SectionView]:
    """The answers given, section by section, in the order of the form; in ``language``
    too when the client reads another (the page shows it first, the English after)."""
    sections: list[SectionView] = []
    for section in definition.items:
        rows = []
        for item in section.walk():
            answer = answers.get(item.link_id)
            if answer is None or not (item.is_question or item.grid):
                continue
            if not enabled(definition, item.link_id, answers):
                continue
            hidden = item.kind in FREE_TEXT and not show_free_text
            text = (
                "(free text, shared with the clinician only)"
                if hidden
                else answer_text(item, answer)
            )
            rows.append(
                AnswerRow(
                    item,
                    text,
                    answer.declined,
                    hidden,
                    None if hidden else _in_language(item, answer, text, language),
                )
            )
        if rows:
            title_es = section.es if language == "es" else None
            sections.append(SectionView(section.text, rows, title_es))
    return sections


def form_values(definition: Definition, answers: Mapping[str, Answer]) -> dict[str, Any]:
    """Stored answers as the form shows them (for editing a stored record)."""
    values: dict[str, Any] = {
        link_id: list(answer.values) if definition.item(link_id).repeats else answer.value
        for link_id, answer in answers.items()
        if not answer.declined
    }
    values["declined"] = [link_id for link_id, answer in answers.items() if answer.declined]
    return values

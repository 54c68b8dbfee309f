"""The shape of a form definition: items, answer lists, skip logic, who supplies each answer.

A definition is data. The FHIR Questionnaire, the CodeSystem and ValueSets, the HTML form,
the validation schema and the Observation extraction are all derived from it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

ItemKind = Literal["group", "choice", "integer", "string", "text", "boolean", "date", "display"]
Source = Literal["client", "clinician", "both"]
Operator = Literal["=", "!=", "exists"]
#: The languages every text of a definition is written in; English is the base text.
Language = Literal["en", "es"]
LANGUAGES: tuple[Language, ...] = ("en", "es")


@dataclass(frozen=True)
class Option:
    #: The concept code in the local CodeSystem (unique across the whole CodeSystem).
    code: str
    display: str
    #: Ordinal value for scales (e.g. 0-4 reliance items); used by the risk rules.
    score: int | None = None
    #: Chosen alone or not at all ("None", "Nothing personal").
    exclusive: bool = False
    #: The display in Spanish.
    es: str | None = None
    #: Plainer words for the client's own check-in, where the display is clinical
    #: (English, Spanish); the display otherwise.
    ask: tuple[str, str] | None = None
    #: Offered to the client on the check-in ("Not discussed" is the clinician's answer).
    for_client: bool = True

    def display_in(self, language: Language) -> str:
        return self.es or self.display if language == "es" else self.display

    def ask_in(self, language: Language) -> str:
        if self.ask is not None:
            return self.ask[LANGUAGES.index(language)]
        return self.display_in(language)


@dataclass(frozen=True)
class AnswerList:
    #: Also the ValueSet id.
    id: str
    title: str
    options: tuple[Option, ...]

    def option(self, code: str) -> Option:
        for option in self.options:
            if option.code == code:
                return option
        raise KeyError(code)

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(option.code for option in self.options)

    def without(self, *codes: str, id: str, title: str) -> AnswerList:
        return AnswerList(id, title, tuple(o for o in self.options if o.code not in codes))


@dataclass(frozen=True)
class Condition:
    """One enableWhen: the item is asked only if ``question`` meets this condition."""

    question: str
    operator: Operator
    #: An answer code for = and !=; True/False for exists.
    answer: str | bool


@dataclass(frozen=True)
class Item:
    link_id: str
    #: The question as asked.
    text: str
    kind: ItemKind
    #: Short name for lists, chart axes and the CodeSystem display.
    label: str = ""
    #: Printed before the text ("1", "2", ... or "A" for sections).
    prefix: str | None = None
    answers: AnswerList | None = None
    repeats: bool = False
    required: bool = False
    children: tuple[Item, ...] = ()
    enable_when: tuple[Condition, ...] = ()
    #: "any": one condition suffices; "all": every condition must hold.
    enable_behavior: Literal["any", "all"] = "all"
    #: Who supplies the answer: client-reported, clinician-observed, or both.
    source: Source | None = None
    #: Extract an Observation from this answer (SDC observation-based extraction).
    extract: bool = True
    #: A grid: a group whose child questions share one answer list (rows x columns).
    grid: bool = False
    #: The item may be marked "asked, declined".
    declinable: bool = True
    max_length: int | None = None
    min_value: int | None = None
    max_value: int | None = None
    #: Pre-answer from the client's last record (session notes): shown as carried over, and
    #: counted only once the clinician confirms or changes it.
    prefill: bool = False
    #: On the quick path of a form with one (session notes): shown first; every other item
    #: is folded under "more". A page hint only: the Questionnaire does not change.
    quick: bool = False
    #: Initial answer shown on a new form.
    initial: Any = None
    help: str | None = None
    #: The text, the help and the short name in Spanish.
    es: str | None = None
    help_es: str | None = None
    label_es: str | None = None
    #: The question in plain words for the client's own check-in (English, Spanish); only
    #: items with one are asked there.
    ask: tuple[str, str] | None = None

    def text_in(self, language: Language) -> str:
        return self.es or self.text if language == "es" else self.text

    def help_in(self, language: Language) -> str | None:
        return self.help_es or self.help if language == "es" else self.help

    def ask_in(self, language: Language) -> str:
        return self.ask[LANGUAGES.index(language)] if self.ask else self.text_in(language)

    @property
    def display_label(self) -> str:
        return self.label or self.text

    @property
    def display_label_es(self) -> str | None:
        return self.label_es if self.label else self.es

    @property
    def is_question(self) -> bool:
        return self.kind not in ("group", "display")

    def walk(self) -> Iterator[Item]:
        yield self
        for child in self.children:
            yield from child.walk()


@dataclass(frozen=True)
class Definition:
    #: Questionnaire id stem and name, e.g. "ai-use-intake".
    id: str
    name: str
    title: str
    version: str
    #: Shown above the form.
    preface: str
    items: tuple[Item, ...]
    #: Local code of the panel Observation that groups the extracted answers.
    panel_code: str
    panel_display: str
    #: Date the definition's content was last changed (Questionnaire.date).
    date: str
    #: The answer every other section waits for (consent first): sections outside the one
    #: holding its question carry it in their enableWhen, the page shows them only once it
    #: holds, and answers behind it are dropped, never stored, while it does not.
    gate: Condition | None = None
    #: The title, the preface and the panel's display in Spanish.
    title_es: str | None = None
    preface_es: str | None = None
    panel_display_es: str | None = None
    _index: dict[str, Item] = field(default_factory=dict, compare=False, repr=False)
    _parents: dict[str, Item] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        for item in self.walk():
            if item.link_id in self._index:
                raise ValueError(f"{self.id}: linkId {item.link_id!r} is used twice")
            self._index[item.link_id] = item
            for child in item.children:
                self._parents[child.link_id] = item
        if self.gate is not None:
            for section in self.items:
                if section is not self.gate_section and self.gate not in section.enable_when:
                    raise ValueError(f"{self.id}: {section.link_id} must be asked after the gate")

    def title_in(self, language: Language) -> str:
        return self.title_es or self.title if language == "es" else self.title

    def preface_in(self, language: Language) -> str:
        return self.preface_es or self.preface if language == "es" else self.preface

    def walk(self) -> Iterator[Item]:
        for item in self.items:
            yield from item.walk()

    def questions(self) -> Iterator[Item]:
        return (item for item in self.walk() if item.is_question)

    def item(self, link_id: str) -> Item:
        return self._index[link_id]

    def has(self, link_id: str) -> bool:
        return link_id in self._index

    def parent_of(self, link_id: str) -> Item | None:
        return self._parents.get(link_id)

    def section_of(self, link_id: str) -> Item:
        """The top-level item (section) that holds ``link_id``."""
        item = self.item(link_id)
        while (parent := self.parent_of(item.link_id)) is not None:
            item = parent
        return item

    @property
    def gate_section(self) -> Item | None:
        return self.section_of(self.gate.question) if self.gate is not None else None

    def behind_gate(self, link_id: str) -> bool:
        """Whether the item is asked only once the gate holds (outside the gate's section)."""
        return self.gate is not None and self.section_of(link_id) is not self.gate_section

    @property
    def has_quick_path(self) -> bool:
        return any(item.quick for item in self.walk())

    def answer_lists(self) -> list[AnswerList]:
        seen: dict[str, AnswerList] = {}
        for item in self.walk():
            if item.answers is not None:
                seen.setdefault(item.answers.id, item.answers)
        return list(seen.values())

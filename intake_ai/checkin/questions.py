"""What the check-in asks: the session note's client-reported items that carry plain words
for the client (``Item.ask``), in the note's order, and reading the client's answers."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from werkzeug.datastructures import MultiDict

from fhir_mappings.definitions.answers import enabled
from fhir_mappings.definitions.model import Item, Language, Option
from fhir_mappings.definitions.session_note import SESSION_NOTE
from intake_ai.errors import InvalidInput
from intake_ai.forms.carried import as_answers
from intake_ai.forms.schema import form_data, load_answers
from intake_ai.i18n import gettext


def asked_items() -> list[Item]:
    return [item for item in SESSION_NOTE.questions() if item.ask is not None]


@dataclass(frozen=True)
class Question:
    """One question as the client's page shows it, in the client's language."""

    item: Item
    text: str
    options: tuple[tuple[Option, str], ...]
    #: Asked only if the client used AI chat (the note's skip logic).
    follow_up: bool

    @property
    def link_id(self) -> str:
        return self.item.link_id


def questions_in(language: Language) -> list[Question]:
    shown = []
    for item in asked_items():
        options: tuple[tuple[Option, str], ...] = ()
        if item.answers is not None:
            options = tuple(
                (option, option.ask_in(language))
                for option in item.answers.options
                if option.for_client
            )
        shown.append(Question(item, item.ask_in(language), options, bool(item.enable_when)))
    return shown


def read_answers(form: MultiDict[str, str]) -> dict[str, Any]:
    """The client's answers as form data of the note: only the asked items, only those the
    skip logic keeps (answers after "No" are dropped, not refused), checked by the note's
    own schema and against the answers offered to clients. Raises ``InvalidInput`` in the
    client's words, keyed by question."""
    asked = {item.link_id: item for item in asked_items()}
    data = {key: value for key, value in form_data(SESSION_NOTE, form).items() if key in asked}
    answers = as_answers(data)
    kept = {key: value for key, value in data.items() if enabled(SESSION_NOTE, key, answers)}
    try:
        load_answers(SESSION_NOTE, kept)
    except InvalidInput as error:
        wrong = [key for key in error.errors if key in asked] or ["form"]
        raise InvalidInput(
            {key: [gettext("Please check this answer.")] for key in wrong}
        ) from error
    for link_id, value in kept.items():
        item = asked[link_id]
        codes = value if isinstance(value, list) else [value]
        if item.answers is not None and any(not item.answers.option(c).for_client for c in codes):
            raise InvalidInput({link_id: [gettext("Please check this answer.")]})
    return kept


def summary_in(data: Mapping[str, Any], language: Language) -> list[tuple[str, str]]:
    """What the client sent, as (question, answer) in their language, for their last page."""
    rows = []
    for item in asked_items():
        value = data.get(item.link_id)
        if value in (None, "", []):
            continue
        values = value if isinstance(value, list) else [value]
        if item.answers is not None:
            shown = ", ".join(item.answers.option(v).ask_in(language) for v in values)
        else:
            shown = ", ".join(str(v) for v in values)
        rows.append((item.ask_in(language), shown))
    return rows

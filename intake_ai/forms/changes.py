"""What changed between two versions of a record's answers, in words people read:
"Days of use per week: 1–2 days → 5–6 days", never JSON."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from fhir_mappings.definitions.answers import Answer
from fhir_mappings.definitions.model import Definition, Item
from intake_ai.forms.views import FREE_TEXT, answer_text

NOT_ANSWERED = "not answered"


@dataclass(frozen=True)
class Change:
    label: str
    before: str
    after: str
    #: Free text the reader may not see: only the fact that it changed is shown.
    hidden: bool = False


def _answerable(definition: Definition) -> Iterator[Item]:
    return (item for item in definition.walk() if item.is_question or item.grid)


def _text(item: Item, answer: Answer | None) -> str:
    return NOT_ANSWERED if answer is None else answer_text(item, answer)


def answer_changes(
    before_definition: Definition,
    before: Mapping[str, Answer],
    after_definition: Definition,
    after: Mapping[str, Answer],
    show_free_text: bool = True,
) -> list[Change]:
    """The items whose answer differs, in the order of the later form.

    The two versions may answer different versions of a form (an edit stores the current
    one): items are matched by linkId, which a new version keeps.
    """
    items = {item.link_id: item for item in _answerable(after_definition)}
    for item in _answerable(before_definition):
        items.setdefault(item.link_id, item)
    changes = []
    for link_id, item in items.items():
        was, now = _text(item, before.get(link_id)), _text(item, after.get(link_id))
        if was == now:
            continue
        prefix = f"{item.prefix}. " if item.prefix and item.prefix.isdigit() else ""
        label = prefix + item.display_label
        if item.kind in FREE_TEXT and not show_free_text:
            changes.append(Change(label, "", "", hidden=True))
        else:
            changes.append(Change(label, was, now))
    return changes

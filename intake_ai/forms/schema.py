"""The validation schema of a form, generated from its definition (marshmallow).

One schema per definition validates both the HTML form and answers posted over the FHIR
API: unknown codes, wrong types, oversized text, answers to items the skip logic skipped,
"None" combined with other answers, and the consent rules. Errors are keyed by linkId so
they can be shown next to their question (or pointed at in an OperationOutcome).

Answers behind a closed gate (the intake's sections while consent is "discuss first") are
dropped rather than refused: only the decision is kept, as the client asked.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from functools import cache
from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, post_load, validates_schema
from marshmallow.validate import Length, OneOf, Range
from werkzeug.datastructures import MultiDict

from fhir_mappings.definitions.answers import DECLINED, Answer, condition_holds, enabled
from fhir_mappings.definitions.model import Condition, Definition, Item

#: Form keys that are not answers: page controls, and the note's annotation and indicator
#: review, which are stored as records of their own.
FORM_CONTROLS = frozenset(
    {
        "csrf_token",
        "action",
        "answers",
        "base_version",
        "annotation",
        "review",
        "band",
        "reason",
        "change_reason",
        "confirmed",
    }
)

DECLINED_KEY = "declined"


def _choice_field(item: Item) -> fields.Field:
    assert item.answers is not None
    one_of = OneOf(
        item.answers.codes, error="'{input}' is not one of the answers to this question."
    )
    if item.repeats:
        return fields.List(fields.String(validate=one_of))
    return fields.String(validate=one_of)


def _field(item: Item) -> fields.Field:
    if item.kind == "choice":
        return _choice_field(item)
    if item.kind == "integer":
        low, high = item.min_value, item.max_value
        return fields.Integer(
            strict=False,
            validate=Range(min=low, max=high, error=f"Give a whole number from {low} to {high}."),
            error_messages={"invalid": "Give a whole number."},
        )
    if item.kind in ("string", "text"):
        limit = item.max_length or 2000
        return fields.String(
            validate=Length(max=limit, error=f"Keep this under {limit} characters.")
        )
    if item.kind == "boolean":
        return fields.Boolean(error_messages={"invalid": "Answer yes or no."})
    if item.kind == "date":
        return fields.Date(error_messages={"invalid": "Give a date as YYYY-MM-DD."})
    raise ValueError(f"no field for {item.kind}")


def _describe(definition: Definition, condition: Condition) -> str:
    question = definition.item(condition.question)
    name = f"item {question.prefix}" if question.prefix else f"'{question.display_label}'"
    if condition.operator == "exists":
        return f"{name} is {'not ' if condition.answer else ''}answered"
    answer = str(condition.answer)
    if question.answers is not None and answer in question.answers.codes:
        answer = question.answers.option(answer).display
    verb = "is" if condition.operator == "!=" else "is not"
    return f"{name} {verb} '{answer}'"


def skipped_reason(definition: Definition, link_id: str, answers: Mapping[str, Answer]) -> str:
    """Why an item is not asked, in words a clinician reads next to the field."""
    item: Item | None = definition.item(link_id)
    while item is not None:
        failing = [c for c in item.enable_when if not condition_holds(c, answers)]
        if failing:
            return (
                f"This question is skipped because {_describe(definition, failing[0])}; "
                "remove the answer or change that answer."
            )
        item = definition.parent_of(item.link_id)
    return "This question is skipped."


class AnswerSchema(Schema):
    """Base of the generated schemas; ``definition`` is set on each subclass."""

    definition: Definition

    class Meta:
        unknown = RAISE

    @validates_schema(skip_on_field_errors=False)
    def _rules(self, data: dict[str, Any], **_kwargs: Any) -> None:
        definition = self.definition
        answers = _to_answers(definition, data)
        errors: dict[str, list[str]] = {}

        def add(link_id: str, message: str) -> None:
            errors.setdefault(link_id, []).append(message)

        for link_id in data.get(DECLINED_KEY, []):
            if link_id in data:
                add(link_id, "Marked as declined but also answered: keep one.")
        dropped = set(gated_out(definition, answers))
        for link_id, answer in answers.items():
            item = definition.item(link_id)
            if link_id in dropped:
                continue
            if not enabled(definition, link_id, answers):
                add(link_id, skipped_reason(definition, link_id, answers))
            if item.answers is not None and len(answer.values) > 1:
                exclusive = [v for v in answer.values if item.answers.option(v).exclusive]
                if exclusive:
                    display = item.answers.option(exclusive[0]).display
                    add(link_id, f"'{display}' cannot be combined with other answers.")
        for item in definition.questions():
            if not item.required or not enabled(definition, item.link_id, answers):
                continue
            given = answers.get(item.link_id)
            if item.kind == "boolean":
                # A required yes/no is an acknowledgement: only "yes" satisfies it.
                if given is None or given.value is not True:
                    add(item.link_id, "The client must acknowledge this before anything is stored.")
            elif given is None or given.declined:
                add(item.link_id, "This answer is required.")
        if errors:
            raise ValidationError(errors)

    @post_load
    def _answers(self, data: dict[str, Any], **_kwargs: Any) -> dict[str, Answer]:
        answers = _to_answers(self.definition, data)
        for link_id in gated_out(self.definition, answers):
            del answers[link_id]
        # An unanswered item with an initial value (research opt-in: off) takes that value.
        for item in self.definition.questions():
            if (
                item.initial is not None
                and item.link_id not in answers
                and enabled(self.definition, item.link_id, answers)
            ):
                answers[item.link_id] = Answer((item.initial,))
        return answers


def gated_out(definition: Definition, answers: Mapping[str, Answer]) -> list[str]:
    """The answered (or declined) items behind the definition's gate while it is closed."""
    if definition.gate is None or condition_holds(definition.gate, answers):
        return []
    return [link_id for link_id in answers if definition.behind_gate(link_id)]


def dropped_answers(definition: Definition, data: Mapping[str, Any]) -> int:
    """How many answers of valid form ``data`` go unstored because the gate is closed."""
    return len(gated_out(definition, _to_answers(definition, data)))


def _to_answers(definition: Definition, data: Mapping[str, Any]) -> dict[str, Answer]:
    answers: dict[str, Answer] = {}
    for link_id, value in data.items():
        if link_id == DECLINED_KEY:
            continue
        values = tuple(value) if isinstance(value, list) else (value,)
        # Answers stay JSON values (dates as ISO text), as they are in a QuestionnaireResponse.
        values = tuple(
            v.isoformat() if isinstance(v, date) else v for v in values if v is not None and v != ""
        )

        if values:
            answers[link_id] = Answer(values)
    for link_id in data.get(DECLINED_KEY, []):
        answers.setdefault(link_id, DECLINED)
    return answers


@cache
def schema_for(definition: Definition) -> AnswerSchema:
    """The (cached) schema instance of a definition."""
    attributes: dict[str, Any] = {"definition": definition}
    declinable = []
    for item in definition.walk():
        if item.is_question:
            attributes[item.link_id] = _field(item)
        if item.declinable and (item.is_question or item.grid):
            declinable.append(item.link_id)
    attributes[DECLINED_KEY] = fields.List(
        fields.String(validate=OneOf(declinable, error="'{input}' cannot be marked declined."))
    )
    cls = type(f"{definition.name}Schema", (AnswerSchema,), attributes)
    return cls()


def form_data(definition: Definition, form: MultiDict[str, str]) -> dict[str, Any]:
    """What an HTML form sent, as the schema expects it (empty inputs mean "no answer")."""
    data: dict[str, Any] = {}
    for key in form:
        if key in FORM_CONTROLS:
            continue
        if key == DECLINED_KEY:
            data[key] = [v for v in form.getlist(key) if v]
            continue
        item = definition.item(key) if definition.has(key) else None
        if item is not None and item.repeats:
            values = [v for v in form.getlist(key) if v.strip()]
            if values:
                data[key] = values
        else:
            value = form.get(key, "").strip()
            if value:
                data[key] = value
    return data


def flatten_errors(messages: Mapping[str, Any]) -> dict[str, list[str]]:
    """marshmallow's nested messages ({"tools": {0: [...]}}) as one list per field."""
    flat: dict[str, list[str]] = {}
    for key, value in messages.items():
        target = "form" if key == "_schema" else key
        if isinstance(value, Mapping):
            for nested in value.values():
                flat.setdefault(target, []).extend(
                    nested if isinstance(nested, list) else [str(nested)]
                )
        else:
            flat.setdefault(target, []).extend(value if isinstance(value, list) else [str(value)])
    if "declined" in flat:
        flat["form"] = flat.pop("declined") + flat.get("form", [])
    return flat


def load_answers(definition: Definition, data: Mapping[str, Any]) -> dict[str, Answer]:
    """Validated answers, or ``InvalidInput`` with a message per field."""
    from intake_ai.errors import InvalidInput

    try:
        return schema_for(definition).load(data)
    except ValidationError as error:
        raise InvalidInput(flatten_errors(error.normalized_messages())) from error

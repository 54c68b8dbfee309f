"""The page flow every definition-driven form shares: fill in, review, save; or go back.

A form with a gate (the intake: consent first) has a first step: until the gate holds,
only its section is shown, and "Continue" either opens the rest (the client agreed) or goes
to the review (only the decision is stored). A form with carried-over answers adopts those
the clinician confirmed and lists the others on the review step, unsaved.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import flash, redirect, request, url_for
from werkzeug.wrappers import Response

from fhir_mappings.definitions import definition_of
from fhir_mappings.definitions.answers import Answers
from fhir_mappings.definitions.model import Definition
from fhir_mappings.questionnaire import questionnaire_url
from fhir_mappings.response import answers_of
from intake_ai.auth.actors import Actor, current_actor
from intake_ai.errors import Conflict, ConsentRequired, InvalidInput, NotFound
from intake_ai.forms.carried import adopt, unconfirmed
from intake_ai.forms.changes import answer_changes
from intake_ai.forms.records import change_reason
from intake_ai.forms.schema import dropped_answers, form_data, load_answers
from intake_ai.forms.views import FormState, describe, form_values
from intake_ai.i18n import render_in
from intake_ai.i18n.preferences import client_language
from intake_ai.records.service import open_record
from intake_ai.store.database import transaction
from intake_ai.untrusted import row_id

Page = tuple[str, int] | Response
#: Stores an edit: (actor, response id, answers, the version it started from, the reason).
Amend = Callable[[Actor, str, Answers, int, str], object]
#: The review step's own fields: a mistake there shows the review again, not the form.
REVIEW_FIELDS = frozenset({"band", "reason", "change_reason"})


def render_for_client(template: str, context: dict[str, Any], **extra: Any) -> str:
    """A form page with its client-facing strings in the client's language (``context``'s
    ``language``); the clinician's own controls stay English, as on every other page."""
    shown = {key: value for key, value in context.items() if key != "language"}
    return render_in(context.get("language", "en"), template, **shown, **extra)


@dataclass(frozen=True)
class FormPages:
    definition: Definition
    form_template: str
    review_template: str

    def form(
        self,
        values: dict[str, Any],
        context: dict[str, Any],
        errors: dict[str, list[str]] | None = None,
        status: int = 200,
    ) -> tuple[str, int]:
        state = FormState(
            self.definition,
            values,
            errors or {},
            context.get("carried") or {},
            context.get("language", "en"),
        )
        return render_for_client(self.form_template, context, state=state), status

    def posted(self, context: dict[str, Any]) -> dict[str, Any]:
        """The answers carried by the review step (hidden field), or those typed in the form
        (with the carried-over answers the clinician confirmed)."""
        if "answers" not in request.form:
            data = form_data(self.definition, request.form)
            carried = context.get("carried")
            if carried:
                data = adopt(self.definition, data, carried, request.form.getlist("confirmed"))
            return data
        try:
            reviewed = json.loads(request.form["answers"])
        except (ValueError, RecursionError):  # tampered with: not JSON, or nested to exhaustion
            reviewed = None
        if not isinstance(reviewed, dict):
            raise InvalidInput(
                {"form": ["The reviewed answers could not be read; fill in the form again."]}
            )
        return reviewed

    def _review(
        self,
        context: dict[str, Any],
        data: dict[str, Any],
        answers: Answers,
        shown: Any,
        changes: Callable[[Answers], Any] | None,
        errors: dict[str, list[str]] | None = None,
    ) -> tuple[str, int]:
        return render_for_client(
            self.review_template,
            context,
            preview=shown,
            sections=describe(self.definition, answers, language=context.get("language", "en")),
            answers_json=json.dumps(data),
            dropped=dropped_answers(self.definition, data),
            unconfirmed=unconfirmed(self.definition, data, context.get("carried") or {}),
            changes=changes(answers) if changes is not None else None,
            errors=errors or {},
        ), (400 if errors else 200)

    def review_or_save(
        self,
        context: dict[str, Any],
        save: Callable[[Answers], str],
        preview: Callable[[Answers], Any],
        changes: Callable[[Answers], Any] | None = None,
    ) -> Page:
        """A posted form: back to edit, the gate step, review (stores nothing), or save."""
        action = request.form.get("action", "review")
        try:
            data = self.posted(context)
        except InvalidInput as error:
            typed = "answers" not in request.form
            values = form_data(self.definition, request.form) if typed else {}
            return self.form(values, context, error.errors, 400)
        if action == "edit":
            return self.form(data, context)
        try:
            answers = load_answers(self.definition, data)
            if action == "continue" and FormState(self.definition, data).gate_open:
                return self.form(data, context)  # the first step done: now the rest
            if action == "save":
                with transaction():
                    message = save(answers)
                flash(message)
                return redirect(context["after_save"])
            with transaction():
                shown = preview(answers)
            return self._review(context, data, answers, shown, changes)
        except InvalidInput as error:
            if action == "save" and set(error.errors) <= REVIEW_FIELDS:
                with transaction():
                    shown = preview(answers)
                return self._review(context, data, answers, shown, changes, error.errors)
            return self.form(data, context, error.errors, 400)
        except Conflict as error:
            return self.form(data, context, {"form": [str(error)]}, 409)
        except ConsentRequired as error:
            return self.form(data, context, {"form": [str(error)]}, 400)

    def edit(
        self, response_id: str, amend: Amend, saved: str, extra: dict[str, Any] | None = None
    ) -> Page:
        """Edit a stored record of this form: the form filled from it, review what changes,
        give the reason, save a version.

        Served by the blueprint's ``.edit`` view, whose record page is ``.view``.
        """
        actor = current_actor()
        with transaction():
            record = open_record(actor, "QuestionnaireResponse", response_id, for_change=True)
            language = client_language(record.client.id)
        stored_definition = definition_of(record.resource) or self.definition
        if questionnaire_url(stored_definition) != questionnaire_url(self.definition):
            raise NotFound("No such record.")  # another form's record: not this page's
        stored = answers_of(stored_definition, record.resource)
        base_version = (
            record.row.version_id
            if request.method == "GET"
            else row_id(request.form.get("base_version", "")) or 0
        )
        context = {
            "client": record.client,
            "encounter": record.encounter,
            "language": language,
            "editing": record,
            "base_version": base_version,
            "change_reason": request.form.get("change_reason", ""),
            **(extra or {}),
            "action": url_for(".edit", response_id=response_id),
            "after_save": url_for(".view", response_id=response_id),
        }
        if request.method == "GET":
            return self.form(form_values(self.definition, stored), context)

        def save(answers: Answers) -> str:
            reason = change_reason(request.form.get("change_reason", ""))
            amend(actor, response_id, answers, base_version, reason)
            return saved

        def changes(answers: Answers) -> Any:
            return answer_changes(stored_definition, stored, self.definition, answers)

        return self.review_or_save(context, save, lambda answers: None, changes)

"""The page flow every definition-driven form shares: fill in, review, save; or go back."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from fhir_mappings.definitions.answers import Answers
from fhir_mappings.definitions.model import Definition
from fhir_mappings.response import answers_of
from intake_ai.auth.actors import Actor, current_actor
from intake_ai.errors import Conflict, ConsentRequired, InvalidInput
from intake_ai.forms.schema import form_data, load_answers
from intake_ai.forms.views import FormState, describe, form_values
from intake_ai.records.service import open_record
from intake_ai.store.database import transaction
from intake_ai.untrusted import row_id

Page = tuple[str, int] | Response
#: Stores an edit: (actor, response id, answers, the version the edit started from).
Amend = Callable[[Actor, str, Answers, int], object]


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
        state = FormState(self.definition, values, errors or {})
        return render_template(self.form_template, state=state, **context), status

    def posted(self) -> dict[str, Any]:
        """The answers carried by the review step (hidden field), or those typed in the form."""
        if "answers" not in request.form:
            return form_data(self.definition, request.form)
        try:
            data = json.loads(request.form["answers"])
        except (ValueError, RecursionError):  # tampered with: not JSON, or nested to exhaustion
            data = None
        if not isinstance(data, dict):
            raise InvalidInput(
                {"form": ["The reviewed answers could not be read; fill in the form again."]}
            )
        return data

    def review_or_save(
        self,
        context: dict[str, Any],
        save: Callable[[Answers], str],
        preview: Callable[[Answers], Any],
    ) -> Page:
        """A posted form: back to edit, review (stores nothing), or save after review."""
        action = request.form.get("action", "review")
        try:
            data = self.posted()
        except InvalidInput as error:
            return self.form({}, context, error.errors, 400)
        if action == "edit":
            return self.form(data, context)
        try:
            answers = load_answers(self.definition, data)
            if action == "save":
                with transaction():
                    message = save(answers)
                flash(message)
                return redirect(context["after_save"])
            with transaction():
                shown = preview(answers)
            return render_template(
                self.review_template,
                preview=shown,
                sections=describe(self.definition, answers),
                answers_json=json.dumps(data),
                **context,
            ), 200
        except InvalidInput as error:
            if action == "save" and set(error.errors) <= {"band", "reason"}:
                # The review step's own fields: show the review again with the message.
                with transaction():
                    shown = preview(load_answers(self.definition, data))
                return render_template(
                    self.review_template,
                    preview=shown,
                    sections=describe(self.definition, answers),
                    answers_json=json.dumps(data),
                    errors=error.errors,
                    **context,
                ), 400
            return self.form(data, context, error.errors, 400)
        except Conflict as error:
            return self.form(data, context, {"form": [str(error)]}, 409)
        except ConsentRequired as error:
            return self.form(data, context, {"form": [str(error)]}, 400)

    def edit(
        self, response_id: str, amend: Amend, saved: str, extra: dict[str, Any] | None = None
    ) -> Page:
        """Edit a stored record of this form: the form filled from it, review, save a version.

        Served by the blueprint's ``.edit`` view, whose record page is ``.view``.
        """
        actor = current_actor()
        with transaction():
            record = open_record(actor, "QuestionnaireResponse", response_id, for_change=True)
        base_version = (
            record.row.version_id
            if request.method == "GET"
            else row_id(request.form.get("base_version", "")) or 0
        )
        context = {
            "client": record.client,
            "encounter": record.encounter,
            "editing": record,
            "base_version": base_version,
            **(extra or {}),
            "action": url_for(".edit", response_id=response_id),
            "after_save": url_for(".view", response_id=response_id),
        }
        if request.method == "GET":
            values = form_values(self.definition, answers_of(self.definition, record.resource))
            return self.form(values, context)

        def save(answers: Answers) -> str:
            amend(actor, response_id, answers, base_version)
            return saved

        return self.review_or_save(context, save, lambda answers: None)

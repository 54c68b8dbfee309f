"""Intake pages: the form, the review step, drafts, the stored intake and its edits."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from fhir_mappings.definitions.answers import Answers
from fhir_mappings.definitions.intake import INTAKE
from fhir_mappings.response import answers_of
from intake_ai.answer_schema import form_data, load_answers
from intake_ai.answer_views import FormState, describe
from intake_ai.auth.actors import current_actor
from intake_ai.database import transaction
from intake_ai.errors import Conflict, ConsentRequired, InvalidInput
from intake_ai.forms_service import load_draft, session_for_recording
from intake_ai.intake import service
from intake_ai.records.service import open_record
from intake_ai.web import guard_pages

bp = Blueprint("intake_intake", __name__)
guard_pages(bp)

Page = tuple[str, int] | Response


def _form(
    values: dict[str, Any],
    context: dict[str, Any],
    errors: dict[str, list[str]] | None = None,
    status: int = 200,
) -> tuple[str, int]:
    state = FormState(INTAKE, values, errors or {})
    return render_template("intake_ai/intake/form.html", state=state, **context), status


def _posted_answers() -> dict[str, Any]:
    """The answers carried by the review step (hidden field), or those typed in the form."""
    if "answers" not in request.form:
        return form_data(INTAKE, request.form)
    try:
        data = json.loads(request.form["answers"])
    except ValueError:
        data = None
    if not isinstance(data, dict):
        raise InvalidInput(
            {"form": ["The reviewed answers could not be read; fill in the form again."]}
        )
    return data


def _review_or_save(
    context: dict[str, Any], save: Callable[[Answers], str], preview: Callable[[Answers], Any]
) -> Page:
    """The shared flow of a posted form: back to edit, review, or save after review."""
    action = request.form.get("action", "review")
    try:
        data = _posted_answers()
    except InvalidInput as error:
        return _form({}, context, error.errors, 400)
    if action == "edit":
        return _form(data, context)
    try:
        answers = load_answers(INTAKE, data)
        if action == "save":
            with transaction():
                message = save(answers)
            flash(message)
            return redirect(context["after_save"])
        with transaction():
            shown = preview(answers)
        return render_template(
            "intake_ai/intake/review.html",
            preview=shown,
            sections=describe(INTAKE, answers),
            answers_json=json.dumps(data),
            **context,
        ), 200
    except InvalidInput as error:
        return _form(data, context, error.errors, 400)
    except Conflict as error:
        return _form(data, context, {"form": [str(error)]}, 409)


@bp.route("/sessions/<int:encounter_id>/intake", methods=["GET"])
def form(encounter_id: int) -> Page:
    with transaction():
        encounter, client = session_for_recording(current_actor(), encounter_id)
        stored = service.existing_intake(client.id)
        draft = load_draft(encounter_id, service.FORM)
    if stored is not None:
        flash("This client's intake is already stored; you can edit it here.")
        return redirect(url_for(".view", response_id=stored.resource_id))
    context = {
        "client": client,
        "encounter": encounter,
        "has_draft": draft is not None,
        "action": url_for(".form_post", encounter_id=encounter_id),
    }
    return _form(draft or {}, context)


@bp.route("/sessions/<int:encounter_id>/intake", methods=["POST"])
def form_post(encounter_id: int) -> Page:
    actor = current_actor()
    with transaction():
        encounter, client = session_for_recording(actor, encounter_id)
    context = {
        "client": client,
        "encounter": encounter,
        "action": url_for(".form_post", encounter_id=encounter_id),
        "after_save": url_for("intake_clients.client_page", client_id=client.id),
    }
    if request.form.get("action") == "draft":
        data = form_data(INTAKE, request.form)
        try:
            with transaction():
                service.save_draft(actor, encounter_id, data)
        except ConsentRequired as error:
            return _form(data, context, {"consent-record": [str(error)]}, 400)
        flash("Draft saved. Nothing is part of the record until you review and save.")
        return redirect(url_for(".form", encounter_id=encounter_id))

    def save(answers: Answers) -> str:
        stored = service.submit(actor, encounter_id, answers)
        if stored.response is None:
            return "Consent is to be discussed first: only that answer was stored."
        return f"Intake saved: {stored.observations - 1} answers extracted as observations."

    return _review_or_save(
        context, save, lambda answers: service.preview(actor, encounter_id, answers)
    )


@bp.route("/intake/<response_id>")
def view(response_id: str) -> str:
    with transaction():
        record = open_record(current_actor(), "QuestionnaireResponse", response_id)
    answers = answers_of(INTAKE, record.resource)
    return render_template(
        "intake_ai/intake/view.html",
        record=record,
        sections=describe(INTAKE, answers, record.free_text_visible),
    )


@bp.route("/intake/<response_id>/edit", methods=["GET", "POST"])
def edit(response_id: str) -> Page:
    actor = current_actor()
    with transaction():
        record = open_record(actor, "QuestionnaireResponse", response_id, for_change=True)
    base_version = (
        record.row.version_id
        if request.method == "GET"
        else int(request.form.get("base_version", "0") or 0)
    )
    context = {
        "client": record.client,
        "encounter": record.encounter,
        "editing": record,
        "base_version": base_version,
        "action": url_for(".edit", response_id=response_id),
        "after_save": url_for(".view", response_id=response_id),
    }
    if request.method == "GET":
        stored = answers_of(INTAKE, record.resource)
        values: dict[str, Any] = {
            k: (list(a.values) if INTAKE.item(k).repeats else a.value)
            for k, a in stored.items()
            if not a.declined
        }
        values["declined"] = [k for k, a in stored.items() if a.declined]
        return _form(values, context)

    def save(answers: Answers) -> str:
        service.amend(actor, response_id, answers, base_version)
        return "Intake updated; the earlier version is kept in its history."

    return _review_or_save(context, save, lambda answers: None)


@bp.route("/clients/<int:client_id>/consent/declined", methods=["POST"])
def consent_declined(client_id: int) -> Response:
    with transaction():
        service.record_consent_declined(current_actor(), client_id)
    flash("Recorded: the client declined. Nothing else is stored.")
    return redirect(url_for("intake_clients.client_page", client_id=client_id))

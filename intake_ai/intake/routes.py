"""Intake pages: the form, the review step, drafts, the stored intake and its edits."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, request, url_for
from werkzeug.wrappers import Response

from fhir_mappings.definitions import definition_of
from fhir_mappings.definitions.answers import Answers
from fhir_mappings.definitions.intake import INTAKE
from fhir_mappings.response import answers_of
from intake_ai.auth.actors import current_actor
from intake_ai.errors import ConsentRequired
from intake_ai.forms.pages import FormPages, Page
from intake_ai.forms.records import load_draft, session_for_recording
from intake_ai.forms.schema import form_data
from intake_ai.forms.views import describe
from intake_ai.i18n import render_in
from intake_ai.i18n.preferences import client_language
from intake_ai.intake import service
from intake_ai.pages.guard import guard_pages
from intake_ai.records.service import open_record
from intake_ai.store.database import transaction

bp = Blueprint("intake_intake", __name__)
guard_pages(bp)

PAGES = FormPages(INTAKE, "intake_ai/intake/form.html", "intake_ai/intake/review.html")


@bp.route("/sessions/<intake_id:encounter_id>/intake", methods=["GET"])
def form(encounter_id: int) -> Page:
    with transaction():
        encounter, client = session_for_recording(current_actor(), encounter_id)
        language = client_language(client.id)
        stored = service.existing_intake(client.id)
        draft = load_draft(encounter_id, service.FORM)
    if stored is not None:
        flash("This client's intake is already stored; you can edit it here.")
        return redirect(url_for(".view", response_id=stored.resource_id))
    context = {
        "client": client,
        "language": language,
        "encounter": encounter,
        "has_draft": draft is not None,
        "action": url_for(".form_post", encounter_id=encounter_id),
    }
    return PAGES.form(draft or {}, context)


@bp.route("/sessions/<intake_id:encounter_id>/intake", methods=["POST"])
def form_post(encounter_id: int) -> Page:
    actor = current_actor()
    with transaction():
        encounter, client = session_for_recording(actor, encounter_id)
        language = client_language(client.id)
    context = {
        "client": client,
        "language": language,
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
            return PAGES.form(data, context, {"consent-record": [str(error)]}, 400)
        flash("Draft saved. Nothing is part of the record until you review and save.")
        return redirect(url_for(".form", encounter_id=encounter_id))

    def save(answers: Answers) -> str:
        stored = service.submit(actor, encounter_id, answers)
        if stored.response is None:
            return "Consent is to be discussed first: only that answer was stored."
        return f"Intake saved: {stored.observations - 1} answers extracted as observations."

    return PAGES.review_or_save(
        context, save, lambda answers: service.preview(actor, encounter_id, answers)
    )


@bp.route("/intake/<response_id>")
def view(response_id: str) -> str:
    with transaction():
        record = open_record(current_actor(), "QuestionnaireResponse", response_id)
        language = client_language(record.client.id)
    # Read with the version it answered (a 1.0.0 intake shows consent last, as it was asked).
    definition = definition_of(record.resource) or INTAKE
    answers = answers_of(definition, record.resource)
    return render_in(
        language,
        "intake_ai/intake/view.html",
        record=record,
        definition=definition,
        sections=describe(definition, answers, record.free_text_visible, language),
    )


@bp.route("/intake/<response_id>/edit", methods=["GET", "POST"])
def edit(response_id: str) -> Page:
    return PAGES.edit(
        response_id, service.amend, "Intake updated; the earlier version is kept in its history."
    )


@bp.route("/clients/<intake_id:client_id>/consent/declined", methods=["POST"])
def consent_declined(client_id: int) -> Response:
    with transaction():
        service.record_consent_declined(current_actor(), client_id)
    flash("Recorded: the client declined. Nothing else is stored.")
    return redirect(url_for("intake_clients.client_page", client_id=client_id))

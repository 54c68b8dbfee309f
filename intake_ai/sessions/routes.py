"""Session-note pages: the one-click "no AI use" note; the form (quick path first, the rest
under "more", carried-over answers to confirm), review with the indicator it will produce,
save; the stored note; edits."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, request, url_for
from werkzeug.wrappers import Response

from fhir_mappings.definitions.answers import Answers
from fhir_mappings.definitions.risk import BANDS, PROVISIONAL_CAVEAT
from fhir_mappings.definitions.session_note import SESSION_NOTE
from fhir_mappings.response import answers_of
from intake_ai.auth.actors import current_actor
from intake_ai.errors import ConsentRequired, InvalidInput
from intake_ai.forms.pages import FormPages, Page
from intake_ai.forms.records import load_draft, session_for_recording
from intake_ai.forms.schema import form_data
from intake_ai.forms.views import describe
from intake_ai.i18n import render_in
from intake_ai.i18n.preferences import client_language
from intake_ai.models import ConsentState
from intake_ai.pages.guard import guard_pages
from intake_ai.records.service import open_record
from intake_ai.sessions import service
from intake_ai.store.database import transaction

bp = Blueprint("intake_sessions", __name__)
guard_pages(bp)

PAGES = FormPages(SESSION_NOTE, "intake_ai/sessions/form.html", "intake_ai/sessions/review.html")


def _review_fields() -> dict[str, Any]:
    """What the review step carries besides the answers: annotation, indicator review."""
    return {
        "annotation": request.form.get("annotation", "").strip(),
        "review": request.form.get("review", ""),
        "band": request.form.get("band", ""),
        "reason": request.form.get("reason", ""),
        "bands": BANDS,
        "caveat": PROVISIONAL_CAVEAT,
        "show_sources": True,
    }


def _review_choice() -> service.ReviewChoice | None:
    choice = request.form.get("review", "")
    if choice not in ("agree", "override"):
        return None
    return service.ReviewChoice(
        choice == "agree", request.form.get("band") or None, request.form.get("reason")
    )


@bp.route("/sessions/<intake_id:encounter_id>/note", methods=["GET"])
def form(encounter_id: int) -> Page:
    with transaction():
        encounter, client = session_for_recording(current_actor(), encounter_id)
        language = client_language(client.id)
        stored = service.note_for(encounter_id)
        draft = load_draft(encounter_id, service.FORM)
        carried = service.proposed_for_note(client.id, encounter_id)
    if stored is not None:
        return redirect(url_for(".view", response_id=stored.resource_id))
    if client.consent_state is not ConsentState.ACTIVE:
        flash("Session notes are stored once the client has agreed to the record (intake).")
        return redirect(url_for("intake_clients.client_page", client_id=client.id))
    context = {
        "client": client,
        "language": language,
        "encounter": encounter,
        "has_draft": draft is not None,
        "carried": carried,
        "show_sources": True,
        "no_use_action": url_for(".no_use", encounter_id=encounter_id),
        "action": url_for(".form_post", encounter_id=encounter_id),
    }
    return PAGES.form(draft or {}, context)


@bp.route("/sessions/<intake_id:encounter_id>/note", methods=["POST"])
def form_post(encounter_id: int) -> Page:
    actor = current_actor()
    with transaction():
        encounter, client = session_for_recording(actor, encounter_id)
        language = client_language(client.id)
        carried = service.proposed_for_note(client.id, encounter_id)
    context = {
        "client": client,
        "language": language,
        "encounter": encounter,
        "carried": carried,
        "no_use_action": url_for(".no_use", encounter_id=encounter_id),
        **_review_fields(),
        "action": url_for(".form_post", encounter_id=encounter_id),
        "after_save": url_for(
            "intake_clients.client_page", client_id=client.id, _anchor=f"session-{encounter_id}"
        ),
    }
    if request.form.get("action") == "draft":
        data = form_data(SESSION_NOTE, request.form)
        try:
            data = PAGES.posted(context)  # with the carried-over answers confirmed
            with transaction():
                service.save_draft(actor, encounter_id, data)
        except InvalidInput as error:
            return PAGES.form(data, context, error.errors, 400)
        except ConsentRequired as error:
            return PAGES.form(data, context, {"form": [str(error)]}, 400)
        flash("Draft saved. Nothing is part of the record until you review and save.")
        return redirect(url_for(".form", encounter_id=encounter_id))

    def save(answers: Answers) -> str:
        service.submit(actor, encounter_id, answers, _review_choice(), context["annotation"])
        return "Session note saved."

    return PAGES.review_or_save(
        context, save, lambda answers: service.preview(actor, encounter_id, answers)
    )


@bp.route("/sessions/<intake_id:encounter_id>/note/no-use", methods=["POST"])
def no_use(encounter_id: int) -> Response:
    """One click: a note saying "no AI use since the last session", nothing else asked."""
    actor = current_actor()
    try:
        with transaction():
            note = service.submit_no_use(actor, encounter_id)
    except (InvalidInput, ConsentRequired) as error:
        messages = error.errors.values() if isinstance(error, InvalidInput) else [[str(error)]]
        flash("Nothing was saved: " + " ".join(m for ms in messages for m in ms))
        return redirect(url_for(".form", encounter_id=encounter_id))
    flash(
        "Session note saved: no AI use since the last session. You can review, edit or mark "
        "it entered in error here."
    )
    return redirect(url_for(".view", response_id=note.resource_id))


@bp.route("/notes/<response_id>")
def view(response_id: str) -> str:
    from intake_ai.clients.timeline import note_view

    with transaction():
        record = open_record(current_actor(), "QuestionnaireResponse", response_id)
        note = note_view(current_actor(), record)
        language = client_language(record.client.id)
    return render_in(
        language,
        "intake_ai/sessions/view.html",
        record=record,
        note=note,
        sections=describe(
            SESSION_NOTE,
            answers_of(SESSION_NOTE, record.resource),
            record.free_text_visible,
            language,
        ),
    )


@bp.route("/notes/<response_id>/edit", methods=["GET", "POST"])
def edit(response_id: str) -> Page:
    return PAGES.edit(
        response_id,
        service.amend,
        "Note updated; the earlier version is kept in its history.",
        {"show_sources": True, **_review_fields()},
    )

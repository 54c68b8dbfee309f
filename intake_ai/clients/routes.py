"""The worklist, client registration, the client page and opening a session."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import Blueprint, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

if TYPE_CHECKING:
    from intake_ai.clients.timeline import ClientTimeline

from intake_ai.auth.actors import current_actor
from intake_ai.clients import service, summary, worklist
from intake_ai.clients.forms import ClientForm, SessionForm
from intake_ai.errors import InvalidInput
from intake_ai.pages.formats import clinic_locale, date_text
from intake_ai.pages.guard import guard_pages
from intake_ai.risk.trend import ARROW_WORDS
from intake_ai.store.database import transaction, utcnow
from intake_ai.supervision import feedback
from intake_ai.timezones import from_local, local_now

bp = Blueprint("intake_clients", __name__)
guard_pages(bp)


@bp.route("/clients")
def caseload() -> str:
    """The clinician's home page: the worklist."""
    with transaction():
        view = worklist.worklist(current_actor())
    return render_template("intake_ai/clients/caseload.html", view=view, arrow_words=ARROW_WORDS)


@bp.route("/clients/new", methods=["GET", "POST"])
def register() -> str | Response:
    form = ClientForm()
    if form.validate_on_submit():
        try:
            with transaction():
                client = service.register_client(
                    current_actor(),
                    form.ehr_patient_id.data or "",
                    form.display_name.data or "",
                    bool(form.is_minor.data),
                )
        except InvalidInput as error:
            for message in error.errors.get("ehr_patient_id", []):
                form.ehr_patient_id.errors.append(message)
        else:
            flash(f"{client.display_name} is registered.")
            return redirect(url_for(".client_page", client_id=client.id))
    return render_template("intake_ai/clients/register.html", form=form)


@bp.route("/clients/<intake_id:client_id>")
def client_page(client_id: int) -> str:
    from intake_ai.checkin.proposals import crisis_mentions
    from intake_ai.checkin.service import links_of
    from intake_ai.clients.timeline import build_timeline
    from intake_ai.i18n.preferences import client_language
    from intake_ai.usage_export.sent import pending_exports

    actor = current_actor()
    with transaction():
        page = build_timeline(actor, client_id)
        checkins = links_of(actor, client_id) if page.may_record else []
        sent_exports = pending_exports(client_id) if page.may_record else []
        urgent = crisis_mentions(client_id) if page.may_record else set()
        language = client_language(client_id)
    form = SessionForm(start=local_now().replace(second=0, microsecond=0, tzinfo=None))
    return render_template(
        "intake_ai/clients/client.html",
        page=page,
        session_form=form,
        checkins=checkins,
        urgent_checkins=urgent,
        sent_exports=sent_exports,
        client_language=language,
        now=utcnow(),
    )


@bp.route("/clients/<intake_id:client_id>/summary.txt")
def summary_text(client_id: int) -> Response:
    """The progress-note paragraph, as plain text (the copy button fetches it)."""
    from intake_ai.clients.timeline import build_timeline

    with transaction():
        page = build_timeline(current_actor(), client_id, reading="summary for the EHR note")
        text = summary.summary_text(summary.summary_facts(page, _last_session(page)))
    return Response(text, mimetype="text/plain", headers={"Cache-Control": "no-store"})


@bp.route("/clients/<intake_id:client_id>/summary")
def summary_page(client_id: int) -> str:
    """A one-page printable summary, with the charts."""
    from intake_ai.clients.timeline import build_timeline

    with transaction():
        page = build_timeline(current_actor(), client_id, reading="printable summary")
        facts = summary.summary_facts(page, _last_session(page))
    return render_template(
        "intake_ai/clients/summary.html",
        page=page,
        facts=facts,
        text=summary.summary_text(facts),
        now=utcnow(),
    )


def _last_session(page: ClientTimeline) -> str | None:
    held = [e.encounter.start for e in page.sessions if e.note or e.intake]
    return date_text(max(held), clinic_locale()) if held else None


@bp.route("/clients/<intake_id:client_id>/feedback", methods=["POST"])
def leave_feedback(client_id: int) -> Response:
    """A supervisor's feedback note for the clinician, back on the client page."""
    try:
        with transaction():
            feedback.leave_note(current_actor(), client_id, request.form.get("feedback", ""))
    except InvalidInput as error:
        for message in error.errors.get("feedback", []):
            flash(f"Feedback not saved: {message}")
    else:
        flash("Feedback saved for the clinician.")
    return redirect(url_for(".client_page", client_id=client_id, _anchor="feedback"))


@bp.route("/clients/<intake_id:client_id>/sessions", methods=["POST"])
def new_session(client_id: int) -> str | Response:
    form = SessionForm()
    if not form.validate_on_submit():
        for message in form.start.errors:
            flash(f"Session not opened: {message}")
        return redirect(url_for(".client_page", client_id=client_id))
    with transaction():
        assert form.start.data is not None
        encounter = service.open_session(current_actor(), client_id, from_local(form.start.data))
    flash("Session opened.")
    if encounter.kind.value == "intake":
        return redirect(url_for("intake_intake.form", encounter_id=encounter.id))
    return redirect(url_for(".client_page", client_id=client_id, _anchor=f"session-{encounter.id}"))


@bp.route("/admin/purge")
def admin_purge() -> Response:
    """The admin names a record to remove; the purge page itself checks the permission."""
    kind = request.args.get("type", "")
    record_id = request.args.get("id", "").strip()
    if kind not in ("QuestionnaireResponse", "Observation", "Flag", "Consent") or not record_id:
        flash("Give the record's type and id.")
        return redirect(url_for("intake_accounts.admin_home"))
    return redirect(url_for("intake_records.purge", resource_type=kind, resource_id=record_id))

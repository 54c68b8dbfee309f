"""Any stored record: history and versions, annotations, entered in error, purge."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from fhir_mappings.definitions import definition_of
from fhir_mappings.response import answers_of
from intake_ai import access
from intake_ai.auth.actors import current_actor
from intake_ai.errors import Conflict, InvalidInput
from intake_ai.forms.views import describe
from intake_ai.models import StoredResource
from intake_ai.pages.guard import guard_pages
from intake_ai.records import annotation, control, service
from intake_ai.records.history import version_history
from intake_ai.records.summary import summarize
from intake_ai.store import resources as resource_store
from intake_ai.store.database import transaction
from intake_ai.untrusted import local_path

bp = Blueprint("intake_records", __name__)
guard_pages(bp)

RECORD_TYPES = '<any("QuestionnaireResponse", "Observation", "Flag", "Consent"):resource_type>'


def _back(client_id: int | None) -> Response:
    target = local_path(request.form.get("next"))
    if target is not None:
        return redirect(target)
    return redirect(url_for("intake_clients.client_page", client_id=client_id))


def _came_from(default: str) -> str:
    """Where Cancel goes: the page that linked here (``?next=``, the carried field, or the
    Referer on this site), else ``default``."""
    for candidate in (request.values.get("back", ""), request.args.get("next", "")):
        if local_path(candidate):
            return candidate
    referrer = request.referrer or ""
    if referrer.startswith(request.host_url):
        path = "/" + referrer.removeprefix(request.host_url)
        if local_path(path) and request.path not in path:
            return path
    return default


def _record_page(row: StoredResource, client_id: int | None) -> str:
    """The record's own page, for Cancel when nothing better is known."""
    if row.resource_type == "QuestionnaireResponse" and row.code:
        endpoint = "intake_sessions.view" if "session-note" in row.code else "intake_intake.view"
        return url_for(endpoint, response_id=row.resource_id)
    if client_id is None:
        return url_for("intake_home.home")
    return url_for("intake_clients.client_page", client_id=client_id)


@bp.route(f"/records/{RECORD_TYPES}/<resource_id>/history")
def history(resource_type: str, resource_id: str) -> str:
    with transaction():
        entries = version_history(current_actor(), resource_type, resource_id)
    newest = entries[0].row
    return render_template(
        "intake_ai/records/history.html",
        entries=entries,
        back=_came_from(_record_page(newest, newest.client_id)),
        resource_type=resource_type,
        resource_id=resource_id,
    )


@bp.route(f"/records/{RECORD_TYPES}/<resource_id>/_history/<intake_id:version_id>")
def version(resource_type: str, resource_id: str, version_id: int) -> str:
    with transaction():
        record = service.open_version(current_actor(), resource_type, resource_id, version_id)
    sections = None
    definition = definition_of(record.resource)
    if definition is not None:
        sections = describe(
            definition, answers_of(definition, record.resource), record.free_text_visible
        )
    notes = annotation.user_annotations(record.resource) if record.free_text_visible else []
    return render_template(
        "intake_ai/records/version.html", record=record, sections=sections, notes=notes
    )


@bp.route("/records/Observation/<observation_id>/annotations", methods=["POST"])
def annotate(observation_id: str) -> Response:
    actor = current_actor()
    row: StoredResource | None
    try:
        with transaction():
            row = annotation.add(
                actor,
                observation_id,
                request.form.get("text", ""),
                request.form.get("shared") == "true",
            )
        flash("Annotation added.")
    except InvalidInput as error:
        row = resource_store.current("Observation", observation_id)
        flash("Annotation not saved: " + "; ".join(m for ms in error.errors.values() for m in ms))
    except Conflict:
        row = resource_store.current("Observation", observation_id)
        flash("Annotation not saved: the record changed meanwhile; please try again.")
    return _back(row.client_id if row else None)


@bp.route("/records/Observation/<observation_id>/annotations/<annotation_id>", methods=["POST"])
def change_annotation(observation_id: str, annotation_id: str) -> Response:
    actor = current_actor()
    try:
        with transaction():
            if request.form.get("action") == "delete":
                row = annotation.delete(actor, observation_id, annotation_id)
                flash("Annotation deleted (earlier versions keep it in the history).")
            else:
                row = annotation.edit(
                    actor,
                    observation_id,
                    annotation_id,
                    request.form.get("text", ""),
                    request.form.get("shared") == "true",
                )
                flash("Annotation updated.")
    except InvalidInput as error:
        flash("Annotation not saved: " + "; ".join(m for ms in error.errors.values() for m in ms))
        row = resource_store.require_current("Observation", observation_id)
    return _back(row.client_id)


@bp.route(f"/records/{RECORD_TYPES}/<resource_id>/entered-in-error", methods=["GET", "POST"])
def entered_in_error(resource_type: str, resource_id: str) -> str | tuple[str, int] | Response:
    actor = current_actor()
    with transaction():
        record = service.open_record(actor, resource_type, resource_id, for_change=True)
        summary = summarize(record.row, record.resource, record.client, record.encounter, True)
    back = _came_from(_record_page(record.row, record.client.id))
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        try:
            with transaction():
                control.mark_entered_in_error(
                    actor, resource_type, resource_id, request.form.get("reason", "")
                )
        except InvalidInput as error:
            errors = error.errors
        else:
            flash("Marked entered in error. The record is kept, hidden from charts and searches.")
            return _back(record.client.id)
    return render_template(
        "intake_ai/records/entered_in_error.html",
        record=record,
        summary=summary,
        back=back,
        errors=errors,
    ), (400 if errors else 200)


@bp.route(f"/records/{RECORD_TYPES}/<resource_id>/purge", methods=["GET", "POST"])
def purge(resource_type: str, resource_id: str) -> str | tuple[str, int] | Response:
    actor = current_actor()
    with transaction():
        row, summary = service.open_for_purge(actor, resource_type, resource_id)
        client_id = row.client_id
        default = (
            url_for("intake_accounts.admin_home")
            if access.is_admin(actor)
            else _record_page(row, client_id)
        )
    back = _came_from(default)
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        try:
            with transaction():
                removed = control.purge(
                    actor, resource_type, resource_id, request.form.get("reason", "")
                )
        except InvalidInput as error:
            errors = error.errors
        else:
            flash(
                f"Removed for good ({removed} records and all their versions). "
                "Only the audit entry remains."
            )
            if access.is_admin(actor):
                return redirect(url_for("intake_accounts.admin_home"))
            return redirect(url_for("intake_clients.client_page", client_id=client_id))
    return render_template(
        "intake_ai/records/purge.html",
        summary=summary,
        back=back,
        resource_type=resource_type,
        resource_id=resource_id,
        reasons=control.PURGE_REASONS,
        errors=errors,
    ), (400 if errors else 200)

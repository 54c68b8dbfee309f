"""The client page's export upload: choose the file, review its figures, save them."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from intake_ai import audit
from intake_ai.auth.actors import current_actor
from intake_ai.errors import InvalidInput
from intake_ai.pages.banner import show_banner_for
from intake_ai.pages.guard import guard_pages
from intake_ai.store.database import transaction
from intake_ai.usage_export import sent, service
from intake_ai.usage_export.views import review_view

bp = Blueprint("intake_usage_export", __name__)
guard_pages(bp)

UPLOAD_TEMPLATE = "intake_ai/usage_export/upload.html"


@bp.route("/clients/<intake_id:client_id>/usage-export", methods=["GET", "POST"])
def upload(client_id: int) -> str | tuple[str, int]:
    actor = current_actor()
    if request.method == "GET":
        with transaction():
            client = service.client_for_export(actor, client_id)
            audit.record("view", client.patient_ref, client_id=client_id, detail="export upload")
        show_banner_for(client_id)
        return render_template(UPLOAD_TEMPLATE, client=client, errors={})
    file = request.files.get("export")
    chosen = file if file is not None and file.filename else None
    with transaction():
        client = service.client_for_export(actor, client_id)
    try:
        with transaction():
            # Werkzeug spools an upload over 500 KB to an unnamed temporary file, already
            # unlinked: it is read here once, then closed, which frees it.
            figures = service.read_upload(actor, client_id, chosen.stream if chosen else None)
    except InvalidInput as error:
        show_banner_for(client_id)
        return render_template(UPLOAD_TEMPLATE, client=client, errors=error.errors), 400
    finally:
        if file is not None:
            file.close()
    show_banner_for(client_id)
    return render_template(
        "intake_ai/usage_export/review.html",
        client=client,
        view=review_view(figures),
        sealed=service.sealed(actor, client_id, figures),
        sent=None,
    )


@bp.route("/clients/<intake_id:client_id>/usage-export/save", methods=["POST"])
def save(client_id: int) -> Response:
    with transaction():
        service.save_figures(current_actor(), client_id, request.form.get("figures", ""))
    flash("The figures from the export are saved; the file itself was not kept.")
    return redirect(url_for("intake_clients.client_page", client_id=client_id, _anchor="trends"))


# Figures the client sent with their check-in ------------------------------------------


@bp.route("/checkin-exports/<intake_id:export_id>")
def review_sent(export_id: int) -> str:
    with transaction():
        row, client, figures = sent.figures_sent(current_actor(), export_id)
    show_banner_for(client.id)
    return render_template(
        "intake_ai/usage_export/review.html",
        client=client,
        view=review_view(figures),
        sealed=None,
        sent=row,
    )


@bp.route("/checkin-exports/<intake_id:export_id>/save", methods=["POST"])
def save_sent(export_id: int) -> Response:
    with transaction():
        summary = sent.save_sent(current_actor(), export_id)
        client_id = summary.client_id
    flash("The figures the client sent are saved; their file was never kept.")
    return redirect(url_for("intake_clients.client_page", client_id=client_id, _anchor="trends"))


@bp.route("/checkin-exports/<intake_id:export_id>/discard", methods=["POST"])
def discard_sent(export_id: int) -> Response:
    with transaction():
        client_id = sent.discard_sent(current_actor(), export_id)
    flash("The figures the client sent were discarded: nothing of them was saved.")
    return redirect(
        url_for("intake_clients.client_page", client_id=client_id, _anchor="usage-export")
    )

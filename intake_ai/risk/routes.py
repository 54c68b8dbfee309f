"""Flags (acknowledge, raise by hand) and the indicator review (agree or override)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from fhir_mappings.definitions.risk import BANDS, FLAG_KINDS, PROVISIONAL_CAVEAT
from intake_ai.auth.actors import current_actor
from intake_ai.clients.timeline import indicator_view
from intake_ai.errors import Conflict, InvalidInput, NotFound
from intake_ai.pages.banner import show_banner_for
from intake_ai.pages.guard import guard_pages
from intake_ai.records.service import open_record
from intake_ai.risk import flag_records, reviews
from intake_ai.risk.flag_views import flag_view
from intake_ai.store.database import transaction
from intake_ai.untrusted import row_id

bp = Blueprint("intake_risk", __name__)
guard_pages(bp)


def _client_page(client_id: int | None, anchor: str | None = None) -> Response:
    return redirect(url_for("intake_clients.client_page", client_id=client_id, _anchor=anchor))


@bp.route("/flags/<flag_id>/acknowledge", methods=["GET", "POST"])
def acknowledge(flag_id: str) -> str | tuple[str, int] | Response:
    actor = current_actor()
    with transaction():
        record = open_record(actor, "Flag", flag_id)
        owners = flag_records.owners_for(record.client.id)
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        owner = request.form.get("owner", "")
        try:
            with transaction():
                flag_records.acknowledge_flag(
                    actor,
                    flag_id,
                    request.form.get("note", ""),
                    row_id(owner) or -1,
                    row_id(request.form.get("base_version")),
                )
        except InvalidInput as error:
            errors = error.errors
        except Conflict:
            errors = {"form": ["Someone acknowledged or changed this flag meanwhile; reload."]}
        else:
            flash("Flag acknowledged.")
            return _client_page(record.client.id, "flags")
    show_banner_for(record.client.id)
    return render_template(
        "intake_ai/risk/acknowledge.html",
        record=record,
        flag=flag_view(record.resource),
        owners=owners,
        errors=errors,
        form=request.form,
    ), (400 if errors else 200)


@bp.route("/clients/<intake_id:client_id>/flags/new", methods=["GET", "POST"])
def raise_flag(client_id: int) -> str | tuple[str, int] | Response:
    from intake_ai import access
    from intake_ai.clients.service import get_client

    actor = current_actor()
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        try:
            with transaction():
                flag_records.raise_flag_by_hand(
                    actor, client_id, request.form.get("kind", ""), request.form.get("reason", "")
                )
        except InvalidInput as error:
            errors = error.errors
        else:
            flash("Flag raised.")
            return _client_page(client_id, "flags")
    with transaction():
        access.require_clinician_of_record(actor, client_id)
        client = get_client(client_id)
    show_banner_for(client_id)
    return render_template(
        "intake_ai/risk/raise.html",
        client=client,
        kinds=FLAG_KINDS,
        errors=errors,
        form=request.form,
    ), (400 if errors else 200)


@bp.route("/indicator/<observation_id>/review", methods=["GET", "POST"])
def review(observation_id: str) -> str | tuple[str, int] | Response:
    actor = current_actor()
    with transaction():
        record = open_record(actor, "Observation", observation_id, for_change=True)
        if record.row.code != "dependency-indicator":
            raise NotFound("No such indicator.")
        view = indicator_view(actor, record.row)
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        decision = request.form.get("review")
        try:
            with transaction():
                reviews.review_indicator(
                    actor,
                    observation_id,
                    decision == "agree",
                    request.form.get("band"),
                    request.form.get("reason"),
                )
        except InvalidInput as error:
            errors = error.errors
        else:
            flash("Review recorded. The computed indicator stays as it was.")
            return _client_page(record.client.id, "indicator")
    return render_template(
        "intake_ai/risk/review.html",
        record=record,
        view=view,
        bands=BANDS,
        caveat=PROVISIONAL_CAVEAT,
        errors=errors,
        form=request.form,
    ), (400 if errors else 200)

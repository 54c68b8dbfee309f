"""The supervisor dashboard, with filters by clinician and date range."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from flask import Blueprint, current_app, render_template, request, url_for

from fhir_mappings.definitions import answer_lists as lists
from fhir_mappings.definitions.risk import BANDS
from intake_ai.auth.actors import current_actor
from intake_ai.charts.embed import figure_json
from intake_ai.charts.figures import distribution_figure
from intake_ai.database import transaction
from intake_ai.errors import InvalidInput
from intake_ai.supervision import service
from intake_ai.supervision.queries import Period
from intake_ai.timezones import from_local
from intake_ai.untrusted import row_id
from intake_ai.web import guard_pages

bp = Blueprint("intake_supervision", __name__)
guard_pages(bp)

BAND_LABELS = {band.code: f"{band.display} (provisional)" for band in BANDS}
PURPOSE_LABELS = {option.code: option.display for option in lists.PURPOSES.options}


def _filters() -> tuple[int | None, Period, dict[str, list[str]]]:
    errors: dict[str, list[str]] = {}
    clinician = request.args.get("clinician", "")
    clinician_id = row_id(clinician)

    if clinician and clinician_id is None:
        errors["clinician"] = ["Choose one of your supervisees."]
    bounds: list[datetime | None] = []
    for name in ("from", "to"):
        raw = request.args.get(name, "")
        try:
            day = date.fromisoformat(raw) if raw else None
        except ValueError:
            errors[name] = ["Give a date as YYYY-MM-DD."]
            day = None
        bounds.append(from_local(datetime.combine(day, time())) if day else None)
    start, end = bounds
    if end is not None:
        end += timedelta(days=1)  # "to" includes that day
    return clinician_id, Period(start, end), errors


@bp.route("/supervision")
def dashboard() -> tuple[str, int]:
    clinician_id, period, errors = _filters()
    try:
        with transaction():
            view = service.dashboard(current_actor(), clinician_id, period)
    except InvalidInput as error:
        errors.update(error.errors)
        with transaction():
            view = service.dashboard(current_actor(), None, Period())
    charts = {
        "bands": (
            "Clients by current band",
            figure_json(
                distribution_figure(
                    "Clients by current band", view.bands, BAND_LABELS, service.MIN_GROUP
                )
            ),
        ),
        "purposes": (
            "Purpose mix",
            figure_json(
                distribution_figure(
                    "Purpose mix (clients naming each purpose)",
                    view.purposes,
                    PURPOSE_LABELS,
                    service.MIN_GROUP,
                )
            ),
        ),
    }
    # The table pages; the lists, queue and aggregates above and below it cover everyone.
    size = max(1, int(current_app.config["INTAKE_AI_CASELOAD_PAGE_SIZE"]))
    pages = max(1, -(-len(view.rows) // size))
    number = min(row_id(request.args.get("page")) or 1, pages)
    kept: dict[str, Any] = {k: v for k, v in request.args.items() if k != "page"}
    return render_template(
        "intake_ai/supervision/dashboard.html",
        view=view,
        shown=view.rows[(number - 1) * size : number * size],
        first=(number - 1) * size + 1,
        page=number,
        pages=pages,
        page_url=lambda n: url_for(".dashboard", **kept, page=n, _anchor="caseload"),
        charts=charts,
        band_labels=BAND_LABELS,
        purpose_labels=PURPOSE_LABELS,
        errors=errors,
        args=request.args,
    ), (400 if errors else 200)

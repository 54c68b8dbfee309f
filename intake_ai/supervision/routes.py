"""The supervisor dashboard, with filters by clinician and date range."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import Any

from flask import Blueprint, current_app, render_template, request, url_for

from fhir_mappings.definitions import answer_lists as lists
from fhir_mappings.definitions.risk import BANDS
from intake_ai.auth.actors import current_actor
from intake_ai.charts import style
from intake_ai.charts.caseload import distribution_chart
from intake_ai.errors import InvalidInput
from intake_ai.pages.guard import guard_pages
from intake_ai.pages.paging import page_of
from intake_ai.risk.trend import ARROW_WORDS
from intake_ai.store.database import transaction
from intake_ai.supervision import service
from intake_ai.supervision.queries import Period
from intake_ai.timezones import from_local
from intake_ai.untrusted import row_id

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
    days: list[date | None] = []
    for name in ("from", "to"):
        raw = request.args.get(name, "")
        try:
            days.append(date.fromisoformat(raw) if raw else None)
        except ValueError:
            errors[name] = ["Give a date as YYYY-MM-DD."]
            days.append(None)
    first, last = days
    if first is not None and last is not None and first > last:
        errors["to"] = ["The end date is before the start date: give a range that runs forward."]
        return clinician_id, Period(), errors
    start = end = None
    try:
        start = from_local(datetime.combine(first, time())) if first else None
        # "to" includes that day; the last day the calendar has is no bound at all.
        if last is not None and last < date.max:
            end = from_local(datetime.combine(last + timedelta(days=1), time()))
    except OverflowError:
        errors["from" if start is None and first else "to"] = ["Give a date between 1900 and 9999."]
        return clinician_id, Period(), errors
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
        "bands": distribution_chart(
            "Clients by current band",
            view.bands,
            BAND_LABELS,
            style.BAND_MARKS,
            service.MIN_GROUP,
            "No client has a score yet.",
        ),
        "purposes": distribution_chart(
            "Purpose mix (clients naming each purpose)",
            view.purposes,
            PURPOSE_LABELS,
            style.PURPOSES,
            service.MIN_GROUP,
            "No purposes recorded yet.",
        ),
    }
    # The two long tables page (each on its own parameter); the lists and aggregates cover
    # everyone.
    size = int(current_app.config["INTAKE_AI_CASELOAD_PAGE_SIZE"])

    def page_url(parameter: str, anchor: str) -> Callable[[int], str]:
        kept: dict[str, Any] = {k: v for k, v in request.args.items() if k != parameter}
        return lambda n: url_for(".dashboard", **{**kept, parameter: n}, _anchor=anchor)

    return render_template(
        "intake_ai/supervision/dashboard.html",
        view=view,
        caseload=page_of(view.rows, size, row_id(request.args.get("page"))),
        caseload_url=page_url("page", "caseload"),
        queue=page_of(view.queue, size, row_id(request.args.get("queue_page"))),
        queue_url=page_url("queue_page", "queue"),
        charts=charts,
        band_labels=BAND_LABELS,
        purpose_labels=PURPOSE_LABELS,
        errors=errors,
        arrow_words=ARROW_WORDS,
        args=request.args,
    ), (400 if errors else 200)

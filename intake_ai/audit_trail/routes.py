"""The admin's audit trail page (``/admin/audit``): filters by date, user and outcome."""

from __future__ import annotations

from flask import Blueprint, render_template, request

from intake_ai.audit_trail import service
from intake_ai.auth.actors import current_actor
from intake_ai.errors import InvalidInput
from intake_ai.pages.guard import guard_pages
from intake_ai.store.database import transaction

bp = Blueprint("intake_audit_trail", __name__)
guard_pages(bp)


@bp.route("/admin/audit")
def trail() -> tuple[str, int]:
    errors: dict[str, list[str]] = {}
    try:
        filters = service.read_filters(request.args)
    except InvalidInput as error:
        errors = error.errors
        filters = service.TrailFilters()
    with transaction():
        page = service.trail(current_actor(), filters)
    return render_template(
        "intake_ai/audit_trail/trail.html",
        page=page,
        outcomes=service.OUTCOMES,
        args=request.args,
        # The filters, kept by the paging links (which set the cursor themselves).
        kept={k: v for k, v in request.args.items() if k != "before"},
        errors=errors,
    ), (400 if errors else 200)

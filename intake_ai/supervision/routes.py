"""Supervisor dashboard."""

from __future__ import annotations

from flask import Blueprint, render_template

from intake_ai.auth.actors import current_actor
from intake_ai.database import transaction
from intake_ai.supervision import service
from intake_ai.web import guard_pages

bp = Blueprint("intake_supervision", __name__)
guard_pages(bp)


@bp.route("/supervision")
def dashboard() -> str:
    with transaction():
        view = service.dashboard(current_actor())
    return render_template("intake_ai/supervision/dashboard.html", view=view)

"""CDS Hooks over HTTP: discovery (public) and the patient-view service (a trusted EHR's
JWT on every call). JSON only, no cookies, no CSRF; errors as JSON with the reason."""

from __future__ import annotations

import json

from flask import Blueprint, Response, g, request

from intake_ai import audit
from intake_ai.boundary.hosts import external_url, public_root
from intake_ai.cds_hooks import cards, service, trust
from intake_ai.store.database import transaction

bp = Blueprint("intake_cds", __name__)
#: A patient-view request is a small JSON object.
MAX_REQUEST = 64_000


def _json(body: object, status: int = 200) -> Response:
    response = Response(json.dumps(body), status=status, mimetype="application/json")
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.errorhandler(trust.CdsRefused)
def _refused(error: trust.CdsRefused) -> Response:
    response = _json({"error": "unauthorized", "reason": error.reason}, 401)
    response.headers["WWW-Authenticate"] = 'Bearer realm="intake_ai cds-services"'
    return response


@bp.route("/cds-services", methods=["GET"])
def discovery() -> Response:
    with transaction():
        audit.record("read", "cds-services", detail="CDS Hooks discovery")
    return _json(cards.discovery())


@bp.route("/cds-services/<string(maxlength=64):service_id>", methods=["POST"])
def call(service_id: str) -> Response:
    # The audience a token must name: this very service's public URL.
    audience = external_url(".call", service_id=service_id)
    with transaction():
        actor = trust.trusted_actor(request.headers.get("Authorization"), audience)
        g.intake_actor = actor  # every audit entry of the call names it
        if service_id != cards.PATIENT_VIEW_SERVICE:
            audit.record("read", "cds-services", detail="unknown CDS service")
            return _json({"error": "not-found", "reason": "no such CDS service"}, 404)
        if request.mimetype != "application/json" or (request.content_length or 0) > MAX_REQUEST:
            audit.record("read", "cds-services", detail="refused: not JSON")
            return _json({"error": "bad-request", "reason": "send application/json"}, 415)
        try:
            answer = service.patient_view(
                actor,
                json.loads(request.get_data(cache=False) or b"null"),
                public_root() + "/",
                lambda client_id: external_url("intake_clients.client_page", client_id=client_id),
            )
        except (ValueError, service.BadRequest) as error:
            audit.record("read", "cds-services", detail="refused: bad request")
            return _json({"error": "bad-request", "reason": str(error)}, 400)
    return _json(answer)

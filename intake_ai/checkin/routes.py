"""Check-in pages. ``bp``: the clinician issues and withdraws links and sets the client's
language (signed in). ``public``: the client's own page behind a link, no account, CSRF
protected, rate limited, in the client's language (switchable there)."""

from __future__ import annotations

from typing import Any

import segno
from flask import Blueprint, flash, redirect, request, url_for
from markupsafe import Markup
from werkzeug.datastructures import FileStorage
from werkzeug.wrappers import Response

from intake_ai import audit
from intake_ai.auth.actors import current_actor
from intake_ai.boundary.hosts import external_url
from intake_ai.checkin import exports, service, throttle
from intake_ai.checkin.links import LinkState, hash_of
from intake_ai.checkin.questions import questions_in, read_answers, summary_in
from intake_ai.errors import ConsentRequired, InvalidInput
from intake_ai.i18n import language_of, render_in
from intake_ai.i18n.preferences import client_language, set_client_language
from intake_ai.pages.guard import guard_pages
from intake_ai.store.database import transaction
from intake_ai.usage_export.parsing import PROVIDER_NAMES

bp = Blueprint("intake_checkin", __name__)
guard_pages(bp)
public = Blueprint("intake_checkin_public", __name__)
guard_pages(public, sign_in=False)

#: The link's secret in the URL (43 URL-safe characters); anything else matches no route.
LINK = "/check-in/<string(length=43):secret>"


def _client_page(client_id: int, anchor: str = "checkin") -> Response:
    return redirect(url_for("intake_clients.client_page", client_id=client_id, _anchor=anchor))


@bp.route("/sessions/<intake_id:encounter_id>/checkin", methods=["POST"])
def issue(encounter_id: int) -> str | Response:
    """A new link for this session, shown once as its URL and a QR code."""
    actor = current_actor()
    try:
        with transaction():
            issued = service.issue(actor, encounter_id, request.form.get("first_name"))
            client_id = issued.link.client_id
            language = client_language(client_id)
    except (InvalidInput, ConsentRequired) as error:
        from intake_ai.models import Encounter
        from intake_ai.store.database import session

        encounter = session().get(Encounter, encounter_id)
        messages = error.errors.values() if isinstance(error, InvalidInput) else [[str(error)]]
        reason = " ".join(m for ms in messages for m in ms)
        audit.record_refusal(
            "issue-checkin",
            f"Encounter/{encounter_id}",
            client_id=encounter.client_id if encounter else None,
            detail=reason[:200],
        )
        flash(f"No check-in link was issued: {reason}")
        if encounter is None:
            return redirect(url_for("intake_clients.caseload"))
        return _client_page(encounter.client_id)
    url = external_url("intake_checkin_public.open_page", secret=issued.secret, lang=language)
    # segno's own SVG of our URL: markup we made, not text anyone typed.
    qr_svg = Markup(segno.make(url, error="m").svg_inline(scale=4, dark="#000", light="#fff"))  # noqa: S704
    return render_in(
        "en",
        "intake_ai/checkin/issued.html",
        link=issued.link,
        url=url,
        qr_svg=qr_svg,
        client_language=language,
    )


@bp.route("/checkins/<intake_id:link_id>/revoke", methods=["POST"])
def revoke(link_id: int) -> Response:
    with transaction():
        link = service.revoke(current_actor(), link_id)
        client_id = link.client_id
    flash("The check-in link was withdrawn: it no longer opens.")
    return _client_page(client_id)


@bp.route("/clients/<intake_id:client_id>/language", methods=["POST"])
def language(client_id: int) -> Response:
    with transaction():
        chosen = set_client_language(current_actor(), client_id, request.form.get("language", ""))
    flash("Spanish" if chosen == "es" else "English" + " is the client's language now.")
    return _client_page(client_id, "language")


# The client's pages ------------------------------------------------------------------


def _language(opened: service.OpenLink) -> str:
    if "lang" in request.values:
        return language_of(request.values.get("lang"))
    link = opened.link
    return client_language(link.client_id) if link is not None else "en"


def _unusable(opened: service.OpenLink, language: str) -> tuple[str, int]:
    status = 404 if opened.state is LinkState.UNKNOWN else 410
    return render_in(
        language_of(language), "intake_ai/checkin/closed.html", state=opened.state.value
    ), status


def _throttled(secret: str) -> tuple[str, int] | None:
    if throttle.allowed(hash_of(secret), request.remote_addr):
        return None
    # Named like every other request on the link (the URL's client, boundary/patients.py).
    audit.record_refusal("open-checkin", None, detail=f"{service.CLIENT_DETAIL}: too many tries")
    language = language_of(request.values.get("lang"))
    return render_in(language, "intake_ai/checkin/closed.html", state="throttled"), 429


def _form(
    secret: str,
    language: str,
    data: dict[str, Any],
    errors: dict[str, list[str]],
    first_name: str | None,
) -> str:
    lang = language_of(language)
    return render_in(
        lang,
        "intake_ai/checkin/form.html",
        secret=secret,
        questions=questions_in(lang),
        values=data,
        errors=errors,
        first_name=first_name,
    )


@public.route(LINK, methods=["GET"])
def open_page(secret: str) -> tuple[str, int] | str:
    refused = _throttled(secret)
    if refused is not None:
        return refused
    with transaction():
        opened = service.open_link(secret)
        language = _language(opened)
        first_name = opened.first_name
    if opened.state is not LinkState.OPEN:
        return _unusable(opened, language)
    return _form(secret, language, {}, {}, first_name)


@public.route(LINK, methods=["POST"])
def send(secret: str) -> tuple[str, int] | str:
    """The client's answers, with the figures of their chatbot export if they added one."""
    refused = _throttled(secret)
    if refused is not None:
        return refused
    language = language_of(request.form.get("lang"))
    file = request.files.get(exports.FIELD)
    try:
        return _send(secret, language, file if file is not None and file.filename else None)
    finally:
        if file is not None:
            file.close()  # Werkzeug's spooled copy of a large upload is unlinked: this frees it


def _send(secret: str, language: str, upload: FileStorage | None) -> tuple[str, int] | str:
    figures = None
    try:
        data = read_answers(request.form)
        if upload is not None:
            with transaction():
                opened = service.usable(secret)
            if opened.state is not LinkState.OPEN or opened.link is None:
                service.refuse(opened, "upload")
                return _unusable(opened, language)
            # Read outside any transaction: a large export takes a while, and holds nothing.
            figures = exports.read_client_export(opened.link, upload.stream)
    except InvalidInput as error:
        with transaction():
            opened = service.usable(secret)
            first_name = opened.first_name
        if opened.state is not LinkState.OPEN:
            service.refuse(opened, "send-checkin")
            return _unusable(opened, language)
        if exports.FIELD not in error.errors:
            service.refuse(opened, "send-checkin", "answers to check")
        values = {key: request.form.getlist(key) for key in request.form}
        return _form(secret, language, values, error.errors, first_name), 400
    with transaction():
        opened = service.submit(secret, data, language_of(language), figures)
        first_name = opened.first_name
    if not opened.sent:
        return _unusable(opened, language)
    return render_in(
        language_of(language),
        "intake_ai/checkin/sent.html",
        first_name=first_name,
        summary=summary_in(data, language_of(language)),
        export=figures,
        export_app=PROVIDER_NAMES[figures.provider] if figures else None,
    )

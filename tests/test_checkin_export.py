"""The client adds their chatbot export to their check-in: read by the clinician's own reader,
kept only as figures waiting for review, refused in the client's words when it cannot be
read, never served to an integrator before their clinician saves it (then as the very
Observations of the clinician's upload), discarded or removed with the note."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import timedelta

import pytest
from sqlalchemy import select, update
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from intake_ai.checkin.exports import SENT_DETAIL
from intake_ai.demo.exports import export_json, export_zip
from intake_ai.models import CheckIn, CheckInExport, CheckInProposal
from intake_ai.store.database import session, utcnow
from tests.checkin_helpers import CLIENT_ANSWERS, agreed_client, issue
from tests.conftest import AuthActions, bearer
from tests.export_helpers import CONVERSATIONS, EXPORT_CODES, audits_of, export_observations

SECRET_TEXT = "Private-words-of-the-chat"
#: Each provider's fixture as the clinician's tests upload it: its .zip and its JSON alone.
FIXTURES = [
    ("chatgpt", "chatgpt-export.zip", export_zip),
    ("claude", "conversations.json", export_json),
    ("claude", "claude-export.zip", export_zip),
    ("chatgpt", "conversations.json", export_json),
]


def _bomb() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("conversations.json", b"[" + b" " * (8 << 20) + b"]")
    return buffer.getvalue()


def _send(phone, secret: str, data: bytes, name: str, lang: str = "en", **answers):  # type: ignore[no-untyped-def]
    fields = {**answers, "lang": lang, "export": FileStorage(io.BytesIO(data), name)}
    boundary, body = encode_multipart(fields)
    return phone.post(
        f"/check-in/{secret}",
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
    )


def _rows(app, model) -> list:  # type: ignore[no-untyped-def,type-arg]
    with app.app_context():
        rows = list(session().scalars(select(model)))
        session().expunge_all()
    return rows


@pytest.mark.parametrize(("provider", "name", "packing"), FIXTURES)
def test_the_client_sends_their_export_with_the_answers_as_figures_only(
    app, make, provider, name, packing
) -> None:
    client_id, upcoming, web = agreed_client(app, make)
    secret = issue(web, upcoming)
    data = packing(provider, CONVERSATIONS).replace(b"Demo text", SECRET_TEXT.encode())
    if packing is export_json:
        assert SECRET_TEXT.encode() in data  # the fixture really carries the chats' words
    sent = _send(app.test_client(), secret, data, name, **CLIENT_ANSWERS)
    page = sent.get_data(as_text=True)
    assert sent.status_code == 200, page[:2000]
    assert "Sent to your clinician" in page and 'id="export-sent"' in page
    assert "weeks counted: 2" in page and "The file itself was not kept." in page
    [kept] = _rows(app, CheckInExport)
    assert kept.client_id == client_id and kept.encounter_id == upcoming
    assert kept.provider == provider
    figures = json.loads(kept.figures)
    assert [w["start"] for w in figures["weeks"]] == ["2026-10-05", "2026-10-12"]
    assert figures["weeks"][0]["messages"] == 6 and figures["weeks"][0]["active_days"] == 3
    assert SECRET_TEXT not in kept.figures and name not in kept.figures
    assert "Monday" not in kept.figures  # nor a conversation's title
    assert len(_rows(app, CheckInProposal)) == 1
    [link] = _rows(app, CheckIn)
    assert link.used_at is not None
    [upload] = audits_of(app, "upload")
    assert upload.outcome == "0" and upload.client_id == client_id
    assert upload.entity == f"CheckIn/{link.id}"
    assert upload.detail == f"client's check-in link: {SENT_DETAIL}"


def test_the_export_is_optional_and_an_empty_file_field_is_no_export(app, make) -> None:
    _client_id, upcoming, web = agreed_client(app, make)
    secret = issue(web, upcoming)
    sent = _send(app.test_client(), secret, b"", "", **CLIENT_ANSWERS)
    assert sent.status_code == 200
    assert 'id="export-sent"' not in sent.get_data(as_text=True)
    assert _rows(app, CheckInExport) == [] and len(_rows(app, CheckInProposal)) == 1
    assert audits_of(app, "upload") == []


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (_bomb(), "export.zip"),
        (b'[{"header": "Gemini Apps", "time": "x"}]', "conversations.json"),
        (b"[" * 500, "conversations.json"),
        (b"\x89PNG\r\n", "photo.png"),
        (b"PK\x03\x04 damaged", "export.zip"),
    ],
    ids=["zip-bomb", "other-provider", "deep-nesting", "not-json", "damaged-zip"],
)
def test_a_hostile_or_wrong_file_is_refused_in_the_clients_words_with_nothing_kept(
    app, make, data, name
) -> None:
    client_id, upcoming, web = agreed_client(app, make)
    secret = issue(web, upcoming)
    phone = app.test_client()
    refused = _send(phone, secret, data, name, lang="es", **CLIENT_ANSWERS)
    page = refused.get_data(as_text=True)
    assert refused.status_code == 400
    assert '<html lang="es">' in page and 'id="err-export"' in page
    assert "No pudimos leer este archivo, así que no guardamos nada de él." in page
    assert "Todavía no se envió nada" in page
    assert "bomb" not in page and "ijson" not in page  # the reader's words are for clinicians
    # The answers are kept on the page for another try; nothing was stored.
    assert 'value="dpw-5-6" checked' in page
    assert _rows(app, CheckInExport) == [] and _rows(app, CheckInProposal) == []
    [link] = _rows(app, CheckIn)
    assert link.used_at is None
    [upload] = audits_of(app, "upload")
    assert upload.outcome == "4" and upload.client_id == client_id
    assert upload.detail == "client's check-in link: export refused"
    # The link still works: the client sends without the file.
    again = phone.post(f"/check-in/{secret}", data={**CLIENT_ANSWERS, "lang": "es"})
    assert again.status_code == 200


def test_an_expired_used_or_withdrawn_link_refuses_the_export_unread(app, make) -> None:
    client_id, upcoming, web = agreed_client(app, make)
    data = export_zip("chatgpt", CONVERSATIONS)
    used = issue(web, upcoming)
    assert _send(app.test_client(), used, data, "export.zip").status_code == 200
    again = _send(app.test_client(), used, data, "export.zip", **CLIENT_ANSWERS)
    assert again.status_code == 410 and "already sent" in again.get_data(as_text=True)

    later = make.encounter(client_id, "dr-a", start=utcnow() + timedelta(days=5))
    expired = issue(web, later)
    with app.app_context():
        session().execute(
            update(CheckIn)
            .where(CheckIn.encounter_id == later)
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
        session().commit()
    refused = _send(app.test_client(), expired, data, "export.zip")
    assert refused.status_code == 410 and "expired" in refused.get_data(as_text=True)

    third = make.encounter(client_id, "dr-a", start=utcnow() + timedelta(days=6))
    withdrawn = issue(web, third)
    link_id = max(link.id for link in _rows(app, CheckIn))
    assert web.post(f"/checkins/{link_id}/revoke").status_code == 302
    refused = _send(app.test_client(), withdrawn, data, "export.zip")
    assert refused.status_code == 410 and "no longer active" in refused.get_data(as_text=True)
    # Only the first, sent with a valid link, is kept; the refusals are on file.
    assert len(_rows(app, CheckInExport)) == 1
    assert [r.outcome for r in audits_of(app, "upload")] == ["0", "4", "4", "4"]


def test_the_export_counts_against_the_links_rate_limit(app, make) -> None:
    from intake_ai.checkin import throttle

    _client_id, upcoming, web = agreed_client(app, make)
    secret = issue(web, upcoming)
    phone = app.test_client()
    for _ in range(throttle.PER_LINK):
        assert _send(phone, secret, b"not an export", "x.json").status_code == 400
    limited = _send(phone, secret, export_zip("claude", CONVERSATIONS), "export.zip")
    assert limited.status_code == 429
    assert _rows(app, CheckInExport) == []


def _integrator(app, make):  # type: ignore[no-untyped-def]
    make.user("integrator", "ehr")
    return bearer(make.token("ehr", "system/*.read", "system/AuditEvent.read"))


def _served(app, api, client_id: int) -> tuple[int, str, str]:  # type: ignore[no-untyped-def]
    """What an integrator is served: the export Observations found, the client's whole
    compartment, and the audit trail about them."""
    reader = app.test_client()
    found, everything, trail = (
        reader.get(
            f"/fhir/Observation?patient={client_id}&code={','.join(EXPORT_CODES)}", headers=api
        ),
        reader.get(f"/fhir/Patient/{client_id}/$everything?_count=500", headers=api),
        reader.get(f"/fhir/AuditEvent?patient=Patient/{client_id}&_count=500", headers=api),
    )
    assert [r.status_code for r in (found, everything, trail)] == [200, 200, 200]
    resources = [e["resource"] for e in everything.get_json().get("entry", [])]
    trail_entries = [e["resource"] for e in trail.get_json().get("entry", [])]
    return found.get_json()["total"], json.dumps(resources), json.dumps(trail_entries)


def test_nothing_is_served_to_an_integrator_before_the_clinician_saves(app, make) -> None:
    client_id, upcoming, web = agreed_client(app, make)
    api = _integrator(app, make)
    secret = issue(web, upcoming)
    _send(
        app.test_client(), secret, export_zip("chatgpt", CONVERSATIONS), "e.zip", **CLIENT_ANSWERS
    )
    assert len(_rows(app, CheckInExport)) == 1
    found, everything, trail = _served(app, api, client_id)
    assert found == 0
    assert "export-usage" not in everything and "from-client-export" not in everything
    # The audit trail says an export came, not which chatbot, and no figure.
    assert SENT_DETAIL in trail
    for figure in (
        "chatgpt",
        "weeks",
        "conversation",
        "messages",
        "minutes",
        "midnight",
        "e.zip",
        "2026-10",
    ):
        assert figure not in trail.lower()
    # Nor does the clinician's look at the client page change that.
    assert "Figures from the client's export, sent with the check-in (" in (
        web.get(f"/clients/{client_id}").get_data(as_text=True)
    )
    assert _served(app, api, client_id)[0] == 0
    # Once saved, the integrator is served them.
    assert web.post(f"/checkin-exports/{_sent_id(app)}/save").status_code == 302
    assert _served(app, api, client_id)[0] == 3


def _sent_id(app) -> int:  # type: ignore[no-untyped-def]
    [row] = _rows(app, CheckInExport)
    return int(row.id)


def test_the_clinician_reviews_and_saves_the_same_observations_as_an_upload(
    app, make, tmp_path
) -> None:
    from tests.fhir_validator import run_validator

    client_id, upcoming, web = agreed_client(app, make)
    api = _integrator(app, make)
    secret = issue(web, upcoming)
    _send(app.test_client(), secret, export_zip("claude", CONVERSATIONS), "e.zip", lang="es")
    page = web.get(f"/clients/{client_id}").get_data(as_text=True)
    export_id = _sent_id(app)
    assert f"/checkin-exports/{export_id}" in page
    review = web.get(f"/checkin-exports/{export_id}")
    text = review.get_data(as_text=True)
    assert review.status_code == 200
    assert "Review: usage from the client's Claude export" in text
    assert 'id="sent-with-checkin"' in text and "Nothing is saved yet" in text
    assert "05 Oct 2026" in text and "12 Oct 2026" in text
    assert 'id="export-days"' in text and "Mon 05 Oct 2026" in text  # the days were kept too
    saved = web.post(f"/checkin-exports/{export_id}/save")
    assert saved.status_code == 302
    [reviewed] = _rows(app, CheckInExport)
    assert reviewed.figures is None and reviewed.reviewed_at is not None
    (summary_row,) = [r for r in export_observations(app, client_id) if r.code == EXPORT_CODES[1]]
    assert reviewed.saved_as == summary_row.resource_id
    rows = export_observations(app, client_id)
    assert sorted(r.code for r in rows) == [
        "export-usage-summary",
        "export-usage-week",
        "export-usage-week",
    ]
    found = app.test_client().get(
        f"/fhir/Observation?patient={client_id}&code={','.join(EXPORT_CODES)}", headers=api
    )
    resources = [e["resource"] for e in found.get_json()["entry"]]
    summary = next(r for r in resources if r["code"]["coding"][0]["code"] == EXPORT_CODES[1])
    assert summary["method"]["coding"][0]["code"] == "from-client-export"
    assert summary["performer"][0]["reference"].startswith("Practitioner/")
    week = next(r for r in resources if r["effectivePeriod"]["start"].startswith("2026-10-05"))
    values = {c["code"]["coding"][0]["code"]: c for c in week["component"]}
    assert values["export-client-messages"]["valueInteger"] == 6
    assert values["export-estimated-minutes"]["valueQuantity"]["value"] == 11 + 2 + 3 + 4
    run_validator([found.get_json()], tmp_path)
    creates = [a for a in audits_of(app, "create") if "sent with the check-in" in (a.detail or "")]
    assert len(creates) == 1 and creates[0].client_id == client_id
    # Saved once: a second save finds nothing to save.
    assert web.post(f"/checkin-exports/{export_id}/save").status_code == 404
    assert len(export_observations(app, client_id)) == 3


def test_the_clinician_may_discard_what_the_client_sent(app, make) -> None:
    client_id, upcoming, web = agreed_client(app, make)
    secret = issue(web, upcoming)
    _send(app.test_client(), secret, export_json("chatgpt", CONVERSATIONS), "c.json")
    export_id = _sent_id(app)
    discarded = web.post(f"/checkin-exports/{export_id}/discard")
    assert discarded.status_code == 302
    [reviewed] = _rows(app, CheckInExport)
    assert reviewed.figures is None and reviewed.saved_as is None
    assert export_observations(app, client_id) == []
    [entry] = [a for a in audits_of(app, "delete") if a.entity == f"CheckInExport/{export_id}"]
    assert entry.client_id == client_id and "discarded unsaved" in (entry.detail or "")
    assert "sent-exports" not in web.get(f"/clients/{client_id}").get_data(as_text=True)


def test_only_the_clinician_of_record_reviews_saves_or_discards(app, make) -> None:
    _client_id, upcoming, web = agreed_client(app, make)
    secret = issue(web, upcoming)
    _send(app.test_client(), secret, export_zip("chatgpt", CONVERSATIONS), "e.zip")
    export_id = _sent_id(app)
    make.user("clinician", "dr-b")
    for who in ("dr-b", "sup"):
        other = app.test_client()
        AuthActions(other).login(who)
        assert other.get(f"/checkin-exports/{export_id}").status_code in (403, 404)
        assert other.post(f"/checkin-exports/{export_id}/save").status_code in (403, 404)
        assert other.post(f"/checkin-exports/{export_id}/discard").status_code in (403, 404)
    anonymous = app.test_client().get(f"/checkin-exports/{export_id}")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    assert len(_rows(app, CheckInExport)) == 1


def test_removing_the_note_for_good_removes_the_figures_still_waiting(app, make) -> None:
    from tests.intake_helpers import submit_note

    _client_id, upcoming, web = agreed_client(app, make)
    secret = issue(web, upcoming)
    _send(app.test_client(), secret, export_zip("claude", CONVERSATIONS), "e.zip", **CLIENT_ANSWERS)
    assert (
        submit_note(web, upcoming, {"confirmed": ["any-use"]}, {"review": "agree"}).status_code
        == 302
    )
    [proposal] = _rows(app, CheckInProposal)
    assert len(_rows(app, CheckInExport)) == 1  # the note's save does not save the figures
    purged = web.post(
        f"/records/QuestionnaireResponse/{proposal.reviewed_in}/purge",
        data={"reason": "duplicate"},
    )
    assert purged.status_code == 302
    assert _rows(app, CheckInExport) == [] and _rows(app, CheckInProposal) == []

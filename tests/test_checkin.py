"""The client's check-in link: issued only for consenting clients by their clinician, single
use, expiring, revocable, rate limited, audited, leaking nothing, and never served over the
API before the clinician reviews and saves the note."""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta

from sqlalchemy import select, update

from intake_ai.checkin import throttle
from intake_ai.models import AuditRecord, CheckIn, CheckInProposal, Client
from intake_ai.store.database import session, utcnow
from tests.checkin_helpers import CLIENT_ANSWERS, agreed_client, issue
from tests.conftest import AuthActions, bearer


def _answered_by(node: dict, reference: str) -> set[str]:  # type: ignore[type-arg]
    """linkIds of the response items whose answer-source names ``reference``."""
    found = set()
    for item in node.get("item", []):
        for extension in item.get("extension", []):
            if extension["url"].endswith("/answer-source"):
                assert extension["valueReference"] == {"reference": reference}
                found.add(item["linkId"])
        found |= _answered_by(item, reference)
        for answer in item.get("answer", []):
            found |= _answered_by(answer, reference)
    return found


def _links(app) -> list[CheckIn]:  # type: ignore[no-untyped-def]
    with app.app_context():
        rows = list(session().scalars(select(CheckIn).order_by(CheckIn.id)))
        session().expunge_all()
    return rows


def _audit(app, operation: str) -> list[AuditRecord]:  # type: ignore[no-untyped-def]
    with app.app_context():
        rows = list(
            session().scalars(select(AuditRecord).where(AuditRecord.operation == operation))
        )
        session().expunge_all()
    return rows


def test_a_link_is_refused_for_a_client_without_active_consent(app, make) -> None:
    make.user("clinician", "dr-a")
    client_id = make.client("dr-a")
    make.encounter(client_id, "dr-a", kind="intake")
    upcoming = make.encounter(client_id, "dr-a", start=utcnow() + timedelta(days=2))
    web = app.test_client()
    AuthActions(web).login("dr-a")
    refused = web.post(f"/sessions/{upcoming}/checkin", follow_redirects=True)
    page = refused.get_data(as_text=True)
    assert "No check-in link was issued" in page and "agreed to the record" in page
    assert _links(app) == []
    [entry] = _audit(app, "issue-checkin")
    assert entry.outcome == "4" and entry.client_id == client_id


def test_only_the_clinician_of_record_issues_a_link(app, make) -> None:
    client_id, upcoming, _web = agreed_client(app, make)
    make.user("clinician", "dr-b")
    other = app.test_client()
    AuthActions(other).login("dr-b")
    refused = other.post(f"/sessions/{upcoming}/checkin")
    assert refused.status_code in (302, 403, 404)
    assert _links(app) == []
    anonymous = app.test_client().post(f"/sessions/{upcoming}/checkin")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    assert _links(app) == []


def test_the_link_stores_only_its_hash_and_the_page_shows_only_the_first_name(app, make) -> None:
    client_id, upcoming, web = agreed_client(app, make)
    secret = issue(web, upcoming, first_name="Sam")
    [link] = _links(app)
    assert link.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in repr(vars(link))
    with app.app_context():
        client = session().get(Client, client_id)
        name, ehr_id = client.display_name, client.ehr_patient_id
    opened = app.test_client().get(f"/check-in/{secret}")
    page = opened.get_data(as_text=True)
    assert opened.status_code == 200
    assert "Hello, Sam" in page
    assert name not in page and ehr_id not in page and "dr-a" not in page.lower()
    assert "Send to my clinician" in page and "plotly" not in page
    assert "score" not in page.lower() and "band" not in page.lower()
    assert opened.headers["Referrer-Policy"] == "no-referrer"


def test_a_link_works_once(app, make) -> None:
    _client_id, upcoming, web = agreed_client(app, make)
    secret = issue(web, upcoming)
    phone = app.test_client()
    sent = phone.post(f"/check-in/{secret}", data={**CLIENT_ANSWERS, "lang": "en"})
    assert sent.status_code == 200, sent.get_data(as_text=True)[:500]
    assert "Sent to your clinician" in sent.get_data(as_text=True)
    again = phone.post(f"/check-in/{secret}", data={**CLIENT_ANSWERS, "lang": "en"})
    assert again.status_code == 410
    assert "already sent" in again.get_data(as_text=True)
    assert phone.get(f"/check-in/{secret}").status_code == 410
    with app.app_context():
        assert len(list(session().scalars(select(CheckInProposal)))) == 1


def test_a_link_expires_after_72_hours_or_at_the_session_start(app, make) -> None:
    _client_id, upcoming, web = agreed_client(app, make, start_in=timedelta(days=10))
    before = utcnow()
    secret = issue(web, upcoming)
    [link] = _links(app)
    assert (
        timedelta(hours=71, minutes=59) < link.expires_at - before <= timedelta(hours=72, seconds=5)
    )
    with app.app_context():
        session().execute(update(CheckIn).values(expires_at=utcnow() - timedelta(seconds=1)))
        session().commit()
    expired = app.test_client().get(f"/check-in/{secret}")
    assert expired.status_code == 410 and "expired" in expired.get_data(as_text=True)
    sent = app.test_client().post(f"/check-in/{secret}", data=CLIENT_ANSWERS)
    assert sent.status_code == 410
    with app.app_context():
        assert list(session().scalars(select(CheckInProposal))) == []


def test_a_session_sooner_than_72_hours_ends_the_link_at_its_start(app, make) -> None:
    _client_id, upcoming, web = agreed_client(app, make, start_in=timedelta(hours=20))
    issue(web, upcoming)
    [link] = _links(app)
    with app.app_context():
        row = session().get(CheckIn, link.id)
        assert row.expires_at == row.encounter.start


def test_a_withdrawn_or_replaced_link_no_longer_opens(app, make) -> None:
    _client_id, upcoming, web = agreed_client(app, make)
    first = issue(web, upcoming)
    second = issue(web, upcoming)
    replaced = app.test_client().get(f"/check-in/{first}")
    assert replaced.status_code == 410 and "no longer active" in replaced.get_data(as_text=True)
    assert app.test_client().get(f"/check-in/{second}").status_code == 200
    link_id = _links(app)[-1].id
    assert web.post(f"/checkins/{link_id}/revoke").status_code == 302
    assert app.test_client().get(f"/check-in/{second}").status_code == 410


def test_unknown_links_say_so_without_detail(app, make) -> None:
    agreed_client(app, make)
    answer = app.test_client().get("/check-in/" + "A" * 43)
    assert answer.status_code == 404
    assert "This link does not work" in answer.get_data(as_text=True)


def test_requests_are_limited_per_link_and_per_address(app, make) -> None:
    _client_id, upcoming, web = agreed_client(app, make)
    secret = issue(web, upcoming)
    phone = app.test_client()
    answers = [phone.get(f"/check-in/{secret}").status_code for _ in range(throttle.PER_LINK)]
    assert set(answers) == {200}
    assert phone.get(f"/check-in/{secret}").status_code == 429
    # Guessing: every guess is another link, but they all come from one address.
    guesser = app.test_client()
    guesser.environ_base["REMOTE_ADDR"] = "203.0.113.9"
    codes = [
        guesser.get(f"/check-in/{str(n).rjust(43, 'x')}").status_code
        for n in range(throttle.PER_ADDRESS + 1)
    ]
    assert codes[:-1] == [404] * throttle.PER_ADDRESS and codes[-1] == 429
    limited = _audit(app, "open-checkin")
    assert any("too many tries" in (r.detail or "") for r in limited)


def test_every_step_is_audited_without_the_answers(app, make) -> None:
    client_id, upcoming, web = agreed_client(app, make)
    secret = issue(web, upcoming)
    phone = app.test_client()
    phone.get(f"/check-in/{secret}")
    phone.post(f"/check-in/{secret}", data=CLIENT_ANSWERS)
    phone.post(f"/check-in/{secret}", data=CLIENT_ANSWERS)
    issued, opened, sent = (
        _audit(app, op) for op in ("issue-checkin", "open-checkin", "send-checkin")
    )
    assert [r.outcome for r in issued] == ["0"]
    assert [r.outcome for r in opened] == ["0"]
    assert [r.outcome for r in sent] == ["0", "4"]
    for entry in (*issued, *opened, *sent):
        assert entry.client_id == client_id
        assert entry.entity == f"CheckIn/{_links(app)[0].id}"
        for code in ("tool-chatgpt", "dpw-5-6", "distress-mild"):
            assert code not in (entry.detail or "")


def test_nothing_from_the_check_in_is_served_before_the_clinician_saves(app, make) -> None:
    client_id, upcoming, web = agreed_client(app, make)
    make.user("integrator", "ehr")
    api = bearer(make.token("ehr", "system/*.read"))
    reader = app.test_client()

    def served() -> tuple[int, int]:
        responses = reader.get(f"/fhir/QuestionnaireResponse?patient={client_id}", headers=api)
        observations = reader.get(f"/fhir/Observation?patient={client_id}&_count=500", headers=api)
        return responses.get_json()["total"], observations.get_json()["total"]

    before = served()
    secret = issue(web, upcoming)
    app.test_client().post(f"/check-in/{secret}", data=CLIENT_ANSWERS)
    assert served() == before
    form = web.get(f"/sessions/{upcoming}/note").get_data(as_text=True)
    assert "From the client&#39;s check-in (" in form or "From the client's check-in (" in form
    assert served() == before


def test_the_clients_answers_are_proposed_and_saved_as_theirs_by_the_clinician(app, make) -> None:
    client_id, upcoming, web = agreed_client(app, make)
    secret = issue(web, upcoming)
    app.test_client().post(f"/check-in/{secret}", data=CLIENT_ANSWERS)
    from tests.intake_helpers import review_answers

    confirmed = [
        "any-use",
        "tools",
        "days-per-week",
        "reliance-rating",
        "distress-unavailable",
        "crisis-use",
    ]
    review = web.post(
        f"/sessions/{upcoming}/note",
        data={
            "confirmed": confirmed,
            "time-per-day": "tpd-2-4h",  # the clinician changed one with the client
            "review": "agree",
            "action": "review",
        },
    )
    assert review.status_code == 200, review.get_data(as_text=True)[:3000]
    saved = web.post(
        f"/sessions/{upcoming}/note",
        data={
            "answers": review_answers(review.get_data(as_text=True)),
            "review": "agree",
            "action": "save",
        },
    )
    assert saved.status_code == 302
    make.user("integrator", "ehr")
    api = bearer(make.token("ehr", "system/*.read"))
    found = (
        app.test_client()
        .get(
            f"/fhir/QuestionnaireResponse?patient={client_id}&encounter=Encounter/{upcoming}",
            headers=api,
        )
        .get_json()
    )
    notes = [
        e["resource"]
        for e in found.get("entry", [])
        if "session-note" in e["resource"]["questionnaire"]
    ]
    assert len(notes) == 1
    note = notes[0]
    assert note["author"]["reference"].startswith("Practitioner/")
    assert note["source"]["reference"] == f"Patient/{client_id}"

    def items(node):  # type: ignore[no-untyped-def]
        for item in node.get("item", []):
            yield item
            yield from items(item)
            for answer in item.get("answer", []):
                yield from items(answer)

    marked = {
        item["linkId"]
        for item in items(note)
        if any(e["url"].endswith("/answer-source") for e in item.get("extension", []))
    }
    assert marked == set(confirmed)
    by_link = {item["linkId"]: item for item in items(note)}
    assert by_link["time-per-day"]["answer"][0]["valueCoding"]["code"] == "tpd-2-4h"
    with app.app_context():
        [proposal] = session().scalars(select(CheckInProposal)).all()
        assert proposal.reviewed_in == note["id"]
    # Reviewed: the next visit of the form proposes nothing more.
    assert "From the client" not in web.get(f"/notes/{note['id']}/edit").get_data(as_text=True)


def test_the_page_opens_in_the_clients_language_and_switches(app, make) -> None:
    client_id, upcoming, web = agreed_client(app, make)
    assert web.post(f"/clients/{client_id}/language", data={"language": "es"}).status_code == 302
    secret = issue(web, upcoming, first_name="Ana")
    phone = app.test_client()
    spanish = phone.get(f"/check-in/{secret}").get_data(as_text=True)
    assert '<html lang="es">' in spanish
    assert "Hola, Ana" in spanish and "Enviar a mi terapeuta" in spanish
    assert "¿Ha usado alguna aplicación de chat con IA" in spanish
    assert "Sí, cuando me sentía muy mal" in spanish
    assert "Not discussed" not in spanish and "No se habló" not in spanish
    english = phone.get(f"/check-in/{secret}?lang=en").get_data(as_text=True)
    assert '<html lang="en">' in english and "Send to my clinician" in english
    sent = phone.post(f"/check-in/{secret}", data={**CLIENT_ANSWERS, "lang": "es"})
    page = sent.get_data(as_text=True)
    assert "Enviado a su terapeuta" in page and "5–6 días" in page
    with app.app_context():
        [proposal] = session().scalars(select(CheckInProposal)).all()
        assert proposal.language == "es" and "dpw-5-6" in proposal.payload


def test_answers_the_client_may_not_give_are_refused_at_the_question(app, make) -> None:
    _client_id, upcoming, web = agreed_client(app, make)
    secret = issue(web, upcoming)
    phone = app.test_client()
    refused = phone.post(f"/check-in/{secret}", data={"any-use": "use-not-discussed"})
    assert refused.status_code == 400
    assert 'id="err-any-use"' in refused.get_data(as_text=True)
    wrong = phone.post(f"/check-in/{secret}", data={"any-use": "use-yes", "reliance-rating": "11"})
    assert wrong.status_code == 400 and 'id="err-reliance-rating"' in wrong.get_data(as_text=True)
    # Answers after "No" are dropped, not refused; the link is still usable until sent.
    sent = phone.post(f"/check-in/{secret}", data={"any-use": "use-no", "days-per-week": "dpw-1-2"})
    assert sent.status_code == 200
    with app.app_context():
        [proposal] = session().scalars(select(CheckInProposal)).all()
        assert "dpw-1-2" not in proposal.payload


def test_the_clinician_issues_a_link_through_the_api_with_their_own_token(app, make) -> None:
    client_id, upcoming, _web = agreed_client(app, make)
    own = bearer(make.token("dr-a", "system/*.read", "system/*.write"))
    api = app.test_client()
    body = {
        "resourceType": "Parameters",
        "parameter": [{"name": "firstName", "valueString": "Sam"}],
    }
    issued = api.post(
        f"/fhir/Encounter/{upcoming}/$checkin-link",
        json=body,
        headers={**own, "Content-Type": "application/fhir+json"},
    )
    assert issued.status_code == 200, issued.get_data(as_text=True)
    values = {p["name"]: p for p in issued.get_json()["parameter"]}
    url = values["url"]["valueUri"]
    assert "/check-in/" in url and values["expires"]["valueInstant"].endswith("Z")
    secret = url.split("/check-in/")[1].split("?")[0]
    assert "Hello, Sam" in app.test_client().get(f"/check-in/{secret}").get_data(as_text=True)
    # An integrator's token may not, nor a clinician for a client not in their care.
    make.user("integrator", "ehr")
    integrator = bearer(make.token("ehr", "system/*.read", "system/*.write"))
    refused = api.post(f"/fhir/Encounter/{upcoming}/$checkin-link", headers=integrator)
    assert refused.status_code == 403
    assert refused.get_json()["resourceType"] == "OperationOutcome"
    make.user("clinician", "dr-b")
    other = bearer(make.token("dr-b", "system/*.read", "system/*.write"))
    assert api.post(f"/fhir/Encounter/{upcoming}/$checkin-link", headers=other).status_code == 403
    read_only = bearer(make.token("dr-a", "system/*.read"))
    assert (
        api.post(f"/fhir/Encounter/{upcoming}/$checkin-link", headers=read_only).status_code == 403
    )
    assert len(_links(app)) == 1


def test_the_api_refuses_a_link_without_consent_with_the_reason(app, make) -> None:
    make.user("clinician", "dr-a")
    client_id = make.client("dr-a")
    make.encounter(client_id, "dr-a", kind="intake")
    upcoming = make.encounter(client_id, "dr-a", start=utcnow() + timedelta(days=2))
    own = bearer(make.token("dr-a", "system/*.read", "system/*.write"))
    refused = app.test_client().post(f"/fhir/Encounter/{upcoming}/$checkin-link", headers=own)
    assert refused.status_code == 403
    issue_ = refused.get_json()["issue"][0]
    assert "agreed to the record" in issue_["diagnostics"]
    too_long = app.test_client().post(
        f"/fhir/Encounter/{upcoming}/$checkin-link",
        json={
            "resourceType": "Parameters",
            "parameter": [{"name": "firstName", "valueInteger": 3}],
        },
        headers={**own, "Content-Type": "application/fhir+json"},
    )
    assert too_long.status_code == 400
    assert too_long.get_json()["issue"][0]["expression"] == ["Parameters.parameter[0].valueString"]
    assert _links(app) == []


def test_a_check_in_that_mentions_a_crisis_shows_on_the_client_page_at_once(app, make) -> None:
    client_id, upcoming, web = agreed_client(app, make)
    secret = issue(web, upcoming)
    calm = web.get(f"/clients/{client_id}").get_data(as_text=True)
    assert "used AI during distress or a crisis" not in calm
    answers = {**CLIENT_ANSWERS, "crisis-use": "crisis-self-harm"}
    assert app.test_client().post(f"/check-in/{secret}", data=answers).status_code == 200
    page = web.get(f"/clients/{client_id}").get_data(as_text=True)
    assert "used AI during distress or a crisis: look at it before the session" in page


def test_what_the_api_serves_after_a_check_in_validates(app, make, tmp_path) -> None:
    from tests.fhir_validator import run_validator
    from tests.intake_helpers import review_answers

    client_id, upcoming, web = agreed_client(app, make)
    secret = issue(web, upcoming)
    app.test_client().post(f"/check-in/{secret}", data=CLIENT_ANSWERS)
    review = web.post(
        f"/sessions/{upcoming}/note",
        data={"confirmed": list(CLIENT_ANSWERS), "review": "agree", "action": "review"},
    )
    web.post(
        f"/sessions/{upcoming}/note",
        data={
            "answers": review_answers(review.get_data(as_text=True)),
            "review": "agree",
            "action": "save",
        },
    )
    make.user("integrator", "ehr")
    api = bearer(make.token("ehr", "system/*.read"))
    reader = app.test_client()
    served = [
        reader.get(f"/fhir/QuestionnaireResponse?patient={client_id}", headers=api).get_json(),
        reader.get("/fhir/Questionnaire", headers=api).get_json(),
        reader.get("/fhir/ValueSet?_count=100", headers=api).get_json(),
    ]
    text = json.dumps(served)
    assert "/answer-source" in text and "StructureDefinition/translation" in text
    run_validator(served, tmp_path)


def test_a_link_sent_four_times_at_once_keeps_exactly_one_proposal(app, app_factory, make) -> None:
    import threading
    import urllib.error
    import urllib.parse
    import urllib.request

    from werkzeug.serving import make_server

    _client_id, upcoming, web = agreed_client(app, make)
    secret = issue(web, upcoming)
    server = make_server("127.0.0.1", 0, app_factory(), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_port}/check-in/{secret}"
    barrier = threading.Barrier(4)
    statuses: list[int] = []

    def send(days: str) -> None:
        body = urllib.parse.urlencode({"any-use": "use-yes", "days-per-week": days}).encode()
        barrier.wait()
        try:
            with urllib.request.urlopen(urllib.request.Request(url, data=body)) as reply:
                statuses.append(reply.status)
        except urllib.error.HTTPError as error:
            statuses.append(error.code)

    try:
        workers = [
            threading.Thread(target=send, args=(days,))
            for days in ("dpw-every-day", "dpw-1-2", "dpw-3-4", "dpw-5-6")
        ]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(timeout=60)
    finally:
        server.shutdown()
        thread.join(timeout=10)
    assert sorted(statuses) == [200, 410, 410, 410], statuses
    with app.app_context():
        assert len(session().scalars(select(CheckInProposal)).all()) == 1


def test_an_edit_keeps_the_client_as_source_only_of_answers_it_leaves_unchanged(app, make) -> None:
    from tests.intake_helpers import review_answers, submit_note

    client_id, upcoming, web = agreed_client(app, make)
    secret = issue(web, upcoming)
    app.test_client().post(f"/check-in/{secret}", data=CLIENT_ANSWERS)
    saved = submit_note(web, upcoming, {"confirmed": list(CLIENT_ANSWERS)}, {"review": "agree"})
    assert saved.status_code == 302
    make.user("integrator", "ehr")
    api = bearer(make.token("ehr", "system/*.read"))

    def marked() -> tuple[set[str], str]:
        found = app.test_client().get(
            f"/fhir/QuestionnaireResponse?patient={client_id}&encounter=Encounter/{upcoming}",
            headers=api,
        )
        [note] = [e["resource"] for e in found.get_json()["entry"]]
        return _answered_by(note, f"Patient/{client_id}"), note["id"]

    first, note_id = marked()
    assert first == set(CLIENT_ANSWERS)
    changed = {**CLIENT_ANSWERS, "days-per-week": "dpw-every-day"}
    review = web.post(
        f"/notes/{note_id}/edit", data={**changed, "action": "review", "base_version": "1"}
    )
    edited = web.post(
        f"/notes/{note_id}/edit",
        data={
            "answers": review_answers(review.get_data(as_text=True)),
            "action": "save",
            "base_version": "1",
            "change_reason": "The client corrected the days in session",
        },
    )
    assert edited.status_code == 302
    second, _ = marked()
    assert second == set(CLIENT_ANSWERS) - {"days-per-week"}


def test_removing_the_note_for_good_removes_what_the_client_sent_for_it(app, make) -> None:
    client_id, upcoming, web = agreed_client(app, make)
    secret = issue(web, upcoming)
    app.test_client().post(f"/check-in/{secret}", data=CLIENT_ANSWERS)
    from tests.intake_helpers import review_answers

    review = web.post(
        f"/sessions/{upcoming}/note",
        data={"confirmed": ["any-use", "tools"], "review": "agree", "action": "review"},
    )
    assert review.status_code == 200, review.get_data(as_text=True)[:2000]
    saved = web.post(
        f"/sessions/{upcoming}/note",
        data={
            "answers": review_answers(review.get_data(as_text=True)),
            "review": "agree",
            "action": "save",
        },
    )
    assert saved.status_code == 302
    with app.app_context():
        [proposal] = session().scalars(select(CheckInProposal)).all()
        note_id = proposal.reviewed_in
    purged = web.post(
        f"/records/QuestionnaireResponse/{note_id}/purge", data={"reason": "duplicate"}
    )
    assert purged.status_code == 302
    with app.app_context():
        assert session().scalars(select(CheckInProposal)).all() == []
        assert session().get(Client, client_id) is not None

"""Session notes as clinicians use them, and the clinician's control over every record."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from intake_ai.models import AuditRecord, CareAssignment, StoredResource
from intake_ai.store import resources as resource_store
from intake_ai.store.database import session
from tests.intake_helpers import (
    CALM_NOTE,
    FULL_INTAKE,
    WORRYING_NOTE,
    count_clinical,
    field_block,
    field_errors,
    submit_intake,
    submit_note,
)


@pytest.fixture
def followed(make, auth, client):  # type: ignore[no-untyped-def]
    """A client with a stored intake, a second session open, and the clinician signed in."""
    make.user("supervisor", "sup")
    make.user("clinician", "dr-a", supervisor="sup")
    client_id = make.client("dr-a")
    auth.login("dr-a")
    submit_intake(client, make.encounter(client_id, "dr-a"), FULL_INTAKE)
    return client_id, make.encounter(client_id, "dr-a")


def current(app, resource_type: str, code: str | None = None) -> list[dict]:  # type: ignore[no-untyped-def]
    with app.app_context():
        query = select(StoredResource).where(
            StoredResource.resource_type == resource_type,
            StoredResource.is_current,
            StoredResource.deleted.is_(False),
        )
        if code:
            query = query.where(StoredResource.code == code)
        return [
            resource_store.load(r) for r in session().scalars(query.order_by(StoredResource.pk))
        ]


def audit_ops(app) -> list[str]:  # type: ignore[no-untyped-def]
    with app.app_context():
        return list(session().scalars(select(AuditRecord.operation).order_by(AuditRecord.id)))


def note_of(app) -> dict:  # type: ignore[no-untyped-def]
    notes = [
        r for r in current(app, "QuestionnaireResponse") if "session-note" in r["questionnaire"]
    ]
    assert len(notes) == 1
    return notes[0]


def test_note_form_marks_carried_over_answers_and_sources(client, followed) -> None:
    _client_id, encounter_id = followed
    page = client.get(f"/sessions/{encounter_id}/note").get_data(as_text=True)
    assert "carried over from the last record, to confirm or change" in page
    days = field_block(page, "days-per-week")
    assert "Carried over from the intake of" in days and "5–6 days" in days  # intake: 5-6 days
    assert 'value="dpw-5-6" checked' not in page  # a proposal, not an answer
    assert "client-reported" in page and "clinician-observed" in page


def test_note_is_stored_with_sources_indicator_and_annotation(app, client, followed) -> None:
    client_id, encounter_id = followed
    response = submit_note(client, encounter_id, WORRYING_NOTE, annotation="Spoke about nights.")
    assert response.status_code == 302
    note = note_of(app)
    assert note["encounter"] == {"reference": f"Encounter/{encounter_id}"}
    derived = [
        o
        for o in current(app, "Observation")
        if o.get("derivedFrom") == [{"reference": f"QuestionnaireResponse/{note['id']}"}]
    ]
    by_code = {o["code"]["coding"][0]["code"]: o for o in derived}
    reported, observed = by_code["distress-unavailable"], by_code["human-contact"]
    # SDC: the category the Questionnaire declares; the performer the response's author
    # (who reported an answer is the Questionnaire item's item-source).
    assert reported["category"][0]["coding"][0]["code"] == "survey"
    assert reported["performer"] == [note["author"]]
    assert observed["category"][0]["coding"][0]["code"] == "social-history"
    assert observed["performer"] == [note["author"]]
    assert by_code["reliance-rating"]["valueInteger"] == 9
    panel = by_code["session-note-panel"]
    assert panel["note"][0]["text"] == "Spoke about nights."

    indicators = current(app, "Observation", "dependency-indicator")
    latest = next(i for i in indicators if i["encounter"]["reference"].endswith(f"/{encounter_id}"))
    assert latest["method"]["coding"][0]["code"] == "rules-v1"
    assert latest["valueInteger"] == sum(c.get("valueInteger", 0) for c in latest["component"])
    assert {"reference": f"QuestionnaireResponse/{note['id']}"} in latest["derivedFrom"]
    tags = [c["code"]["text"] for c in latest["component"] if c.get("valueInteger")]
    assert any(t.startswith("withdrawal: marked, +3, from session note of ") for t in tags)
    page = client.get(f"/clients/{client_id}").get_data(as_text=True)
    assert "withdrawal: marked, +3, from session note of" in page
    assert "provisional" in page


def test_notes_need_consent(app, client, make, auth) -> None:
    make.user("clinician", "dr-a")
    client_id = make.client("dr-a")
    auth.login("dr-a")
    encounter_id = make.encounter(client_id, "dr-a")
    assert client.get(f"/sessions/{encounter_id}/note").status_code == 302
    page = client.post(f"/sessions/{encounter_id}/note", data={**CALM_NOTE, "action": "review"})
    assert page.status_code == 400
    assert "only once the client has agreed" in page.get_data(as_text=True)
    assert count_clinical(app) == {}


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"plan": ["plan-panic"]}, "plan", "is not one of the answers"),
        ({"reliance-rating": "11"}, "reliance-rating", "Give a whole number from 0 to 10."),
        ({"reliance-rating": "lots"}, "reliance-rating", "Give a whole number."),
        ({"any-use": "use-no"}, "days-per-week", "skipped because 'Any AI use' is not 'Yes'"),
        ({"themes-other": "x" * 201}, "themes-other", "Keep this under 200 characters."),
        ({"excerpt-review": "excerpt-stored"}, "excerpt-expiry", "This answer is required."),
        (
            {"excerpt-review": "excerpt-stored", "excerpt-expiry": "31/12/2026"},
            "excerpt-expiry",
            "Give a date as YYYY-MM-DD.",
        ),
    ],
    ids=[
        "unknown-code",
        "out-of-range",
        "wrong-type",
        "skipped",
        "oversized",
        "required",
        "bad-date",
    ],
)
def test_bad_note_input_is_shown_at_its_field(
    app, client, followed, change, field, message
) -> None:
    _client_id, encounter_id = followed
    before = count_clinical(app)
    response = client.post(
        f"/sessions/{encounter_id}/note", data={**WORRYING_NOTE, **change, "action": "review"}
    )
    assert response.status_code == 400
    errors = field_errors(response.get_data(as_text=True), field)
    assert any(message in m for m in errors), errors
    assert count_clinical(app) == before


def test_override_needs_band_and_reason_and_keeps_the_computed_indicator(
    app, client, followed
) -> None:
    client_id, encounter_id = followed
    missing = submit_note(client, encounter_id, WORRYING_NOTE, review={"review": "override"})
    assert missing.status_code == 400
    page = missing.get_data(as_text=True)
    assert "Choose the band you judge right." in page and "Give the reason" in page
    assert len(current(app, "QuestionnaireResponse")) == 1  # the note was not stored
    done = submit_note(
        client,
        encounter_id,
        WORRYING_NOTE,
        review={
            "review": "override",
            "band": "band-moderate",
            "reason": "Use is part of a structured plan",
        },
    )
    assert done.status_code == 302
    [review] = current(app, "Observation", "indicator-review")
    assert review["valueCodeableConcept"]["coding"][0]["code"] == "band-moderate"
    assert review["note"][0]["text"] == "Use is part of a structured plan"
    computed = [
        i
        for i in current(app, "Observation", "dependency-indicator")
        if i["id"] == review["focus"][0]["reference"].split("/")[1]
    ]
    assert computed[0]["interpretation"][0]["coding"][0]["code"] == "band-high"
    # The override hides no flag.
    assert {f["code"]["coding"][0]["code"] for f in current(app, "Flag")} >= {"flag-crisis-use"}
    page = client.get(f"/clients/{client_id}").get_data(as_text=True)
    assert "clinician&#39;s band" in page or "clinician's band" in page
    assert "Review now:" in page


def test_flags_show_on_every_client_page_until_acknowledged(app, client, followed, make) -> None:
    client_id, encounter_id = followed
    submit_note(client, encounter_id, WORRYING_NOTE)
    note = note_of(app)
    flags = current(app, "Flag")
    codes = [f["code"]["coding"][0]["code"] for f in flags]
    assert "flag-crisis-use" in codes and "flag-withdrawal-from-people" in codes
    crisis = next(f for f in flags if f["code"]["coding"][0]["code"] == "flag-crisis-use")
    assert {
        "url": "http://hl7.org/fhir/StructureDefinition/flag-detail",
        "valueReference": {"reference": f"QuestionnaireResponse/{note['id']}"},
    } in crisis["extension"]

    pages = [
        f"/clients/{client_id}",
        f"/notes/{note['id']}",
        f"/records/QuestionnaireResponse/{note['id']}/history",
        f"/sessions/{make.encounter(client_id, 'dr-a')}/note",
    ]
    for url in pages:
        text = client.get(url).get_data(as_text=True)
        banner = text[
            text.index('aria-label="Open flags"') : text.index("</div>", text.index("Open flags"))
        ]
        if url == f"/clients/{client_id}":
            # The client page lists its flags once, in the card; the banner points there.
            assert "to review now" in banner and 'href="#flags"' in banner
            banner = text[text.index('id="flags"') : text.index('id="indicator"')]
        # "Review now" flags come first.
        assert banner.index("Review now:") < banner.index("This session:"), url

    ack_url = f"/flags/{crisis['id']}/acknowledge"
    refused = client.post(ack_url, data={"note": "", "owner": "", "base_version": "1"})
    assert refused.status_code == 400
    text = refused.get_data(as_text=True)
    assert "Write what was done or decided." in text and "Name one owner" in text
    with app.app_context():
        owner = session().scalars(select(CareAssignment.clinician_id)).first()
    done = client.post(
        ack_url,
        data={
            "note": "Risk assessment done; safety plan reviewed.",
            "owner": str(owner),
            "base_version": "1",
        },
    )
    assert done.status_code == 302
    [acked] = [f for f in current(app, "Flag") if f["id"] == crisis["id"]]
    assert acked["status"] == "inactive"
    ack = next(e for e in acked["extension"] if e["url"].endswith("flag-acknowledgement"))
    parts = {p["url"]: p for p in ack["extension"]}
    assert parts["note"]["valueString"].startswith("Risk assessment done")
    assert parts["owner"]["valueReference"]["reference"] == f"Practitioner/{owner}"
    page = client.get(f"/clients/{client_id}").get_data(as_text=True)
    banner = page[page.index("<body") : page.index('<main id="main">')]
    open_card = page[page.index('id="flags"') : page.index('id="flag-history"')]
    history = page[page.index('id="flag-history"') : page.index('id="indicator"')]
    assert "AI used during a crisis" not in banner + open_card
    # It stays on the page, in the collapsed history, with its note.
    assert "AI used during a crisis" in history and "Risk assessment done" in history
    assert "2 open flags for this client" in banner  # the two "this session" flags remain

    assert "acknowledge" in audit_ops(app)


def test_flag_raised_by_hand_needs_a_reason(app, client, followed) -> None:
    client_id, _encounter_id = followed
    url = f"/clients/{client_id}/flags/new"
    assert client.post(url, data={"kind": "flag-replace-therapy"}).status_code == 400
    assert client.post(url, data={"kind": "flag-bogus", "reason": "x"}).status_code == 400
    done = client.post(
        url,
        data={"kind": "flag-replace-therapy", "reason": "Says the chatbot is cheaper than therapy"},
    )
    assert done.status_code == 302
    [flag] = current(app, "Flag")
    assert flag["code"]["coding"][0]["code"] == "flag-replace-therapy"


def test_annotations_are_edited_and_deleted_by_their_author_only(
    app, client, followed, make, auth
) -> None:
    client_id, encounter_id = followed
    submit_note(client, encounter_id, CALM_NOTE)
    note = note_of(app)
    panel = next(
        o
        for o in current(app, "Observation", "session-note-panel")
        if o["derivedFrom"][0]["reference"].endswith(note["id"])
    )
    url = f"/records/Observation/{panel['id']}/annotations"
    assert client.post(url, data={"text": ""}).status_code == 302  # refused with a message
    client.post(url, data={"text": "First thought", "shared": "true"})
    [annotated] = [o for o in current(app, "Observation") if o["id"] == panel["id"]]
    [annotation] = annotated["note"]
    assert annotation["text"] == "First thought"

    # A second clinician of record may annotate but not change the first one's annotation.
    make.user("clinician", "dr-b")
    with app.app_context():
        from intake_ai.models import User
        from intake_ai.store.database import transaction

        with transaction():
            other = session().scalars(select(User).where(User.username == "dr-b")).one()
            session().add(CareAssignment(clinician_id=other.id, client_id=client_id))
    auth.logout()
    auth.login("dr-b")
    change_url = f"{url}/{annotation['id']}"
    assert client.post(change_url, data={"text": "Overwritten"}).status_code == 403
    assert client.post(change_url, data={"action": "delete"}).status_code == 403
    auth.logout()
    auth.login("dr-a")
    client.post(change_url, data={"text": "Second thought"})
    [edited] = [o for o in current(app, "Observation") if o["id"] == panel["id"]]
    assert edited["note"][0]["text"] == "Second thought"
    client.post(change_url, data={"action": "delete"})
    [deleted] = [o for o in current(app, "Observation") if o["id"] == panel["id"]]
    assert "note" not in deleted
    assert deleted["meta"]["versionId"] == "4"  # add, edit, delete: each a version
    assert audit_ops(app).count("annotate") == 3


def test_supervisor_sees_shared_annotations_only(app, client, followed, auth) -> None:
    client_id, encounter_id = followed
    submit_note(client, encounter_id, WORRYING_NOTE, annotation="Private working note")
    panel = next(o for o in current(app, "Observation", "session-note-panel") if "note" in o)
    client.post(
        f"/records/Observation/{panel['id']}/annotations",
        data={"text": "Please discuss in supervision", "shared": "true"},
    )
    auth.logout()
    auth.login("sup")
    page = client.get(f"/clients/{client_id}").get_data(as_text=True)
    assert "Please discuss in supervision" in page
    assert "Private working note" not in page
    note = note_of(app)
    note_page = client.get(f"/notes/{note['id']}").get_data(as_text=True)
    assert "Loneliness at night" not in note_page  # free-text answer
    assert "Marked" in note_page  # structured answers are visible


def test_edit_keeps_history_and_rescores(app, client, followed) -> None:
    _client_id, encounter_id = followed
    submit_note(client, encounter_id, CALM_NOTE)
    note = note_of(app)
    changed = {**CALM_NOTE, "distress-unavailable": "distress-marked"}
    from tests.intake_helpers import review_answers

    review = client.post(
        f"/notes/{note['id']}/edit", data={**changed, "action": "review", "base_version": "1"}
    )
    saved = client.post(
        f"/notes/{note['id']}/edit",
        data={
            "answers": review_answers(review.get_data(as_text=True)),
            "action": "save",
            "base_version": "1",
            "change_reason": "Client described more distress on reflection",
        },
    )
    assert saved.status_code == 302
    edited = note_of(app)
    assert (edited["status"], edited["meta"]["versionId"]) == ("amended", "2")
    history = client.get(f"/records/QuestionnaireResponse/{note['id']}/history")
    assert "Open version 1" in history.get_data(as_text=True)
    indicator = next(
        i
        for i in current(app, "Observation", "dependency-indicator")
        if i["encounter"]["reference"].endswith(f"/{encounter_id}")
    )
    assert indicator["status"] == "amended"
    assert any("withdrawal: marked, +3" in c["code"]["text"] for c in indicator["component"])


def test_entered_in_error_keeps_the_note_and_takes_it_out_of_the_indicator(
    app, client, followed
) -> None:
    client_id, encounter_id = followed
    submit_note(client, encounter_id, WORRYING_NOTE)
    note = note_of(app)
    url = f"/records/QuestionnaireResponse/{note['id']}/entered-in-error"
    assert client.post(url, data={"reason": ""}).status_code == 400
    assert client.post(url, data={"reason": "Recorded in the wrong session"}).status_code == 302
    marked = note_of(app)
    assert marked["status"] == "entered-in-error"
    derived = [
        o
        for o in current(app, "Observation")
        if o.get("derivedFrom") == [{"reference": f"QuestionnaireResponse/{note['id']}"}]
    ]
    assert derived and all(o["status"] == "entered-in-error" for o in derived)
    indicators = current(app, "Observation", "dependency-indicator")
    live = [i for i in indicators if i["status"] != "entered-in-error"]
    assert len(live) == 1  # only the intake's indicator still counts
    page = client.get(f"/clients/{client_id}").get_data(as_text=True)
    assert "Marked entered in error" in page
    assert client.get(f"/notes/{note['id']}").status_code == 200  # kept and readable
    assert "entered-in-error" in audit_ops(app)


def test_purge_removes_every_version_and_leaves_only_audit(
    app, client, followed, make, auth
) -> None:
    _client_id, encounter_id = followed
    submit_note(client, encounter_id, WORRYING_NOTE)
    note = note_of(app)
    auth.logout()
    auth.login("sup")
    assert (
        client.post(
            f"/records/QuestionnaireResponse/{note['id']}/purge", data={"reason": "client-request"}
        ).status_code
        == 403
    )
    auth.logout()
    make.user("admin", "root")
    auth.login("root")
    assert client.get(f"/notes/{note['id']}").status_code == 404  # admin sees no content
    page = client.get(
        f"/admin/purge?type=QuestionnaireResponse&id={note['id']}", follow_redirects=True
    )
    assert "Remove a record for good" in page.get_data(as_text=True)
    done = client.post(
        f"/records/QuestionnaireResponse/{note['id']}/purge", data={"reason": "client-request"}
    )
    assert done.status_code == 302
    with app.app_context():
        left = (
            session()
            .scalars(select(StoredResource).where(StoredResource.resource_id == note["id"]))
            .all()
        )
        assert [(r.deleted, r.content) for r in left] == [(True, None)]
        derived = (
            session()
            .scalars(
                select(StoredResource).where(
                    StoredResource.derived_from == f"QuestionnaireResponse/{note['id']}"
                )
            )
            .all()
        )
        assert derived == []
        purges = (
            session().scalars(select(AuditRecord).where(AuditRecord.operation == "purge")).all()
        )
        assert purges and all(p.detail == "client-request" for p in purges)
    # Gone, to whoever could have read it; to the admin (who could not) it is simply unknown.
    assert client.get(f"/notes/{note['id']}").status_code == 404
    auth.logout()
    auth.login("dr-a")
    assert client.get(f"/notes/{note['id']}").status_code == 410


def test_only_the_clinician_of_record_records_or_changes_notes(
    app, client, followed, make, auth
) -> None:
    client_id, encounter_id = followed
    submit_note(client, encounter_id, CALM_NOTE)
    note = note_of(app)
    make.user("clinician", "dr-b")
    auth.logout()
    auth.login("dr-b")
    # Another clinician's client reads as not there at all (404, as an unknown id would).
    assert client.get(f"/sessions/{encounter_id}/note").status_code == 404
    assert (
        client.post(
            f"/sessions/{encounter_id}/note", data={**CALM_NOTE, "action": "review"}
        ).status_code
        == 404
    )
    assert client.get(f"/notes/{note['id']}").status_code == 404
    assert client.get(f"/notes/{note['id']}/edit").status_code == 404
    url = f"/records/QuestionnaireResponse/{note['id']}/entered-in-error"
    assert client.post(url, data={"reason": "x"}).status_code == 404
    assert (
        client.post(
            f"/records/QuestionnaireResponse/{note['id']}/purge", data={"reason": "duplicate"}
        ).status_code
        == 404
    )
    assert client.get(f"/clients/{client_id}/flags/new").status_code == 404
    assert note_of(app)["status"] == "completed"

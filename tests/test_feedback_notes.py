"""Supervisors' feedback notes: written by the clinician's supervisor, read by them and the
clinician of record only, audited on write and read, never in the client's FHIR record."""

from __future__ import annotations

import re

from sqlalchemy import select

from intake_ai.models import AuditRecord
from intake_ai.store.database import session
from tests.conftest import AuthActions, bearer

FEEDBACK = "Worth exploring the late-night use with the client next time."


def _audit(app, client_id: int) -> list[tuple[str, str | None, str | None]]:  # type: ignore[no-untyped-def]
    with app.app_context():
        return [
            (r.operation, r.entity, r.detail)
            for r in session().scalars(
                select(AuditRecord)
                .where(AuditRecord.client_id == client_id)
                .order_by(AuditRecord.id)
            )
        ]


def test_feedback_round_trip_and_who_may_read_it(app, make) -> None:
    make.user("supervisor", "sup")
    make.user("supervisor", "other-sup")
    make.user("clinician", "dr-a", supervisor="sup")
    make.user("clinician", "dr-b", supervisor="other-sup")
    make.user("admin", "adm")
    client_id = make.client("dr-a")
    sup, dr_a, other, dr_b = (app.test_client() for _ in range(4))
    AuthActions(sup).login("sup")
    AuthActions(dr_a).login("dr-a")
    AuthActions(other).login("other-sup")
    AuthActions(dr_b).login("dr-b")

    empty = sup.post(f"/clients/{client_id}/feedback", data={"feedback": "  "})
    assert empty.status_code == 302
    assert "Write the feedback for the clinician." in sup.get(empty.headers["Location"]).get_data(
        as_text=True
    )
    saved = sup.post(f"/clients/{client_id}/feedback", data={"feedback": FEEDBACK})
    assert saved.status_code == 302 and saved.headers["Location"].endswith("#feedback")
    # The clinician cannot write one; other people's supervisors and clinicians see nothing.
    assert dr_a.post(f"/clients/{client_id}/feedback", data={"feedback": "x"}).status_code == 403
    assert other.post(f"/clients/{client_id}/feedback", data={"feedback": "x"}).status_code == 404
    assert dr_b.get(f"/clients/{client_id}").status_code == 404

    clinician_page = dr_a.get(f"/clients/{client_id}").get_data(as_text=True)
    card = clinician_page[
        clinician_page.index('id="feedback"') : clinician_page.index('id="indicator"')
    ]
    assert FEEDBACK in card and "Sup," in card and "<textarea" not in card
    supervisor_page = sup.get(f"/clients/{client_id}").get_data(as_text=True)
    assert FEEDBACK in supervisor_page and 'name="feedback"' in supervisor_page

    entries = _audit(app, client_id)
    written = [e for e in entries if e[0] == "create" and (e[1] or "").startswith("feedback note")]
    assert len(written) == 1
    reads = [e for e in entries if e[0] == "view" and "feedback notes read" in (e[2] or "")]
    assert len(reads) >= 2  # the clinician's and the supervisor's page views


def test_feedback_is_never_part_of_the_fhir_record(app, make) -> None:
    make.user("supervisor", "sup")
    make.user("clinician", "dr-a", supervisor="sup")
    client_id = make.client("dr-a")
    sup = app.test_client()
    AuthActions(sup).login("sup")
    assert (
        sup.post(f"/clients/{client_id}/feedback", data={"feedback": FEEDBACK}).status_code == 302
    )
    token = make.token("dr-a", "system/*.read")
    api = app.test_client()
    for url in (
        f"/fhir/Patient/{client_id}/$everything",
        f"/fhir/Patient/{client_id}",
        "/fhir/Observation",
        "/fhir/Flag",
        "/fhir/AuditEvent",
    ):
        body = api.get(url, headers=bearer(token)).get_data(as_text=True)
        assert FEEDBACK not in body, url


def test_supervisor_lists_use_pseudonyms_until_a_client_is_opened(app, make) -> None:
    make.user("supervisor", "sup")
    make.user("clinician", "dr-a", supervisor="sup")
    client_id = make.client("dr-a")
    sup = app.test_client()
    AuthActions(sup).login("sup")
    with app.app_context():
        from intake_ai.models import Client

        client = session().get(Client, client_id)
        assert client is not None
        name, pseudonym = client.display_name, client.pseudonym
    dashboard = sup.get("/supervision").get_data(as_text=True)
    main = dashboard[dashboard.index('<main id="main">') :]
    assert pseudonym in main and name not in main
    opened = sup.get(f"/clients/{client_id}").get_data(as_text=True)
    assert re.search(rf"<h1>{re.escape(name)}</h1>", opened) and pseudonym in opened

"""Nothing about a client who did not agree reaches an integrator: not in the audit trail,
not in error messages (unknown and "not yours" answer alike), not as 410 for purged records
(410 only to a caller who could have read the record; 404 to everyone else)."""

from __future__ import annotations

import json

from sqlalchemy import select

from intake_ai.models import AuditRecord, ConsentState
from intake_ai.store.database import session
from tests.conftest import AuthActions, bearer
from tests.test_access import set_consent
from tests.test_fhir_consent import FHIR, user_id
from tests.test_fhir_write import note_response


def audit_ids_about(app, client_id: int) -> list[int]:  # type: ignore[no-untyped-def]
    with app.app_context():
        return list(
            session().scalars(select(AuditRecord.id).where(AuditRecord.client_id == client_id))
        )


def test_the_audit_trail_tells_an_integrator_nothing_about_non_consenting_clients(
    app, client, make, world
) -> None:
    auditor = bearer(make.token("ehr", "system/AuditEvent.read"))
    hidden = audit_ids_about(app, world.undecided)
    assert hidden, "the clinic has audit entries about the undecided client"
    about = client.get(f"/fhir/AuditEvent?patient={world.undecided}", headers=auditor).json
    assert about["total"] == 0 and "entry" not in about
    everything = client.get("/fhir/AuditEvent?_count=500", headers=auditor)
    assert f"Patient/{world.undecided}" not in everything.get_data(as_text=True)
    unknown = client.get("/fhir/AuditEvent/99999999", headers=auditor)
    for ident in hidden[:3]:
        read = client.get(f"/fhir/AuditEvent/{ident}", headers=auditor)
        assert read.status_code == unknown.status_code == 404
        assert read.json["issue"][0]["diagnostics"].replace(str(ident), "ID") == unknown.json[
            "issue"
        ][0]["diagnostics"].replace("99999999", "ID")
    # Entries about a client who agreed stay readable, with what they say.
    agreed = client.get(f"/fhir/AuditEvent?patient={world.agreed}", headers=auditor).json
    assert agreed["total"] > 0
    first = audit_ids_about(app, world.agreed)[0]
    assert client.get(f"/fhir/AuditEvent/{first}", headers=auditor).status_code == 200


def _outcome(response) -> tuple[int, list[str]]:  # type: ignore[no-untyped-def]
    assert response.json["resourceType"] == "OperationOutcome", response.json
    return response.status_code, [i["diagnostics"] for i in response.json["issue"]]


def test_writes_answer_alike_for_unknown_and_hidden_sessions_and_clients(
    app, client, make, world
) -> None:
    """An integrator (or another clinician) probing which patients, sessions and care
    assignments exist gets one answer, whatever it tries."""
    writer = bearer(make.token("ehr", "system/*.read", "system/QuestionnaireResponse.write"))
    dr_a, dr_b = user_id(app, "dr-a"), user_id(app, "dr-b")

    def posted(headers, subject: int, encounter: int, author: int):  # type: ignore[no-untyped-def]
        note = note_response(world, author)
        note["subject"] = {"reference": f"Patient/{subject}"}
        note["encounter"] = {"reference": f"Encounter/{encounter}"}
        return _outcome(
            client.post(
                "/fhir/QuestionnaireResponse", data=json.dumps(note), headers={**headers, **FHIR}
            )
        )

    undecided, visit = world.undecided, world.encounters["undecided"]
    nothing = posted(writer, 99999, 99999, dr_a)
    assert nothing[0] == 400
    probes = {
        "a hidden client's own session, by its clinician": posted(writer, undecided, visit, dr_a),
        "a hidden client, another clinician": posted(writer, undecided, visit, dr_b),
        "a hidden client, someone else's session": posted(
            writer, undecided, world.encounters["agreed"], dr_a
        ),
        "a hidden client's session, under an unknown patient": posted(writer, 99999, visit, dr_a),
        "another clinician's client, by a clinician's token": posted(
            world.clinician, world.other, world.encounters["other"], dr_a
        ),
    }
    for name, answer in probes.items():
        assert answer == nothing, name


def test_updates_of_hidden_records_are_not_found_like_unknown_ones(
    app, client, make, world
) -> None:
    writer = bearer(make.token("ehr", "system/*.read", "system/*.write"))
    visible = client.get(
        f"/fhir/QuestionnaireResponse?patient={world.second}", headers=writer
    ).json["entry"][0]["resource"]
    panel = client.get(f"/fhir/Observation?patient={world.second}&_count=1", headers=writer).json[
        "entry"
    ][0]["resource"]
    # The client withdraws: from now on the integrator must not learn their records exist.
    set_consent(app, world.second, ConsentState.REJECTED)
    body = {k: v for k, v in visible.items() if k != "meta"}
    hidden = client.put(
        f"/fhir/QuestionnaireResponse/{visible['id']}",
        data=json.dumps(body),
        headers={**writer, **FHIR, "If-Match": 'W/"1"'},
    )
    unknown = client.put(
        "/fhir/QuestionnaireResponse/no-such-response",
        data=json.dumps({**body, "id": "no-such-response"}),
        headers={**writer, **FHIR, "If-Match": 'W/"1"'},
    )
    assert hidden.status_code == unknown.status_code == 404
    assert _outcome(hidden)[1] == [
        d.replace("no-such-response", visible["id"]) for d in _outcome(unknown)[1]
    ]
    hidden_observation = client.put(
        f"/fhir/Observation/{panel['id']}",
        data=json.dumps({k: v for k, v in panel.items() if k != "meta"}),
        headers={**writer, **FHIR},
    )
    unknown_observation = client.put(
        "/fhir/Observation/no-such-observation",
        data=json.dumps({**panel, "id": "no-such-observation"}),
        headers={**writer, **FHIR},
    )
    assert hidden_observation.status_code == unknown_observation.status_code == 404
    # Another clinician's token, on a record of a client who agreed: not found either.
    theirs = client.get(
        f"/fhir/QuestionnaireResponse?patient={world.other}", headers=world.integrator
    ).json["entry"][0]["resource"]
    other_body = {k: v for k, v in theirs.items() if k != "meta"}
    by_dr_a = client.put(
        f"/fhir/QuestionnaireResponse/{theirs['id']}",
        data=json.dumps(other_body),
        headers={**world.clinician, **FHIR},
    )
    assert by_dr_a.status_code == 404


def test_a_clinicians_note_before_consent_is_refused_not_a_server_error(app, client, world) -> None:
    note = note_response(world, user_id(app, "dr-a"))
    note["subject"] = {"reference": f"Patient/{world.undecided}"}
    note["encounter"] = {"reference": f"Encounter/{world.encounters['undecided']}"}
    response = client.post(
        "/fhir/QuestionnaireResponse", data=json.dumps(note), headers={**world.clinician, **FHIR}
    )
    assert response.status_code == 403
    assert "agreed to the record" in _outcome(response)[1][0]


def test_a_purged_record_is_gone_only_to_whoever_could_have_read_it(
    app, client, make, world
) -> None:
    flag = client.get(
        f"/fhir/Flag?patient={world.agreed}&status=active", headers=world.clinician
    ).json["entry"][0]["resource"]
    web = app.test_client()
    AuthActions(web).login("dr-a")
    removed = web.post(f"/records/Flag/{flag['id']}/purge", data={"reason": "duplicate"})
    assert removed.status_code == 302
    path = f"/fhir/Flag/{flag['id']}"
    dr_b = bearer(make.token("dr-b", "system/*.read"))
    assert client.get(path, headers=world.clinician).status_code == 410
    assert client.get(path, headers=world.integrator).status_code == 410
    assert client.get(f"{path}/_history", headers=world.integrator).status_code == 200
    unknown = client.get("/fhir/Flag/no-such-flag", headers=dr_b)
    gone = client.get(path, headers=dr_b)
    assert gone.status_code == unknown.status_code == 404
    assert _outcome(gone)[1] == [
        d.replace("no-such-flag", flag["id"]) for d in _outcome(unknown)[1]
    ]
    assert client.get(f"{path}/_history", headers=dr_b).status_code == 404
    assert client.get(f"{path}/_history/1", headers=dr_b).status_code == 404
    # Once the client withdraws, the integrator hears nothing of it either.
    set_consent(app, world.agreed, ConsentState.REJECTED)
    assert client.get(path, headers=world.integrator).status_code == 404
    assert client.get(f"{path}/_history", headers=world.integrator).status_code == 404
    # The pages say the same: removed to the clinician of record, unknown to anyone else.
    assert web.get(f"/flags/{flag['id']}/acknowledge").status_code == 410
    other = app.test_client()
    AuthActions(other).login("dr-b")
    assert other.get(f"/flags/{flag['id']}/acknowledge").status_code == 404

"""EHR-driven writes with an attacker's eye: Patient and Encounter writes never make a
client visible nor decide consent; bad input names the element; the clinician of record
follows Patient.generalPractitioner; posted responses keep ``authored``; "discuss first"
answers with an OperationOutcome saying where the decision went; retries add nothing."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from fhir_mappings.codes import LOCAL_SYSTEM
from fhir_mappings.datetimes import fhir_datetime
from intake_ai.models import AuditRecord, CareAssignment, Client, ConsentState, StoredResource
from intake_ai.store.database import session
from tests.conftest import bearer
from tests.test_fhir_consent import DISCUSS, intake_resource, user_id
from tests.test_fhir_write import note_response

FHIR = {"Content-Type": "application/fhir+json"}
WRITES = ("system/Patient.cu", "system/Encounter.cu", "system/*.rs")


@pytest.fixture
def ehr(make, world) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return bearer(make.token("ehr", *WRITES))


def patient(app, value: str, *clinicians: int) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    return {
        "resourceType": "Patient",
        "identifier": [
            {"system": app.config["INTAKE_AI_PATIENT_IDENTIFIER_SYSTEM"], "value": value}
        ],
        "generalPractitioner": [{"reference": f"Practitioner/{c}"} for c in clinicians],
    }


def encounter(client_id: int, clinician: int, start: datetime) -> dict[str, Any]:
    return {
        "resourceType": "Encounter",
        "status": "finished",
        "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "AMB"},
        "type": [{"coding": [{"system": LOCAL_SYSTEM, "code": "encounter-session"}]}],
        "subject": {"reference": f"Patient/{client_id}"},
        "participant": [{"individual": {"reference": f"Practitioner/{clinician}"}}],
        "period": {"start": fhir_datetime(start)},
    }


def send(client, method: str, url: str, headers, body, extra=None):  # type: ignore[no-untyped-def]
    return client.open(
        url, method=method, data=json.dumps(body), headers={**headers, **FHIR, **(extra or {})}
    )


def created_id(response) -> str:  # type: ignore[no-untyped-def]
    return response.headers["Location"].split("/fhir/")[1].split("/")[1]


def test_a_created_patient_stays_unserved_until_the_client_agrees(app, client, world, ehr) -> None:
    dr_a = user_id(app, "dr-a")
    made = send(client, "POST", "/fhir/Patient", ehr, patient(app, "NEW-1", dr_a))
    assert made.status_code == 201
    assert made.json["resourceType"] == "OperationOutcome"
    new_id = created_id(made)
    # An existing client who did not agree answers the same way to the same kind of write.
    with app.app_context():
        hidden = session().get(Client, world.undecided)
        assert hidden is not None and hidden.consent_state is ConsentState.PROPOSED
        hidden_identifier = hidden.ehr_patient_id
    again = send(
        client,
        "PUT",
        f"/fhir/Patient?identifier={hidden_identifier}",
        ehr,
        patient(app, hidden_identifier, dr_a),
    )
    assert again.status_code == 200 and again.json["resourceType"] == "OperationOutcome"
    for pid in (new_id, str(world.undecided)):
        assert client.get(f"/fhir/Patient/{pid}", headers=ehr).status_code == 404
        assert client.get(f"/fhir/Patient/{pid}/_history", headers=ehr).status_code == 404
        found = client.get(f"/fhir/Patient?_id={pid}", headers=ehr).json
        assert found["total"] == 0
    assert client.get("/fhir/Patient?identifier=NEW-1", headers=ehr).json["total"] == 0
    # Its Encounter is stored and not served either.
    visit = send(
        client,
        "POST",
        "/fhir/Encounter",
        ehr,
        encounter(int(new_id), dr_a, datetime.now(UTC)),
    )
    assert visit.status_code == 201 and visit.json["resourceType"] == "OperationOutcome"
    assert client.get(f"/fhir/Encounter/{created_id(visit)}", headers=ehr).status_code == 404
    # Nothing about consent was decided by these writes.
    with app.app_context():
        assert session().get(Client, int(new_id)).consent_state is ConsentState.NONE  # type: ignore[union-attr]
        assert session().get(Client, world.undecided).consent_state is ConsentState.PROPOSED  # type: ignore[union-attr]


def test_the_clinicians_own_token_sees_the_patient_it_wrote_once_consent_exists(
    app, client, world, make
) -> None:
    dr_a = user_id(app, "dr-a")
    own = bearer(make.token("dr-a", *WRITES))
    made = send(client, "POST", "/fhir/Patient", own, patient(app, "NEW-2", dr_a))
    assert made.status_code == 201 and made.json["resourceType"] == "OperationOutcome"
    # A clinician's token cannot register a client into someone else's care only.
    dr_b = user_id(app, "dr-b")
    other = send(client, "POST", "/fhir/Patient", own, patient(app, "NEW-3", dr_b))
    assert other.status_code == 403
    # The agreeing client's Patient is served to the writer: the write answers with it.
    with app.app_context():
        agreed = session().get(Client, world.agreed)
        assert agreed is not None
        identifier = agreed.ehr_patient_id
    # Nor take over another clinician's client by naming itself on their Patient.
    with app.app_context():
        theirs = session().get(Client, world.other)
        assert theirs is not None
        their_identifier = theirs.ehr_patient_id
    takeover = send(
        client,
        "PUT",
        f"/fhir/Patient?identifier={their_identifier}",
        own,
        patient(app, their_identifier, dr_a),
    )
    assert takeover.status_code == 403
    with app.app_context():
        assigned = session().scalars(
            select(CareAssignment.clinician_id).where(CareAssignment.client_id == world.other)
        )
        assert list(assigned) == [dr_b]
    shown = send(
        client, "PUT", f"/fhir/Patient?identifier={identifier}", own, patient(app, identifier, dr_a)
    )
    assert shown.status_code == 200 and shown.json["resourceType"] == "Patient"
    assert shown.json["generalPractitioner"] == [{"reference": f"Practitioner/{dr_a}"}]


def test_general_practitioner_sets_the_clinicians_of_record(app, client, world, ehr) -> None:
    dr_b = user_id(app, "dr-b")
    with app.app_context():
        identifier = session().get(Client, world.agreed).ehr_patient_id  # type: ignore[union-attr]
    dr_a_token = world.clinician
    before = client.get(f"/fhir/Patient/{world.agreed}", headers=dr_a_token)
    assert before.status_code == 200
    moved = send(
        client,
        "PUT",
        f"/fhir/Patient?identifier={app.config['INTAKE_AI_PATIENT_IDENTIFIER_SYSTEM']}|{identifier}",
        ehr,
        patient(app, identifier, dr_b),
    )
    assert moved.status_code == 200
    assert moved.json["generalPractitioner"] == [{"reference": f"Practitioner/{dr_b}"}]
    with app.app_context():
        assigned = session().scalars(
            select(CareAssignment.clinician_id).where(CareAssignment.client_id == world.agreed)
        )
        assert list(assigned) == [dr_b]
        trail = (
            session()
            .scalars(select(AuditRecord.entity).where(AuditRecord.operation == "update"))
            .all()
        )
        assert f"Patient/{world.agreed}" in trail
    # dr-a no longer treats the client: their token no longer reads the records.
    assert client.get(f"/fhir/Patient/{world.agreed}", headers=dr_a_token).status_code == 404


@pytest.mark.parametrize(
    ("change", "path"),
    [
        (lambda p: p.pop("identifier"), "Patient.identifier"),
        (lambda p: p["identifier"][0].update(system="urn:other"), "Patient.identifier"),
        (lambda p: p.pop("generalPractitioner"), "Patient.generalPractitioner"),
        (
            lambda p: p.update(generalPractitioner=[{"reference": "Organization/1"}]),
            "Patient.generalPractitioner[0]",
        ),
        (
            lambda p: p.update(generalPractitioner=[{"reference": "Practitioner/999999"}]),
            "Patient.generalPractitioner[0]",
        ),
        (lambda p: p.update(birthDate="yesterday"), "Patient.birthDate"),
    ],
)
def test_bad_patients_name_the_element(app, client, world, ehr, change, path: str) -> None:
    body = patient(app, "BAD-1", user_id(app, "dr-a"))
    change(body)
    answer = send(client, "POST", "/fhir/Patient", ehr, body)
    assert answer.status_code == 400, answer.json
    assert answer.json["resourceType"] == "OperationOutcome"
    assert path in answer.json["issue"][0]["expression"][0]
    with app.app_context():
        assert (
            session().scalars(select(Client).where(Client.ehr_patient_id == "BAD-1")).first()
            is None
        )


def test_patient_writes_need_write_scopes_and_known_identifiers(app, client, world) -> None:
    dr_a = user_id(app, "dr-a")
    body = patient(app, "NEW-4", dr_a)
    assert send(client, "POST", "/fhir/Patient", world.integrator, body).status_code == 403
    writer = bearer_for(app, "ehr")
    assert send(client, "POST", "/fhir/Patient", writer, body).status_code == 201
    duplicate = send(client, "POST", "/fhir/Patient", writer, body)
    assert duplicate.status_code == 409
    kept = send(
        client, "POST", "/fhir/Patient", writer, body, {"If-None-Exist": "identifier=NEW-4"}
    )
    assert kept.status_code == 200
    mismatch = send(client, "PUT", "/fhir/Patient?identifier=NEW-5", writer, body)
    assert mismatch.status_code == 400
    assert mismatch.json["issue"][0]["expression"] == ["Patient.identifier"]


def bearer_for(app, username: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    from intake_ai import directory
    from intake_ai.auth.tokens import issue_token
    from intake_ai.store.database import transaction

    with app.app_context(), transaction():
        _row, secret = issue_token(directory.find_user(username), "test", list(WRITES))
    return bearer(secret)


def test_encounters_name_a_clinician_of_record_and_freeze_once_answered(
    app, client, world, ehr
) -> None:
    dr_a, dr_b = user_id(app, "dr-a"), user_id(app, "dr-b")
    start = datetime.now(UTC).replace(microsecond=0)
    stranger = send(client, "POST", "/fhir/Encounter", ehr, encounter(world.agreed, dr_b, start))
    assert stranger.status_code == 400
    assert stranger.json["issue"][0]["expression"] == ["Encounter.participant"]
    unknown = send(client, "POST", "/fhir/Encounter", ehr, encounter(999999, dr_a, start))
    assert unknown.status_code == 400
    assert unknown.json["issue"][0]["expression"] == ["Encounter.subject"]
    made = send(client, "POST", "/fhir/Encounter", ehr, encounter(world.agreed, dr_a, start))
    assert made.status_code == 201 and made.json["resourceType"] == "Encounter"
    visit_id = made.json["id"]
    moved = {**made.json, "period": {"start": fhir_datetime(start - timedelta(hours=1))}}
    moved.pop("meta")
    update = send(client, "PUT", f"/fhir/Encounter/{visit_id}", ehr, moved)
    assert update.status_code == 200 and update.json["period"] == moved["period"]
    assert update.headers["ETag"] == 'W/"2"'
    # Once answers are recorded for the session, its start no longer moves.
    note = note_response(world, dr_a)
    note["encounter"] = {"reference": f"Encounter/{visit_id}"}
    posted = send(client, "POST", "/fhir/QuestionnaireResponse", world.clinician, note)
    assert posted.status_code == 201, posted.json
    moved["period"] = {"start": fhir_datetime(start)}
    frozen = send(client, "PUT", f"/fhir/Encounter/{visit_id}", ehr, moved)
    assert frozen.status_code == 409


def _count(app, kind: str, client_id: int) -> int:  # type: ignore[no-untyped-def]
    with app.app_context():
        return (
            session().scalar(
                select(func.count())
                .select_from(StoredResource)
                .where(StoredResource.resource_type == kind, StoredResource.client_id == client_id)
            )
            or 0
        )


def test_discuss_first_answers_where_the_consent_decision_went(app, client, world, make) -> None:
    dr_a = user_id(app, "dr-a")
    newcomer = make.client("dr-a", ehr_id="EHR-NEWCOMER")
    visit = make.encounter(newcomer, "dr-a")
    body = intake_resource(newcomer, visit, dr_a, DISCUSS)
    first = send(client, "POST", "/fhir/QuestionnaireResponse", world.clinician, body)
    assert first.status_code == 200
    assert first.json["resourceType"] == "OperationOutcome"
    issue = first.json["issue"][0]
    assert issue["severity"] == "information"
    assert "Consent/" in issue["diagnostics"] and "proposed" in issue["diagnostics"]
    versions = _count(app, "Consent", newcomer)
    second = send(client, "POST", "/fhir/QuestionnaireResponse", world.clinician, body)
    assert second.status_code == 200 and second.json == first.json
    assert _count(app, "Consent", newcomer) == versions == 1
    assert _count(app, "QuestionnaireResponse", newcomer) == 0


def test_authored_is_kept_as_sent_and_checked(app, client, world) -> None:
    dr_a = user_id(app, "dr-a")
    base = note_response(world, dr_a)
    # The open session of the world starts 2026-09-22 10:00 UTC.
    for authored, fragment in (
        ("2026-09-21T10:00:00Z", "must fall on the day"),
        (fhir_datetime(datetime.now(UTC) + timedelta(days=1)), "in the future"),
        ("2026-09", "at least the day"),
    ):
        refused = send(
            client,
            "POST",
            "/fhir/QuestionnaireResponse",
            world.clinician,
            {**base, "authored": authored},
        )
        assert refused.status_code == 400, authored
        assert refused.json["issue"][0]["expression"] == ["QuestionnaireResponse.authored"]
        assert fragment in refused.json["issue"][0]["diagnostics"]
    sent = {**base, "authored": "2026-09-22T11:30:00+02:00", "language": "en"}
    stored = send(client, "POST", "/fhir/QuestionnaireResponse", world.clinician, sent)
    assert stored.status_code == 201
    kept = {k: v for k, v in stored.json.items() if k not in ("id", "meta")}
    assert kept == sent  # only the server's id and meta were added


def test_update_by_id_writes_a_readable_patient_and_knows_no_hidden_one(
    app, client, world, ehr
) -> None:
    dr_a, dr_b = user_id(app, "dr-a"), user_id(app, "dr-b")
    with app.app_context():
        identifier = session().get(Client, world.agreed).ehr_patient_id  # type: ignore[union-attr]
        hidden = session().get(Client, world.undecided).ehr_patient_id  # type: ignore[union-attr]
    url = f"/fhir/Patient/{world.agreed}"
    moved = send(client, "PUT", url, ehr, patient(app, identifier, dr_a, dr_b))
    assert moved.status_code == 200 and moved.json["resourceType"] == "Patient"
    assert {g["reference"] for g in moved.json["generalPractitioner"]} == {
        f"Practitioner/{dr_a}",
        f"Practitioner/{dr_b}",
    }
    # The identifier names the patient: a PUT by id may not change it.
    renamed = send(client, "PUT", url, ehr, patient(app, identifier + "-X", dr_a))
    assert renamed.status_code == 400
    assert renamed.json["issue"][0]["expression"] == ["Patient.identifier"]
    # A client who did not agree is not known by id, as for a read; nor is an unknown id.
    with app.app_context():
        before = set(
            session().scalars(
                select(CareAssignment.clinician_id).where(
                    CareAssignment.client_id == world.undecided
                )
            )
        )
    for pid, value in ((world.undecided, hidden), (987654, "NOBODY")):
        refused = send(client, "PUT", f"/fhir/Patient/{pid}", ehr, patient(app, value, dr_a))
        assert refused.status_code == 404, refused.json
    with app.app_context():
        after = set(
            session().scalars(
                select(CareAssignment.clinician_id).where(
                    CareAssignment.client_id == world.undecided
                )
            )
        )
    assert after == before

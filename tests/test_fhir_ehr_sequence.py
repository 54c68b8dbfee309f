"""An EHR drives the module through the API alone, with SMART's own Python client
(fhirclient) on a live server: patient -> encounter -> (the clinician records the intake
and consent with the client) -> encounter -> session note, by the README's sequence."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from werkzeug.serving import make_server

from fhir_mappings.codes import LOCAL_SYSTEM
from fhir_mappings.datetimes import fhir_datetime
from fhir_mappings.definitions.session_note import SESSION_NOTE
from fhir_mappings.questionnaire import questionnaire_canonical
from intake_ai.models import StoredResource, User
from intake_ai.store.database import session
from tests.conftest import AuthActions
from tests.intake_helpers import FULL_INTAKE, submit_intake
from tests.smart_helpers import BackendClient, register

SCOPES = "system/Patient.cu system/Encounter.cu system/QuestionnaireResponse.cu system/*.rs"


@pytest.fixture
def live_url(app) -> Iterator[str]:  # type: ignore[no-untyped-def]
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)


def _smart(app, live_url: str):  # type: ignore[no-untyped-def]
    from fhirclient import client as smart_client

    backend = BackendClient("ehr-app", "ES384")
    register(app, backend, "ehr", SCOPES)
    smart = smart_client.FHIRClient(
        settings={
            "app_id": backend.client_id,
            "api_base": f"{live_url}/fhir/",
            "scope": SCOPES,
            "jwt_token": backend.assertion(f"{live_url}/fhir/auth/token"),
        },
        save_func=lambda state: None,
    )
    smart.wants_patient = False
    smart.prepare()
    smart.authorize()
    assert smart.ready
    return smart


def _user_id(app, username: str) -> int:  # type: ignore[no-untyped-def]
    with app.app_context():
        return session().scalars(select(User.id).where(User.username == username)).one()


def _encounter(patient_id: str, clinician: int, start: datetime, kind: str) -> dict:
    from fhirclient.models.encounter import Encounter

    encounter = Encounter(
        {
            "status": "finished",
            "class": {
                "system": "http://terminology.hl7.org/CodeSystem/v3-ActCode",
                "code": "AMB",
            },
            "type": [{"coding": [{"system": LOCAL_SYSTEM, "code": f"encounter-{kind}"}]}],
            "subject": {"reference": f"Patient/{patient_id}"},
            "participant": [{"individual": {"reference": f"Practitioner/{clinician}"}}],
            "period": {"start": fhir_datetime(start)},
        }
    )
    return encounter.as_json()


def test_an_ehr_registers_a_patient_and_posts_a_note_through_the_api_alone(
    app, make, live_url: str
) -> None:
    from fhirclient.models.observation import Observation
    from fhirclient.models.patient import Patient
    from fhirclient.models.questionnaireresponse import QuestionnaireResponse
    from fhirclient.server import FHIRNotFoundException

    make.user("clinician", "dr-a")
    make.user("clinician", "dr-b")
    make.user("integrator", "ehr")
    dr_a, dr_b = _user_id(app, "dr-a"), _user_id(app, "dr-b")
    system = app.config["INTAKE_AI_PATIENT_IDENTIFIER_SYSTEM"]
    smart = _smart(app, live_url)
    server = smart.server

    # 1. The patient, with dr-b as clinician of record for now.
    patient = Patient(
        {
            "identifier": [{"system": system, "value": "MRN-4711"}],
            "name": [{"given": ["Ada"], "family": "Example"}],
            "generalPractitioner": [{"reference": f"Practitioner/{dr_b}"}],
        }
    )
    created = server.post_json("Patient", patient.as_json())
    assert created.status_code == 201
    patient_id = created.headers["Location"].split("/Patient/")[1].split("/")[0]
    # No consent yet: the answer holds no record, and the client is not served.
    assert created.json()["resourceType"] == "OperationOutcome"
    with pytest.raises(FHIRNotFoundException):
        Patient.read(patient_id, server)
    assert (
        list(Patient.where({"identifier": f"{system}|MRN-4711"}).perform_resources_iter(server))
        == []
    )

    # 2. The clinician of record changes: a conditional update by identifier.
    patient.generalPractitioner[0].reference = f"Practitioner/{dr_a}"
    updated = server.put_json(f"Patient?identifier={system}|MRN-4711", patient.as_json())
    assert updated.status_code == 200
    assert updated.headers["ETag"] == 'W/"2"'

    # 3. The intake session, then dr-a records the intake with the client, who agrees.
    today = datetime.now(UTC).replace(microsecond=0)
    intake_visit = server.post_json(
        "Encounter", _encounter(patient_id, dr_a, today - timedelta(minutes=50), "intake")
    )
    assert intake_visit.status_code == 201
    intake_id = int(intake_visit.headers["Location"].split("/Encounter/")[1].split("/")[0])
    web = app.test_client()
    AuthActions(web).login("dr-a")
    assert submit_intake(web, intake_id, FULL_INTAKE).status_code == 302

    # Now the client is served: the Patient names dr-a as clinician of record.
    read = Patient.read(patient_id, server)
    assert [p.reference for p in read.generalPractitioner] == [f"Practitioner/{dr_a}"]

    # 4. The next session and its note, posted by the EHR in dr-a's name.
    visit = server.post_json(
        "Encounter", _encounter(patient_id, dr_a, today - timedelta(minutes=5), "session")
    )
    assert visit.status_code == 201 and visit.json()["resourceType"] == "Encounter"
    authored = fhir_datetime(today)
    note = QuestionnaireResponse(
        {
            "questionnaire": questionnaire_canonical(SESSION_NOTE),
            "status": "completed",
            "subject": {"reference": f"Patient/{patient_id}"},
            "encounter": {"reference": f"Encounter/{visit.json()['id']}"},
            "author": {"reference": f"Practitioner/{dr_a}"},
            "authored": authored,
            "item": [
                {
                    "linkId": "section-use",
                    "item": [
                        {"linkId": "any-use", "answer": [{"valueCoding": {"code": "use-yes"}}]},
                        {"linkId": "reliance-rating", "answer": [{"valueInteger": 6}]},
                    ],
                }
            ],
        }
    )
    stored = note.create(server)
    assert stored["resourceType"] == "QuestionnaireResponse"
    assert stored["authored"] == authored  # kept as sent
    # The same POST again (a retry) stores nothing new.
    again = server.post_json("QuestionnaireResponse", note.as_json())
    assert again.status_code == 200 and again.json()["id"] == stored["id"]
    with app.app_context():
        responses = session().scalar(
            select(func.count())
            .select_from(StoredResource)
            .where(
                StoredResource.resource_type == "QuestionnaireResponse",
                StoredResource.client_id == int(patient_id),
            )
        )
    assert responses == 2  # the intake and this note, once

    extracted = list(
        Observation.where(
            {"encounter": f"Encounter/{visit.json()['id']}", "code": "reliance-rating"}
        ).perform_resources_iter(server)
    )
    assert len(extracted) == 1
    reliance = extracted[0]
    assert reliance.effectiveDateTime.datetime == today  # the response's authored
    assert reliance.issued is not None
    assert [p.reference for p in reliance.performer] == [f"Practitioner/{dr_a}"]
    assert reliance.derivedFrom[0].reference == f"QuestionnaireResponse/{stored['id']}"

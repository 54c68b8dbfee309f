"""No API write overrides a client's consent decision: only the clinician of record, in the
pages or with their own token, records or changes it; an integrator's token never does."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import func, select

from fhir_mappings.datetimes import fhir_datetime
from fhir_mappings.definitions import INTAKE
from fhir_mappings.response import ResponseContext, build_response
from intake_ai.forms.schema import load_answers
from intake_ai.models import AuditRecord, Client, ConsentState, StoredResource, User
from intake_ai.store.database import session
from tests.conftest import AuthActions, bearer
from tests.intake_helpers import FULL_INTAKE

FHIR = {"Content-Type": "application/fhir+json"}


def user_id(app, username: str) -> int:  # type: ignore[no-untyped-def]
    with app.app_context():
        return session().scalars(select(User.id).where(User.username == username)).one()


#: The same intake, with the client asking to discuss consent first.
DISCUSS = {
    **{k: v for k, v in FULL_INTAKE.items() if k != "consent-terms"},
    "consent-record": "consent-discuss",
}


def intake_resource(
    client_id: int, encounter_id: int, author_id: int, answers: dict[str, Any] | None = None
) -> dict[str, Any]:
    """A completed intake as an EHR would post it: by default the client says "I agree"."""
    answers = load_answers(INTAKE, answers or FULL_INTAKE)
    resource = build_response(
        INTAKE,
        answers,
        ResponseContext(
            "x",
            "completed",
            f"Patient/{client_id}",
            f"Encounter/{encounter_id}",
            f"Practitioner/{author_id}",
            f"Patient/{client_id}",
            "2026-11-24T10:00:00Z",
        ),
    )
    resource.pop("id")
    # The sessions of these tests start now: the answers are authored on their day.
    resource["authored"] = fhir_datetime(datetime.now(UTC))
    return resource


def consent_of(app, client_id: int) -> tuple[ConsentState, int]:  # type: ignore[no-untyped-def]
    """The client's consent state and how many stored versions of Consent there are."""
    with app.app_context():
        state = session().get(Client, client_id).consent_state  # type: ignore[union-attr]
        versions = session().scalar(
            select(func.count())
            .select_from(StoredResource)
            .where(StoredResource.resource_type == "Consent", StoredResource.client_id == client_id)
        )
        return state, versions or 0


def stored(app, client_id: int, kind: str = "QuestionnaireResponse") -> int:  # type: ignore[no-untyped-def]
    with app.app_context():
        return (
            session().scalar(
                select(func.count())
                .select_from(StoredResource)
                .where(StoredResource.resource_type == kind, StoredResource.client_id == client_id)
            )
            or 0
        )


def refusals(app, username: str) -> list[AuditRecord]:  # type: ignore[no-untyped-def]
    with app.app_context():
        rows = list(
            session().scalars(
                select(AuditRecord).where(
                    AuditRecord.agent_name == username, AuditRecord.outcome == "4"
                )
            )
        )
        session().expunge_all()
        return rows


@pytest.fixture
def writer(make) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """An integrator token that may read everything and write responses."""
    return bearer(make.token("ehr", "system/*.read", "system/QuestionnaireResponse.write"))


@pytest.fixture
def undecided_states(app, make, world) -> dict[str, tuple[int, int]]:  # type: ignore[no-untyped-def]
    """(client, encounter) for a client who asked to discuss first, one who declined, and
    one never asked."""
    declined = make.client("dr-a", ehr_id="EHR-DECLINED")
    declined_visit = make.encounter(declined, "dr-a")
    web = app.test_client()
    AuthActions(web).login("dr-a")
    from tests.intake_helpers import submit_intake

    discuss = {k: v for k, v in FULL_INTAKE.items() if k != "consent-terms"}
    submit_intake(web, declined_visit, {**discuss, "consent-record": "consent-discuss"})
    assert web.post(f"/clients/{declined}/consent/declined").status_code == 302
    never = make.client("dr-a", ehr_id="EHR-NEVER")
    return {
        "proposed": (world.undecided, world.encounters["undecided"]),
        "rejected": (declined, declined_visit),
        "none": (never, make.encounter(never, "dr-a")),
    }


@pytest.mark.parametrize("state", ["proposed", "rejected", "none"])
def test_an_integrator_cannot_answer_i_agree_for_a_client(
    app, client, world, writer, undecided_states, state: str
) -> None:
    client_id, encounter_id = undecided_states[state]
    before = consent_of(app, client_id)
    assert before[0] is ConsentState(state)
    body = intake_resource(client_id, encounter_id, user_id(app, "dr-a"))
    response = client.post(
        "/fhir/QuestionnaireResponse", data=json.dumps(body), headers={**writer, **FHIR}
    )
    assert response.status_code == 403, response.json
    assert response.json["resourceType"] == "OperationOutcome"
    assert response.json["issue"][0]["code"] == "forbidden"
    assert "clinician of record" in response.json["issue"][0]["diagnostics"]
    # Nothing stored, the consent as it was, and nothing served about the client.
    assert consent_of(app, client_id) == before
    assert stored(app, client_id) == 0 and stored(app, client_id, "Observation") == 0
    assert client.get(f"/fhir/Patient/{client_id}", headers=writer).status_code == 404
    # The attempt is on file.
    [refused] = [r for r in refusals(app, "ehr") if r.entity == "/fhir/QuestionnaireResponse"]
    assert refused.detail == "403 forbidden" and refused.token_id is not None


def test_no_write_path_lets_an_integrator_decide_consent(app, client, world, writer) -> None:
    author = user_id(app, "dr-a")
    undecided = intake_resource(world.undecided, world.encounters["undecided"], author)
    before = consent_of(app, world.undecided)
    # A conditional create matching nothing would create: refused before it looks.
    conditional = client.post(
        "/fhir/QuestionnaireResponse",
        data=json.dumps(undecided),
        headers={**writer, **FHIR, "If-None-Exist": f"patient={world.undecided}"},
    )
    assert conditional.status_code == 403
    # $validate checks and stores nothing, consent included.
    checked = client.post(
        "/fhir/QuestionnaireResponse/$validate",
        data=json.dumps(undecided),
        headers={**writer, **FHIR},
    )
    assert checked.status_code == 200 and checked.json["resourceType"] == "OperationOutcome"
    assert consent_of(app, world.undecided) == before
    assert stored(app, world.undecided, "QuestionnaireResponse") == 0

    # An update of a consenting client's intake that changes what was agreed: refused too,
    # whether it withdraws the agreement or changes the research opt-in.
    [entry] = client.get(
        f"/fhir/QuestionnaireResponse?patient={world.agreed}"
        f"&encounter={world.encounters['agreed']}",
        headers=writer,
    ).json["entry"]
    existing = entry["resource"]
    agreed_before = consent_of(app, world.agreed)
    for answers in (DISCUSS, {**FULL_INTAKE, "research-opt-in": "true"}):
        body = intake_resource(world.agreed, world.encounters["agreed"], author, answers)
        body.update(id=existing["id"], status="amended")
        changed = client.put(
            f"/fhir/QuestionnaireResponse/{existing['id']}",
            data=json.dumps(body),
            headers={**writer, **FHIR},
        )
        assert changed.status_code == 403, changed.json
        assert changed.json["issue"][0]["code"] == "forbidden"
    assert consent_of(app, world.agreed) == agreed_before
    current = client.get(f"/fhir/QuestionnaireResponse/{existing['id']}", headers=writer).json
    assert current["meta"]["versionId"] == existing["meta"]["versionId"]


def test_the_clinicians_own_token_records_the_intake_and_its_consent(
    app, client, world, undecided_states
) -> None:
    client_id, encounter_id = undecided_states["none"]
    body = intake_resource(client_id, encounter_id, user_id(app, "dr-a"))
    response = client.post(
        "/fhir/QuestionnaireResponse", data=json.dumps(body), headers={**world.clinician, **FHIR}
    )
    assert response.status_code == 201, response.json
    assert consent_of(app, client_id) == (ConsentState.ACTIVE, 1)


def test_an_integrator_still_posts_session_notes_for_clients_who_agreed(
    app, client, world, writer
) -> None:
    from tests.test_fhir_write import note_response

    note = note_response(world, user_id(app, "dr-a"))
    response = client.post(
        "/fhir/QuestionnaireResponse", data=json.dumps(note), headers={**writer, **FHIR}
    )
    assert response.status_code == 201, response.json
    assert consent_of(app, world.agreed)[0] is ConsentState.ACTIVE


def test_the_domain_refuses_a_consent_decision_through_someone_elses_token(
    app, make, world
) -> None:
    """Defence in depth: the intake service, asked to act as the clinician through an
    integrator's token, still refuses to store the Consent."""
    from intake_ai.auth.actors import Actor
    from intake_ai.errors import AccessDenied
    from intake_ai.intake import service as intake
    from intake_ai.models import ApiToken
    from intake_ai.store.database import transaction

    make.token("ehr", "system/*.write")
    client_id = make.client("dr-a")
    encounter_id = make.encounter(client_id, "dr-a")
    with app.app_context():
        clinician = session().scalars(select(User).where(User.username == "dr-a")).one()
        token = session().scalars(select(ApiToken).join(User).where(User.username == "ehr")).first()
        acting = Actor(user=clinician, token=token)
        with pytest.raises(AccessDenied), transaction():
            intake.submit(acting, encounter_id, load_answers(INTAKE, FULL_INTAKE))
    assert consent_of(app, client_id) == (ConsentState.NONE, 0)
    assert stored(app, client_id) == 0

"""The access policy, seen from pages and from the API."""

from __future__ import annotations

from sqlalchemy import select

from intake_ai.models import AuditRecord, Client, ConsentState
from intake_ai.store.database import session, transaction
from tests.conftest import bearer


def set_consent(app, client_id: int, state: ConsentState) -> None:
    with app.app_context(), transaction():
        client = session().get(Client, client_id)
        assert client is not None
        client.consent_state = state


def test_clinician_cannot_open_another_clinicians_client(app, client, auth, make) -> None:
    make.user("clinician", "dr-a")
    make.user("clinician", "dr-b")
    theirs = make.client("dr-b")
    mine = make.client("dr-a")
    auth.login("dr-a")
    assert client.get(f"/clients/{mine}").status_code == 200
    refused = client.get(f"/clients/{theirs}")
    # Exactly what a client that does not exist gets: ids of others' clients leak nothing.
    missing = client.get(f"/clients/{theirs + 1000}")
    assert refused.status_code == missing.status_code == 404
    assert refused.data == missing.data
    with app.app_context():
        outcomes = (
            session()
            .scalars(select(AuditRecord.outcome).where(AuditRecord.entity == f"/clients/{theirs}"))
            .all()
        )
        assert outcomes == ["4"]


def test_caseload_lists_only_own_clients(client, auth, make) -> None:
    make.user("clinician", "dr-a")
    make.user("clinician", "dr-b")
    mine = make.client("dr-a", ehr_id="MINE-1")
    theirs = make.client("dr-b", ehr_id="THEIRS-1")
    auth.login("dr-a")
    page = client.get("/clients").get_data(as_text=True)
    assert f'href="/clients/{mine}"' in page
    assert f'href="/clients/{theirs}"' not in page


def test_clinician_token_cannot_read_another_clinicians_client(app, client, make) -> None:
    make.user("clinician", "dr-a")
    make.user("clinician", "dr-b")
    theirs = make.client("dr-b")
    mine = make.client("dr-a")
    set_consent(app, theirs, ConsentState.ACTIVE)
    set_consent(app, mine, ConsentState.ACTIVE)
    token = make.token("dr-a", "system/*.read")
    assert client.get(f"/fhir/Patient/{mine}", headers=bearer(token)).status_code == 200
    response = client.get(f"/fhir/Patient/{theirs}", headers=bearer(token))
    assert response.status_code == 404
    assert response.json["resourceType"] == "OperationOutcome"


def test_supervisor_sees_supervisees_clients_only(client, auth, make) -> None:
    make.user("supervisor", "sup-1")
    make.user("supervisor", "sup-2")
    make.user("clinician", "dr-a", supervisor="sup-1")
    make.user("clinician", "dr-b", supervisor="sup-2")
    supervised = make.client("dr-a")
    other = make.client("dr-b")
    auth.login("sup-1")
    assert client.get(f"/clients/{supervised}").status_code == 200
    assert client.get(f"/clients/{other}").status_code == 404
    dashboard = client.get("/supervision").get_data(as_text=True)
    assert f'href="/clients/{supervised}"' in dashboard
    assert f'href="/clients/{other}"' not in dashboard


def test_admin_sees_no_clinical_pages(client, auth, make) -> None:
    make.user("admin", "root")
    make.user("clinician", "dr-a")
    theirs = make.client("dr-a")
    auth.login("root")
    assert client.get(f"/clients/{theirs}").status_code == 404
    assert client.get("/admin").status_code == 200
    assert client.get("/supervision").status_code == 403


def test_only_the_clinician_of_record_opens_sessions(client, auth, make) -> None:
    make.user("supervisor", "sup-1")
    make.user("clinician", "dr-a", supervisor="sup-1")
    theirs = make.client("dr-a")
    auth.login("sup-1")
    response = client.post(f"/clients/{theirs}/sessions", data={"start": "2026-11-01T10:00"})
    assert response.status_code == 403


def test_integrator_sees_only_clients_who_agreed(app, client, make) -> None:
    make.user("integrator", "ehr")
    make.user("clinician", "dr-a")
    agreed = make.client("dr-a")
    undecided = make.client("dr-a")
    set_consent(app, agreed, ConsentState.ACTIVE)
    set_consent(app, undecided, ConsentState.PROPOSED)
    token = make.token("ehr", "system/*.read")
    assert client.get(f"/fhir/Patient/{agreed}", headers=bearer(token)).status_code == 200
    assert client.get(f"/fhir/Patient/{undecided}", headers=bearer(token)).status_code == 404


def test_admin_token_reads_no_clinical_resources(app, client, make) -> None:
    make.user("admin", "root")
    make.user("clinician", "dr-a")
    someone = make.client("dr-a")
    set_consent(app, someone, ConsentState.ACTIVE)
    token = make.token("root", "system/*.read")
    assert client.get(f"/fhir/Patient/{someone}", headers=bearer(token)).status_code == 403

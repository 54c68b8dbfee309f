"""Every read and change of clinical data leaves an audit record (and no clinical content)."""

from __future__ import annotations

from sqlalchemy import select

from intake_ai.models import AuditRecord
from intake_ai.store.database import session
from tests.conftest import bearer
from tests.test_access import set_consent


def _records(app) -> list[AuditRecord]:
    with app.app_context():
        rows = session().scalars(select(AuditRecord).order_by(AuditRecord.id)).all()
        session().expunge_all()
        return list(rows)


def test_page_views_and_changes_are_audited(app, client, auth, make) -> None:
    make.user("clinician", "dr-a")
    # Sessions are bound to the browser ("strong" protection), so set it before signing in.
    client.environ_base["HTTP_USER_AGENT"] = "pytest-browser"
    auth.login("dr-a")
    response = client.post(
        "/clients/new", data={"ehr_patient_id": "P-77", "display_name": "Sam Testperson"}
    )
    client_id = int(response.headers["Location"].rsplit("/", 1)[1])
    page = client.get(
        f"/clients/{client_id}",
    )
    assert page.status_code == 200, page.data
    records = _records(app)
    create = next(r for r in records if r.operation == "create")
    view = next(r for r in records if r.operation == "view")
    assert (create.agent_name, create.action, create.entity, create.outcome) == (
        "dr-a",
        "C",
        f"Patient/{client_id}",
        "0",
    )
    assert (view.action, view.client_id, view.user_agent) == ("R", client_id, "pytest-browser")
    assert view.source_ip == "127.0.0.1"
    assert view.recorded is not None
    assert all("Sam Testperson" not in (r.detail or "") for r in records)


def test_api_reads_are_audited_with_the_token(app, client, make) -> None:
    make.user("integrator", "ehr")
    make.user("clinician", "dr-a")
    client_id = make.client("dr-a")
    from intake_ai.models import ConsentState

    set_consent(app, client_id, ConsentState.ACTIVE)
    token = make.token("ehr", "system/*.read")
    client.get(f"/fhir/Patient/{client_id}", headers=bearer(token))
    read = next(r for r in _records(app) if r.operation == "read")
    assert (read.agent_name, read.entity, read.client_id, read.outcome) == (
        "ehr",
        f"Patient/{client_id}",
        client_id,
        "0",
    )
    assert read.token_id is not None


def test_api_searches_are_audited_on_every_path(app, client, make) -> None:
    """A page of results (whose entry the read itself writes on PostgreSQL), a count only,
    and an empty result each leave one entry with the token and the parameter names."""
    make.user("integrator", "ehr")
    make.user("clinician", "dr-a")
    client_id = make.client("dr-a")
    from intake_ai.models import ConsentState

    set_consent(app, client_id, ConsentState.ACTIVE)
    token = make.token("ehr", "system/*.read")
    for query in (
        f"Patient?_id={client_id}",
        f"Observation?patient={client_id}&_summary=count",
        "Observation?patient=999999",
    ):
        assert client.get(f"/fhir/{query}", headers=bearer(token)).status_code == 200
    searches = [r for r in _records(app) if r.operation == "search-type"]
    assert [(r.entity, r.detail) for r in searches] == [
        ("Patient", "params: _id"),
        ("Observation", "params: _summary,patient"),
        ("Observation", "params: patient"),
    ]
    assert all(
        (r.agent_name, r.action, r.outcome) == ("ehr", "E", "0") and r.token_id for r in searches
    )

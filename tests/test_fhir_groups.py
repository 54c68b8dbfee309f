"""Group resources: a caseload per clinician and the practice, built from the care
assignments, read and searched under the same access and consent rules as Patients."""

from __future__ import annotations

from sqlalchemy import select

from intake_ai.models import AuditRecord, User
from intake_ai.store.database import session
from tests.conftest import bearer


def _user_id(app, username: str) -> int:  # type: ignore[no-untyped-def]
    with app.app_context():
        return session().scalars(select(User.id).where(User.username == username)).one()


def _members(group: dict) -> set[str]:
    return {m["entity"]["reference"] for m in group.get("member", [])}


def test_each_clinician_has_a_caseload_and_the_practice_has_every_agreeing_client(
    app, client, world
) -> None:
    found = client.get("/fhir/Group", headers=world.integrator)
    assert found.status_code == 200
    groups = {e["resource"]["id"]: e["resource"] for e in found.json["entry"]}
    dr_a, dr_b = _user_id(app, "dr-a"), _user_id(app, "dr-b")
    assert set(groups) == {"practice", f"caseload-{dr_a}", f"caseload-{dr_b}"}
    assert groups[f"caseload-{dr_a}"]["managingEntity"] == {"reference": f"Practitioner/{dr_a}"}
    assert _members(groups[f"caseload-{dr_a}"]) == {
        f"Patient/{world.agreed}",
        f"Patient/{world.second}",
    }
    patients = client.get("/fhir/Patient?_count=100", headers=world.integrator).json
    assert _members(groups["practice"]) == {
        f"Patient/{e['resource']['id']}" for e in patients["entry"]
    }
    assert groups["practice"]["quantity"] == patients["total"] == 3


def test_a_group_follows_the_care_assignments_and_consent(app, client, world, make) -> None:
    dr_b = _user_id(app, "dr-b")
    url = f"/fhir/Group/caseload-{dr_b}"
    before = _members(client.get(url, headers=world.integrator).json)
    new = make.client("dr-b", ehr_id="EHR-NEW")
    # Registered but not (yet) agreeing: not a member anyone is told of.
    assert _members(client.get(url, headers=world.integrator).json) == before
    from tests.conftest import AuthActions
    from tests.intake_helpers import FULL_INTAKE, submit_intake

    web = app.test_client()
    AuthActions(web).login("dr-b")
    submit_intake(web, make.encounter(new, "dr-b"), FULL_INTAKE)
    assert _members(client.get(url, headers=world.integrator).json) == before | {f"Patient/{new}"}


def test_who_sees_which_group(app, client, world, make) -> None:
    dr_a, dr_b = _user_id(app, "dr-a"), _user_id(app, "dr-b")
    own = client.get("/fhir/Group", headers=world.clinician).json
    assert {e["resource"]["id"] for e in own["entry"]} == {"practice", f"caseload-{dr_a}"}
    # A clinician's practice Group holds only the clients they may read.
    practice = client.get("/fhir/Group/practice", headers=world.clinician).json
    assert f"Patient/{world.other}" not in _members(practice)
    assert client.get(f"/fhir/Group/caseload-{dr_b}", headers=world.clinician).status_code == 404
    supervisor = bearer(make.token("sup", "system/*.read"))
    assert client.get(f"/fhir/Group/caseload-{dr_a}", headers=supervisor).status_code == 200
    assert client.get(f"/fhir/Group/caseload-{dr_b}", headers=supervisor).status_code == 404
    make.user("admin", "root")
    admin = bearer(make.token("root", "system/*.read"))
    assert client.get("/fhir/Group", headers=admin).status_code == 403
    patients_only = bearer(make.token("ehr", "system/Patient.read"))
    assert client.get("/fhir/Group/practice", headers=patients_only).status_code == 403
    assert client.get("/fhir/Group/caseload-007", headers=world.integrator).status_code == 404
    assert client.get("/fhir/Group/practice").status_code == 401
    export = client.get(
        f"/fhir/Group/caseload-{dr_b}/$export",
        headers={**world.clinician, "Prefer": "respond-async"},
    )
    assert export.status_code == 404


def test_group_search_parameters_and_paging(app, client, world) -> None:
    dr_a = _user_id(app, "dr-a")
    by_member = client.get(f"/fhir/Group?member=Patient/{world.other}", headers=world.integrator)
    ids = {e["resource"]["id"] for e in by_member.json["entry"]}
    assert ids == {"practice", f"caseload-{_user_id(app, 'dr-b')}"}
    # A client who has not agreed is a member of nothing the integrator can find.
    hidden = client.get(f"/fhir/Group?member={world.undecided}", headers=world.integrator)
    assert hidden.json["total"] == 0
    managed = client.get(f"/fhir/Group?managing-entity={dr_a}", headers=world.integrator)
    assert [e["resource"]["id"] for e in managed.json["entry"]] == [f"caseload-{dr_a}"]
    first = client.get("/fhir/Group?_count=2", headers=world.integrator).json
    assert len(first["entry"]) == 2 and first["total"] == 3
    following = next(link["url"] for link in first["link"] if link["relation"] == "next")
    rest = client.get(following.replace("http://localhost", ""), headers=world.integrator).json
    assert len(rest["entry"]) == 1
    bad = client.get("/fhir/Group?name=x", headers=world.integrator)
    assert bad.status_code == 400 and "name" in bad.json["issue"][0]["diagnostics"]


def test_group_reads_and_exports_are_audited(app, client, world) -> None:
    client.get("/fhir/Group/practice", headers=world.integrator)
    started = client.get(
        "/fhir/Group/practice/$export", headers={**world.integrator, "Prefer": "respond-async"}
    )
    status = started.headers["Content-Location"].replace("http://localhost", "")
    manifest = client.get(status, headers=world.integrator).json
    client.get(
        manifest["output"][0]["url"].replace("http://localhost", ""), headers=world.integrator
    )
    with app.app_context():
        entries = [
            (r.operation, r.entity, r.detail)
            for r in session().scalars(select(AuditRecord).order_by(AuditRecord.id))
        ][-4:]
    job = status.rsplit("/", 1)[1]
    assert entries[0][:2] == ("read", "Group/practice")
    assert entries[1][:2] == ("export", f"$export/{job}") and "group practice" in entries[1][2]
    assert entries[2] == ("export", f"$export/{job}", "status")
    assert entries[3][1].startswith(f"$export/{job}/")


def test_capability_statement_instantiates_bulk_data_and_offers_group_export(client) -> None:
    statement = client.get("/fhir/metadata").json
    assert statement["instantiates"] == [
        "http://hl7.org/fhir/uv/bulkdata/CapabilityStatement/bulk-data"
    ]
    group = next(r for r in statement["rest"][0]["resource"] if r["type"] == "Group")
    assert {
        "name": "export",
        "definition": ("http://hl7.org/fhir/uv/bulkdata/OperationDefinition/group-export"),
    } in group["operation"]
    assert [i["code"] for i in group["interaction"]] == ["read", "search-type"]

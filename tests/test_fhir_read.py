"""read, vread, history, ETags, 304/404/410, scopes and the access policy over the API."""

from __future__ import annotations

from tests.conftest import bearer


def first(client, headers, query: str) -> dict:  # type: ignore[no-untyped-def]
    response = client.get(f"/fhir/{query}", headers=headers)
    assert response.status_code == 200, response.json
    return response.json["entry"][0]["resource"]


def test_read_serves_stored_json_with_etag_and_last_modified(client, world) -> None:
    qr = first(client, world.integrator, f"QuestionnaireResponse?patient={world.agreed}")
    response = client.get(f"/fhir/QuestionnaireResponse/{qr['id']}", headers=world.integrator)
    assert response.status_code == 200
    assert response.mimetype == "application/fhir+json"
    assert response.headers["ETag"] == f'W/"{qr["meta"]["versionId"]}"'
    assert "GMT" in response.headers["Last-Modified"]
    assert response.json == qr
    again = client.get(
        f"/fhir/QuestionnaireResponse/{qr['id']}",
        headers={**world.integrator, "If-None-Match": response.headers["ETag"]},
    )
    assert again.status_code == 304 and again.data == b""
    stale = client.get(
        f"/fhir/QuestionnaireResponse/{qr['id']}",
        headers={**world.integrator, "If-None-Match": 'W/"99"'},
    )
    assert stale.status_code == 200


def test_read_serves_the_stored_bytes_without_revalidating(app, client, world, monkeypatch) -> None:
    import fhir_mappings.validation as validation

    qr = first(client, world.integrator, f"QuestionnaireResponse?patient={world.agreed}")
    calls = []
    monkeypatch.setattr(validation, "validate", lambda r: calls.append(r) or [])
    client.get(f"/fhir/QuestionnaireResponse/{qr['id']}", headers=world.integrator)
    client.get(f"/fhir/Observation?patient={world.agreed}", headers=world.integrator)
    assert calls == []


def test_vread_and_instance_history(client, world) -> None:
    flag = first(client, world.clinician, f"Flag?patient={world.agreed}&status=active")
    assert (
        client.get(f"/fhir/Flag/{flag['id']}/_history/1", headers=world.clinician).status_code
        == 200
    )
    assert (
        client.get(f"/fhir/Flag/{flag['id']}/_history/7", headers=world.clinician).status_code
        == 404
    )
    history = client.get(f"/fhir/Flag/{flag['id']}/_history", headers=world.clinician).json
    assert history["type"] == "history"
    assert history["entry"][0]["request"] == {"method": "POST", "url": "Flag"}
    assert history["entry"][0]["response"]["status"] == "201 Created"


def test_type_history_pages_newest_first(client, world) -> None:
    page = client.get("/fhir/Observation/_history?_count=5", headers=world.integrator).json
    assert len(page["entry"]) == 5 and page["total"] > 5
    stamps = [e["resource"]["meta"]["lastUpdated"] for e in page["entry"]]
    assert stamps == sorted(stamps, reverse=True)
    following = next(link["url"] for link in page["link"] if link["relation"] == "next")
    second = client.get(following.replace("http://localhost", ""), headers=world.integrator).json
    seen = {(e["fullUrl"], e["resource"]["meta"]["versionId"]) for e in page["entry"]}
    assert not seen & {(e["fullUrl"], e["resource"]["meta"]["versionId"]) for e in second["entry"]}
    assert (
        client.get("/fhir/Observation/_history?foo=1", headers=world.integrator).status_code == 400
    )


def test_unknown_is_404_and_purged_is_410(app, client, world) -> None:
    assert client.get("/fhir/Observation/no-such-id", headers=world.integrator).status_code == 404
    qr = first(
        client,
        world.clinician,
        f"QuestionnaireResponse?patient={world.agreed}&encounter={world.encounters['note1']}",
    )
    from intake_ai.auth.actors import Actor
    from intake_ai.models import User
    from intake_ai.records import control
    from intake_ai.store.database import session, transaction

    with app.app_context(), transaction():
        user = session().query(User).filter_by(username="dr-a").one()
        control.purge(Actor(user=user), "QuestionnaireResponse", qr["id"], "duplicate")
    gone = client.get(f"/fhir/QuestionnaireResponse/{qr['id']}", headers=world.integrator)
    assert gone.status_code == 410
    assert gone.json["issue"][0]["code"] == "deleted"


def test_clinician_token_sees_only_own_clients(client, world) -> None:
    own = client.get(f"/fhir/Patient/{world.agreed}", headers=world.clinician)
    theirs = client.get(f"/fhir/Patient/{world.other}", headers=world.clinician)
    assert (own.status_code, theirs.status_code) == (200, 404)
    listed = client.get("/fhir/Patient", headers=world.clinician).json
    ids = {int(e["resource"]["id"]) for e in listed["entry"]}
    assert world.other not in ids and world.agreed in ids


def test_integrator_never_sees_a_client_who_did_not_agree(client, world) -> None:
    assert (
        client.get(f"/fhir/Patient/{world.undecided}", headers=world.integrator).status_code == 404
    )
    found = client.get(
        f"/fhir/Observation?patient={world.undecided}", headers=world.integrator
    ).json
    assert found["total"] == 0
    # Not even that a discussion is pending: the client has agreed to share nothing yet.
    assert (
        client.get(f"/fhir/Consent?patient={world.undecided}", headers=world.integrator).json[
            "total"
        ]
        == 0
    )
    # The clinician of record's own token sees where consent stands.
    consent = client.get(f"/fhir/Consent?patient={world.undecided}", headers=world.clinician).json
    assert consent["entry"][0]["resource"]["status"] == "proposed"


def test_a_search_naming_patients_sees_only_those_the_caller_may_see(client, world) -> None:
    def subjects(query: str, headers: dict[str, str]) -> set[str]:
        found = client.get(f"/fhir/Observation?{query}&_count=500", headers=headers).json
        return {e["resource"]["subject"]["reference"] for e in found.get("entry", [])}

    # dr-a's own token: another clinician's client is invisible, alone or beside their own.
    assert subjects(f"patient={world.other}", world.clinician) == set()
    mixed = f"patient={world.agreed},{world.other},{world.undecided}"
    assert subjects(mixed, world.clinician) == {f"Patient/{world.agreed}"}
    # The integrator: every agreeing client, never the undecided one.
    assert subjects(mixed, world.integrator) == {
        f"Patient/{world.agreed}",
        f"Patient/{world.other}",
    }
    assert subjects(f"patient={world.agreed}&subject={world.other}", world.integrator) == set()


def test_scopes_narrow_by_type_and_by_mode(client, world, make) -> None:

    only_flags = bearer(make.token("ehr", "system/Flag.read"))
    assert client.get("/fhir/Flag", headers=only_flags).status_code == 200
    refused = client.get("/fhir/Observation", headers=only_flags)
    assert refused.status_code == 403 and refused.json["issue"][0]["code"] == "forbidden"
    post = client.post(
        "/fhir/QuestionnaireResponse",
        headers={**world.integrator, "Content-Type": "application/fhir+json"},
        data="{}",
    )
    assert post.status_code == 403


def test_audit_events_need_their_own_scope(client, world, make) -> None:
    assert client.get("/fhir/AuditEvent", headers=world.integrator).status_code == 403
    auditor = bearer(make.token("ehr", "system/AuditEvent.read"))
    events = client.get(
        f"/fhir/AuditEvent?patient=Patient/{world.agreed}&_count=3", headers=auditor
    ).json
    assert events["total"] > 3 and len(events["entry"]) == 3
    event = events["entry"][0]["resource"]
    assert event["resourceType"] == "AuditEvent" and event["agent"][0]["requestor"] is True
    one = client.get(f"/fhir/AuditEvent/{event['id']}", headers=auditor)
    assert one.status_code == 200 and one.json["id"] == event["id"]
    clinician_auditor = bearer(make.token("dr-a", "system/AuditEvent.read"))
    assert client.get("/fhir/AuditEvent", headers=clinician_auditor).status_code == 403


def test_every_api_call_is_audited(app, client, world) -> None:
    from sqlalchemy import func, select

    from intake_ai.models import AuditRecord
    from intake_ai.store.database import session

    def count() -> int:
        with app.app_context():
            return session().scalar(select(func.count()).select_from(AuditRecord))

    before = count()
    client.get(f"/fhir/Patient/{world.agreed}", headers=world.integrator)
    client.get("/fhir/Observation?_count=1", headers=world.integrator)
    client.get("/fhir/Observation/missing", headers=world.integrator)
    assert count() == before + 3

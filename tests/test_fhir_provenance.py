"""Provenance: every write of a record (pages or API: create, update, entered in error,
purge) stores one, in the same unit of work, naming what it produced, who wrote it (and
through which API client) and from what response; served and searched (target, patient)
with the access rules of its records, exported, and valid FHIR."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select

from intake_ai.models import StoredResource
from intake_ai.store.database import session
from tests.conftest import AuthActions, bearer
from tests.test_fhir_export import download, kick_off
from tests.test_fhir_write import note_response, post, practitioner

DATA_OPERATION = "http://terminology.hl7.org/CodeSystem/v3-DataOperation"


def provenances(client, headers, query: str) -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
    found = client.get(f"/fhir/Provenance?{query}&_count=100", headers=headers)
    assert found.status_code == 200, found.json
    return [e["resource"] for e in found.json.get("entry", [])]


def current_rows(app, client_id: int) -> dict[str, StoredResource]:  # type: ignore[no-untyped-def]
    with app.app_context():
        rows = session().scalars(
            select(StoredResource).where(
                StoredResource.client_id == client_id, StoredResource.is_current
            )
        )
        found = {r.reference: r for r in rows}
        session().expunge_all()
        return found


def agent_codes(provenance: dict[str, Any]) -> list[str]:
    return [a["type"]["coding"][0]["code"] for a in provenance["agent"]]


def test_a_page_intake_has_one_provenance_naming_all_it_produced(app, client, world) -> None:
    rows = current_rows(app, world.second)
    [response] = [r for r in rows.values() if r.resource_type == "QuestionnaireResponse"]
    [found] = provenances(client, world.integrator, f"target={response.reference}")
    targets = {t["reference"].rsplit("/_history/", 1)[0] for t in found["target"]}
    produced = {
        ref
        for ref, row in rows.items()
        if row.resource_type in ("QuestionnaireResponse", "Observation", "Consent", "Flag")
    }
    assert targets == produced  # the response, its Observations, indicator, flags, consent
    assert found["activity"]["coding"][0] == {
        "system": DATA_OPERATION,
        "code": "CREATE",
        "display": "create",
    }
    assert agent_codes(found) == ["author", "assembler"]
    assert found["agent"][0]["who"] == {"reference": f"Practitioner/{practitioner(app, 'dr-a')}"}
    assert found["entity"] == [
        {"role": "source", "what": {"reference": f"{response.reference}/_history/1"}}
    ]
    # Any of its records finds it, and so does the client.
    observation = next(r for r in rows if r.startswith("Observation/"))
    assert [p["id"] for p in provenances(client, world.integrator, f"target={observation}")] == [
        found["id"]
    ]
    assert found["id"] in {
        p["id"] for p in provenances(client, world.integrator, f"patient={world.second}")
    }


def test_an_integrator_write_names_the_api_client_on_the_authors_behalf(
    app, client, world, make
) -> None:
    writer = bearer(make.token("ehr", "system/*.read", "system/QuestionnaireResponse.write"))
    dr_a = practitioner(app, "dr-a")
    created = post(client, writer, note_response(world, dr_a))
    assert created.status_code == 201
    [found] = provenances(client, writer, f"target=QuestionnaireResponse/{created.json['id']}")
    assert agent_codes(found) == ["author", "assembler", "enterer"]
    enterer = found["agent"][2]
    assert enterer["who"]["identifier"]["value"] == "ehr"
    assert enterer["onBehalfOf"] == {"reference": f"Practitioner/{dr_a}"}


def test_corrections_and_purges_have_their_provenance(app, client, world) -> None:
    web = app.test_client()
    AuthActions(web).login("dr-a")
    created = post(client, world.clinician, note_response(world, practitioner(app, "dr-a")))
    response_id = created.json["id"]
    target = f"target=QuestionnaireResponse/{response_id}"
    marked = web.post(
        f"/records/QuestionnaireResponse/{response_id}/entered-in-error",
        data={"reason": "Recorded for the wrong session."},
    )
    assert marked.status_code == 302
    activities = [
        p["activity"]["coding"][0]["code"] for p in provenances(client, world.integrator, target)
    ]
    assert sorted(activities) == ["CREATE", "NULLIFY"]
    nullified = next(
        p
        for p in provenances(client, world.integrator, target)
        if p["activity"]["coding"][0]["code"] == "NULLIFY"
    )
    assert nullified["entity"][0] == {
        "role": "revision",
        "what": {"reference": f"QuestionnaireResponse/{response_id}/_history/1"},
    }
    purged = web.post(
        f"/records/QuestionnaireResponse/{response_id}/purge", data={"reason": "duplicate"}
    )
    assert purged.status_code == 302
    deletions = [
        p
        for p in provenances(client, world.integrator, target)
        if p["activity"]["coding"][0]["code"] == "DELETE"
    ]
    assert len(deletions) == 1
    assert deletions[0]["entity"][0]["role"] == "removal"
    # The tombstones of the response and of every record that fell with it are targets.
    with app.app_context():
        tombstones = session().scalars(
            select(StoredResource).where(StoredResource.deleted, StoredResource.is_current)
        )
        removed = {f"{r.reference}/_history/{r.version_id}" for r in tombstones}
    assert removed and removed <= {t["reference"] for t in deletions[0]["target"]}


def test_provenance_is_served_like_the_records_it_is_about(app, client, world) -> None:
    # The client who asked to discuss consent first: their Consent's Provenance exists,
    # and is served to no integrator, as the Consent itself is not.
    with app.app_context():
        stored = session().scalars(
            select(StoredResource).where(
                StoredResource.resource_type == "Provenance",
                StoredResource.client_id == world.undecided,
            )
        )
        hidden = [r.resource_id for r in stored]
    assert hidden
    assert provenances(client, world.integrator, f"patient={world.undecided}") == []
    for provenance_id in hidden:
        answer = client.get(f"/fhir/Provenance/{provenance_id}", headers=world.integrator)
        assert answer.status_code == 404
    # dr-b's token sees none of dr-a's clients' provenance.
    other = bearer(make_token(app, "dr-b"))
    assert provenances(client, other, f"patient={world.agreed}") == []


def make_token(app, username: str) -> str:  # type: ignore[no-untyped-def]
    from intake_ai import directory
    from intake_ai.auth.tokens import issue_token
    from intake_ai.store.database import transaction

    with app.app_context(), transaction():
        _row, secret = issue_token(directory.find_user(username), "test", ["system/*.read"])
    return secret


def test_provenance_is_exported_and_validates(app, client, world, tmp_path) -> None:
    from tests.fhir_validator import run_validator

    manifest = kick_off(client, world.integrator, "/fhir/$export?_type=Provenance")
    files = download(client, world.integrator, manifest)
    exported = files["Provenance"]
    searched = provenances(client, world.integrator, f"patient={world.agreed}")
    assert {p["id"] for p in searched} <= {p["id"] for p in exported}
    run_validator(exported, tmp_path)


def test_the_indicator_names_every_record_it_evaluated(app, client, world) -> None:
    web = app.test_client()
    AuthActions(web).login("dr-a")
    quiet = web.post(f"/sessions/{world.encounters['open']}/note/no-use")
    assert quiet.status_code in (302, 303), quiet.get_data(as_text=True)[:500]
    rows = current_rows(app, world.agreed)
    responses = {r for r, row in rows.items() if row.resource_type == "QuestionnaireResponse"}
    [note] = [
        ref
        for ref, row in rows.items()
        if row.resource_type == "QuestionnaireResponse"
        and row.encounter_id == world.encounters["open"]
    ]
    indicators = [
        json.loads(row.content)
        for row in rows.values()
        if row.code == "dependency-indicator" and row.encounter_id == world.encounters["open"]
    ]
    [indicator] = indicators
    derived = [d["reference"] for d in indicator["derivedFrom"]]
    # The scored note first, then every earlier record the rules read, scoring or not.
    assert derived[0] == note
    assert set(derived) == responses


def test_target_searches_by_type_and_id_or_by_id_alone(app, client, world) -> None:
    rows = current_rows(app, world.second)
    [response] = [r for r in rows.values() if r.resource_type == "QuestionnaireResponse"]
    typed = provenances(client, world.integrator, f"target={response.reference}")
    bare = provenances(client, world.integrator, f"target={response.resource_id}")
    assert [p["id"] for p in typed] == [p["id"] for p in bare] and typed
    assert provenances(client, world.integrator, f"target=Flag/{response.resource_id}") == []
    refused = client.get("/fhir/Provenance?target=Observation/a/b", headers=world.integrator)
    assert refused.status_code == 400


def test_revinclude_finds_the_provenance_of_any_record_it_names(app, client, world) -> None:
    rows = current_rows(app, world.second)
    [response] = [r for r in rows.values() if r.resource_type == "QuestionnaireResponse"]
    [expected] = provenances(client, world.integrator, f"target={response.reference}")
    # An extracted Observation is not the Provenance's first target: it is found all the same.
    observation = next(r for r in rows.values() if r.resource_type == "Observation")
    found = client.get(
        f"/fhir/Observation?_id={observation.resource_id}&_revinclude=Provenance:target",
        headers=world.integrator,
    ).json
    included = [
        e["resource"]["id"] for e in found["entry"] if e["resource"]["resourceType"] == "Provenance"
    ]
    assert included == [expected["id"]]
    assert [e["search"]["mode"] for e in found["entry"]] == ["match", "include"]

"""Bulk Data 2.0 on a live server, driven by a client written from the IG and authorised by
SMART Backend Services: Group-level export with _typeFilter, POST kick-off with a
Parameters body, the error file, cancelling, and tokens required for every file."""

from __future__ import annotations

import requests

from fhir_mappings.codes import LOCAL_SYSTEM
from tests import test_smart_live
from tests.bulk_client import BulkClient
from tests.fhir_validator import run_validator
from tests.smart_helpers import BackendClient, register

#: The live server fixture (werkzeug, threaded) of the SMART token tests.
live_url = test_smart_live.live_url


def _client(app, live_url: str, scope: str = "system/*.rs") -> BulkClient:  # type: ignore[no-untyped-def]
    backend = BackendClient("bulk-app", "ES384")
    register(app, backend, "ehr", scope)
    bulk = BulkClient(f"{live_url}/fhir", backend, scope)
    bulk.authorize()
    return bulk


def _caseload_of(bulk: BulkClient, practitioner: str) -> dict:
    found = bulk.http.get(
        f"{bulk.base}/Group", params={"managing-entity": practitioner}, headers=bulk.headers()
    )
    assert found.status_code == 200, found.text
    (entry,) = found.json()["entry"]
    return entry["resource"]


def test_group_export_with_type_filter_holds_only_the_caseload(
    app,
    world,
    live_url: str,
    tmp_path,
) -> None:
    bulk = _client(app, live_url)
    patients = bulk.http.get(
        f"{bulk.base}/Patient", params={"identifier": "EHR-AGREED"}, headers=bulk.headers()
    ).json()
    clinician = patients["entry"][0]["resource"]["id"]
    assert clinician == str(world.agreed)
    responses = bulk.http.get(
        f"{bulk.base}/Encounter/{world.encounters['agreed']}", headers=bulk.headers()
    ).json()
    practitioner = responses["participant"][0]["individual"]["reference"]
    group = _caseload_of(bulk, practitioner)
    members = {m["entity"]["reference"] for m in group["member"]}
    # Consent holds in a Group too: dr-a's client who wants to discuss first is not named.
    assert members == {f"Patient/{world.agreed}", f"Patient/{world.second}"}
    assert group["quantity"] == 2

    code = f"{LOCAL_SYSTEM}|dependency-indicator"
    status_url = bulk.start(
        f"Group/{group['id']}/$export",
        query={"_type": "Patient,Observation", "_typeFilter": f"Observation?code={code}"},
    )
    manifest = bulk.wait(status_url)
    assert manifest["requiresAccessToken"] is True and manifest["error"] == []
    files = bulk.download(manifest)
    assert {f"Patient/{p['id']}" for p in files["Patient"]} == members
    observations = files["Observation"]
    assert observations and all(
        o["code"]["coding"][0]["code"] == "dependency-indicator" for o in observations
    )
    assert {o["subject"]["reference"] for o in observations} <= members
    # Without the filter the same Group exports every Observation of its members.
    everything = bulk.download(bulk.wait(bulk.start(f"Group/{group['id']}/$export")))
    assert len(everything["Observation"]) > len(observations)
    assert {o["subject"]["reference"] for o in everything["Observation"]} <= members
    run_validator([group, *files["Patient"], *observations], tmp_path)


def test_post_kick_off_with_parameters_and_the_error_file(
    app,
    world,
    live_url: str,
    tmp_path,
) -> None:
    bulk = _client(app, live_url, "system/Patient.rs system/Flag.rs")
    parameters = [
        {"name": "_type", "valueString": "Patient,Flag,Observation"},
        {"name": "patient", "valueReference": {"reference": f"Patient/{world.agreed}"}},
        {"name": "_typeFilter", "valueString": "Flag?status=active"},
        {"name": "_typeFilter", "valueString": "Flag?_sort=date"},
        {"name": "_elements", "valueString": "id"},
    ]
    strict = bulk.kick_off("Patient/$export", parameters=parameters)
    assert strict.status_code == 400
    assert "_elements" in strict.json()["issue"][0]["diagnostics"]

    lenient = "respond-async, handling=lenient"
    manifest = bulk.wait(bulk.start("Patient/$export", parameters=parameters, prefer=lenient))
    files = bulk.download(manifest)
    assert [p["id"] for p in files["Patient"]] == [str(world.agreed)]
    assert files["Flag"] and all(f["status"] == "active" for f in files["Flag"])
    assert "Observation" not in files  # the token may not read it: said in the error file
    outcomes = bulk.errors(manifest)
    said = " ".join(o["issue"][0]["diagnostics"] for o in outcomes)
    assert "_elements" in said and "_sort" in said and "Observation" in said
    assert all(o["issue"][0]["severity"] == "warning" for o in outcomes)
    run_validator(outcomes + files["Flag"], tmp_path)

    # A Parameters body that is not one is refused with the element that is wrong.
    broken = bulk.kick_off("$export", parameters=[{"name": "_type", "valueInteger": 3}])
    assert broken.status_code == 400
    assert broken.json()["issue"][0]["expression"] == ["Parameters.parameter[0]"]


def test_cancelled_jobs_and_files_need_the_token(app, world, live_url: str) -> None:
    bulk = _client(app, live_url)
    status_url = bulk.start("$export", query={"_type": "Patient"})
    manifest = bulk.wait(status_url)
    url = manifest["output"][0]["url"]
    assert requests.get(url, timeout=30).status_code == 401  # requiresAccessToken
    cancelled = bulk.cancel(status_url)
    assert cancelled.status_code == 202
    assert cancelled.json()["resourceType"] == "OperationOutcome"
    assert bulk.http.get(status_url, headers=bulk.headers()).status_code == 404
    assert bulk.http.get(url, headers=bulk.headers()).status_code == 404
    assert bulk.cancel(status_url).status_code == 404

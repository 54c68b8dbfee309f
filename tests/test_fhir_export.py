"""Bulk export: kick-off, status, NDJSON files as of the kick-off, consent, restart, CLI."""

from __future__ import annotations

import json

import pytest

from tests.conftest import bearer

ASYNC = {"Prefer": "respond-async", "Accept": "application/fhir+json"}


def local(url: str) -> str:
    return url.replace("http://localhost", "")


def kick_off(client, headers, path: str = "/fhir/$export") -> dict:  # type: ignore[no-untyped-def]
    started = client.get(path, headers={**headers, **ASYNC})
    assert started.status_code == 202, started.json
    status = client.get(local(started.headers["Content-Location"]), headers=headers)
    assert status.status_code == 200
    return status.json


def download(client, headers, manifest: dict) -> dict[str, list[dict]]:  # type: ignore[no-untyped-def]
    files = {}
    for output in manifest["output"]:
        response = client.get(local(output["url"]), headers=headers)
        assert response.status_code == 200
        assert response.mimetype == "application/fhir+ndjson"
        lines = [json.loads(line) for line in response.data.splitlines()]
        assert len(lines) == output["count"]
        files[output["type"]] = lines
    return files


def test_system_export_manifest_and_files(client, world) -> None:
    manifest = kick_off(client, world.integrator)
    assert manifest["requiresAccessToken"] is True and manifest["error"] == []
    files = download(client, world.integrator, manifest)
    assert {
        "Patient",
        "Observation",
        "QuestionnaireResponse",
        "Consent",
        "Flag",
        "Questionnaire",
        "CodeSystem",
        "ValueSet",
    } <= set(files)
    patients = {int(p["id"]) for p in files["Patient"]}
    # Consent respected: the client who wants to discuss first is not exported.
    assert world.undecided not in patients and world.agreed in patients
    assert all(
        o["subject"]["reference"] != f"Patient/{world.undecided}" for o in files["Observation"]
    )


def test_type_and_since_filters(client, world) -> None:
    manifest = kick_off(client, world.integrator, "/fhir/$export?_type=Flag,Consent")
    assert {o["type"] for o in manifest["output"]} == {"Flag", "Consent"}
    later = kick_off(client, world.integrator, "/fhir/$export?_since=2999-01-01T00:00:00Z")
    assert later["output"] == []


def test_patient_export_covers_the_compartment_for_a_clinician(client, world) -> None:
    manifest = kick_off(client, world.clinician, "/fhir/Patient/$export")
    files = download(client, world.clinician, manifest)
    assert "Questionnaire" not in files and "Practitioner" not in files
    patients = {int(p["id"]) for p in files["Patient"]}
    assert world.other not in patients  # dr-b's client
    # Consent applies whoever asks: not even the clinician's own export carries a client
    # who has not agreed to the record.
    assert world.undecided not in patients and world.agreed in patients


def test_files_hold_the_data_as_of_the_kick_off(app, client, world) -> None:
    started = client.get(
        "/fhir/$export?_type=QuestionnaireResponse", headers={**world.integrator, **ASYNC}
    )
    status_url = local(started.headers["Content-Location"])
    from tests.conftest import AuthActions
    from tests.intake_helpers import CALM_NOTE, submit_note

    web = app.test_client()
    AuthActions(web).login("dr-a")
    submit_note(web, world.encounters["open"], CALM_NOTE)  # after the kick-off
    manifest = client.get(status_url, headers=world.integrator).json
    files = download(client, world.integrator, manifest)
    encounters = {r["encounter"]["reference"] for r in files["QuestionnaireResponse"]}
    assert f"Encounter/{world.encounters['open']}" not in encounters
    # Downloading again (say after a broken connection) gives the very same file.
    url = local(manifest["output"][0]["url"])
    first = client.get(url, headers=world.integrator).data
    again = client.get(url, headers=world.integrator).data
    assert again == first and first.count(b"\n") == manifest["output"][0]["count"]


def test_kick_off_errors(client, world) -> None:
    no_prefer = client.get("/fhir/$export", headers=world.integrator)
    assert (
        no_prefer.status_code == 400
        and "respond-async" in no_prefer.json["issue"][0]["diagnostics"]
    )
    for query, fragment in (
        ("_type=Nope", "_type"),
        ("_outputFormat=text/csv", "NDJSON"),
        ("_since=soon", "_since"),
        ("_elements=id", "Unknown"),
    ):
        response = client.get(f"/fhir/$export?{query}", headers={**world.integrator, **ASYNC})
        assert (
            response.status_code == 400 and fragment in response.json["issue"][0]["diagnostics"]
        ), query


def test_jobs_belong_to_who_started_them(client, world, make) -> None:
    started = client.get("/fhir/$export", headers={**world.integrator, **ASYNC})
    url = local(started.headers["Content-Location"])
    stranger = bearer(make.token("dr-b", "system/*.read"))
    assert client.get(url, headers=stranger).status_code == 404
    assert client.delete(url, headers=world.integrator).status_code == 202
    assert client.get(url, headers=world.integrator).status_code == 404


def test_cli_export_writes_complete_files(app, world, runner, tmp_path) -> None:
    result = runner.invoke(
        args=["export", "--out", str(tmp_path / "out"), "--type", "Observation", "--type", "Flag"]
    )
    assert result.exit_code == 0, result.output
    lines = (tmp_path / "out" / "Observation.ndjson").read_text().splitlines()
    assert lines and all(json.loads(line)["resourceType"] == "Observation" for line in lines)
    assert not list((tmp_path / "out").glob("*.partial"))
    bad = runner.invoke(args=["export", "--out", str(tmp_path / "x"), "--type", "Nope"])
    assert bad.exit_code == 2


@pytest.mark.parametrize("all_versions", [False, True])
def test_cli_export_counts_versions_when_asked(
    app, world, runner, tmp_path, all_versions: bool
) -> None:
    from sqlalchemy import func, select

    from intake_ai.models import StoredResource
    from intake_ai.store.database import session

    args = ["export", "--out", str(tmp_path), "--type", "Observation"]
    runner.invoke(args=args + (["--all-versions"] if all_versions else []))
    lines = (tmp_path / "Observation.ndjson").read_text().splitlines()
    with app.app_context():
        query = (
            select(func.count())
            .select_from(StoredResource)
            .where(StoredResource.resource_type == "Observation", StoredResource.deleted.is_(False))
        )
        if not all_versions:
            query = query.where(StoredResource.is_current)
        assert len(lines) == session().scalar(query)


@pytest.mark.parametrize("since", [None, "2000-01-01"])
def test_cli_export_prints_the_lines_it_wrote_in_storage_order(
    app, world, runner, tmp_path, since: str | None
) -> None:
    from sqlalchemy import select

    from intake_ai.models import StoredResource
    from intake_ai.store.database import session

    args = ["export", "--out", str(tmp_path), "--type", "Observation"]
    result = runner.invoke(args=args + (["--since", since] if since else []))
    assert result.exit_code == 0, result.output
    data = (tmp_path / "Observation.ndjson").read_bytes()
    with app.app_context():
        stored = session().scalars(
            select(StoredResource.content)
            .where(
                StoredResource.resource_type == "Observation",
                StoredResource.is_current,
                StoredResource.deleted.is_(False),
            )
            .order_by(StoredResource.pk)
        )
        # The stored bytes as they are, one a line, in storage order.
        assert data == b"".join(bytes(content) + b"\n" for content in stored)
    assert int(result.stdout.split()[0]) == data.count(b"\n") > 0

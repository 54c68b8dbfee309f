"""The CapabilityStatement against R4 itself (each search parameter's definition is the R4
SearchParameter of that name, type and resource type), and against the server: every
interaction, search parameter, include and operation it claims works, and what it does
not claim is refused with an OperationOutcome."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from tests.conftest import bearer
from tests.r4_definitions import r4_search_parameters
from tests.test_fhir_operation_definitions import call_as_defined, served_definition


def test_search_parameter_definitions_are_the_r4_ones(client) -> None:
    r4 = r4_search_parameters()
    statement = client.get("/fhir/metadata").json
    checked = 0
    for entry in statement["rest"][0]["resource"]:
        kind = entry["type"]
        for param in entry.get("searchParam", []):
            where = f"{kind}.{param['name']}"
            if "definition" not in param:
                # A local parameter: R4 must indeed define none of that name for the type.
                assert not [
                    d for d in r4.values() if d["code"] == param["name"] and kind in d["base"]
                ], where
                continue
            definition = r4.get(param["definition"])
            assert definition is not None, f"{where}: {param['definition']} is not in R4"
            assert definition["code"] == param["name"], where
            assert definition["type"] == param["type"], where
            assert kind in definition["base"] or "Resource" in definition["base"], where
            checked += 1
    assert checked > 30


# Every claim, walked -------------------------------------------------------------------

FHIR = {"Content-Type": "application/fhir+json"}
#: Interactions a CapabilityStatement may claim for a type; what is not claimed is refused.
TYPE_LEVEL = {"create": "POST", "search-type": "GET"}
INSTANCE_LEVEL = {"update": "PUT", "delete": "DELETE", "patch": "PATCH"}
DAY = timedelta(days=1)


def _outcome(response, *statuses: int) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code in statuses, (response.request.path, response.status_code)
    assert response.json["resourceType"] == "OperationOutcome"


def _value(param: dict, world, kind: str) -> str:  # type: ignore[no-untyped-def]
    if param["type"] == "date":
        return "ge2000-01-01"
    if param["type"] == "token":
        return "x"
    if param["type"] == "uri" or param["name"] == "questionnaire":
        return "http://intake-ai.org/fhir/Questionnaire/ai-use-intake"
    if param["name"] == "encounter":
        return f"Encounter/{world.encounters['agreed']}"
    return f"Patient/{world.agreed}"


def _any_id(client, headers, kind: str) -> dict:  # type: ignore[no-untyped-def]
    found = client.get(f"/fhir/{kind}?_count=1", headers=headers).json
    return found["entry"][0]["resource"]


def _new(app, world, kind: str) -> dict:  # type: ignore[no-untyped-def]
    """A resource of ``kind`` to create, written as the clinician dr-a's EHR would."""
    from datetime import UTC, datetime

    from tests.test_fhir_consent import user_id
    from tests.test_fhir_ehr_writes import encounter, patient
    from tests.test_fhir_write import note_response, practitioner

    dr_a = user_id(app, "dr-a")
    if kind == "Patient":
        return patient(app, "WALKED-1", dr_a)
    if kind == "Encounter":
        return encounter(world.agreed, dr_a, datetime.now(UTC))
    return note_response(world, practitioner(app, "dr-a"))


def test_every_capability_claim_works_and_the_rest_is_refused(app, client, world, make) -> None:
    from tests.test_fhir_write import note_response, practitioner

    token = {**world.clinician}
    auditor = bearer(make.token("ehr", "system/*.read", "system/AuditEvent.read"))
    statement = client.get("/fhir/metadata").json
    rest = statement["rest"][0]
    r4 = r4_search_parameters()
    checked = 0
    for entry in rest["resource"]:
        kind = entry["type"]
        headers = auditor if kind == "AuditEvent" else token
        claimed = {i["code"] for i in entry["interaction"]}
        sample = _any_id(client, headers, kind)
        one = f"/fhir/{kind}/{sample['id']}"
        for code in claimed:
            if code == "read":
                assert client.get(one, headers=headers).status_code == 200
            elif code == "vread":
                version = sample["meta"].get("versionId", "1")
                assert client.get(f"{one}/_history/{version}", headers=headers).status_code == 200
            elif code == "history-instance":
                assert client.get(f"{one}/_history", headers=headers).json["type"] == "history"
            elif code == "history-type":
                assert (
                    client.get(f"/fhir/{kind}/_history", headers=headers).json["type"] == "history"
                )
            elif code == "search-type":
                assert client.get(f"/fhir/{kind}", headers=headers).json["type"] == "searchset"
                if kind != "AuditEvent":
                    posted = client.post(
                        f"/fhir/{kind}/_search", headers=headers, data={"_count": "1"}
                    )
                    assert posted.json["type"] == "searchset", (kind, posted.json)
            elif code == "create":
                made = client.post(
                    f"/fhir/{kind}",
                    headers={**headers, **FHIR},
                    data=json.dumps(_new(app, world, kind)),
                )
                assert made.status_code == 201, (kind, made.json)
                if kind == "QuestionnaireResponse":
                    sample = made.json
            elif code == "update":
                body = {k: v for k, v in sample.items() if k != "meta"}
                if kind == "Observation":
                    body["note"] = [*sample.get("note", []), {"text": "Walked."}]
                updated = client.put(
                    f"/fhir/{kind}/{sample['id']}",
                    headers={**headers, **FHIR},
                    data=json.dumps(body),
                )
                assert updated.status_code == 200, (kind, updated.json)
            else:
                raise AssertionError(f"{kind}: no check for the claimed interaction {code}")
            checked += 1
        for code, method in TYPE_LEVEL.items():
            if code not in claimed:
                refused = client.open(f"/fhir/{kind}", method=method, headers=headers)
                _outcome(refused, 405)
        for code, method in INSTANCE_LEVEL.items():
            if code not in claimed:
                _outcome(client.open(one, method=method, headers=headers), 405)
        declared = {p["name"] for p in entry.get("searchParam", [])}
        for param in entry.get("searchParam", []):
            value = _value(param, world, kind)
            found = client.get(
                f"/fhir/{kind}", query_string={param["name"]: value}, headers=headers
            )
            assert found.status_code == 200, (kind, param["name"], found.json)
            assert found.json["type"] == "searchset"
            checked += 1
        # R4 parameters of this type that are not claimed are refused, not ignored.
        unclaimed = sorted(
            {d["code"] for d in r4.values() if kind in d["base"]} - declared - {"_id"}
        )[:8]
        for name in [*unclaimed, "colour"]:
            _outcome(client.get(f"/fhir/{kind}?{name}=x", headers=headers), 400)
        for include in entry.get("searchInclude", []):
            found = client.get(f"/fhir/{kind}?_include={include}", headers=headers)
            assert found.status_code == 200, (kind, include, found.json)
            checked += 1
        for include in entry.get("searchRevInclude", []):
            found = client.get(f"/fhir/{kind}?_revinclude={include}", headers=headers)
            assert found.status_code == 200, (kind, include, found.json)
            checked += 1
        if kind != "AuditEvent":
            _outcome(client.get(f"/fhir/{kind}?_include={kind}:no-such", headers=headers), 400)
        claimed_operations = {o["name"] for o in entry.get("operation", [])}
        for name in claimed_operations:
            if name == "validate":
                checked_body = client.post(
                    f"/fhir/{kind}/$validate",
                    headers={**headers, **FHIR},
                    data=json.dumps({**{k: v for k, v in sample.items() if k != "meta"}}),
                )
                assert checked_body.status_code == 200, (kind, checked_body.json)
            elif name == "export":
                # Group export is of one Group (instance level); Patient export of them all.
                where = one if kind == "Group" else f"/fhir/{kind}"
                kicked = client.get(
                    f"{where}/$export", headers={**auditor, "Prefer": "respond-async"}
                )
                assert kicked.status_code == 202
            elif name == "extract":
                body = {**note_response(world, practitioner(app, "dr-a")), "status": "completed"}
                extracted = client.post(
                    f"/fhir/{kind}/$extract", headers={**headers, **FHIR}, data=json.dumps(body)
                )
                assert extracted.json["type"] == "transaction", extracted.json
            elif name in ("expand", "lookup", "validate-code"):
                code = (
                    sample["concept"][0]["code"]
                    if kind == "CodeSystem"
                    else sample["compose"]["include"][0]["concept"][0]["code"]
                )
                query = "" if name == "expand" else f"?code={code}"
                if kind == "ValueSet" and name == "validate-code":
                    query += f"&system={sample['compose']['include'][0]['system']}"
                answered = client.get(f"{one}/${name}{query}", headers=headers)
                assert answered.status_code == 200, (kind, name, answered.json)
                expected = "ValueSet" if name == "expand" else "Parameters"
                assert answered.json["resourceType"] == expected
            elif name == "everything":
                everything = client.get(f"{one}/$everything", headers=headers)
                assert everything.json["type"] == "searchset"
            elif name == "checkin-link":
                # The module's own operation: called as its served definition declares.
                definition = next(o for o in entry["operation"] if o["name"] == name)
                declared = served_definition(client, headers, definition["definition"])
                assert declared["code"] == name and declared["resource"] == [kind]
                ahead = make.encounter(world.agreed, "dr-a", start=datetime.now(UTC) + DAY)
                call_as_defined(client, headers, declared, f"/fhir/{kind}/{ahead}")
            else:
                raise AssertionError(f"{kind}: no check for the claimed operation {name}")
            checked += 1
        for name in {"lastn", "stats", "summary", "meta"} - claimed_operations:
            _outcome(client.get(f"/fhir/{kind}/${name}", headers=headers), 400, 404, 405)
    # The whole system.
    system = {i["code"] for i in rest.get("interaction", [])}
    assert system == {"batch", "history-system"}
    batch = client.post(
        "/fhir",
        headers={**token, **FHIR},
        data=json.dumps({"resourceType": "Bundle", "type": "batch", "entry": []}),
    )
    assert batch.json["type"] == "batch-response"
    assert client.get("/fhir/_history", headers=token).json["type"] == "history"
    transaction = {"resourceType": "Bundle", "type": "transaction", "entry": []}
    _outcome(client.post("/fhir", headers={**token, **FHIR}, data=json.dumps(transaction)), 400)
    _outcome(client.get("/fhir/?_id=1", headers=token), 405)  # search-system
    for operation in rest["operation"]:
        assert operation["name"] == "export"
        kicked = client.get("/fhir/$export", headers={**auditor, "Prefer": "respond-async"})
        assert kicked.status_code == 202
    assert checked > 150

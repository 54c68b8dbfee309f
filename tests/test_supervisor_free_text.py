"""Free text reaches a supervisor only where the clinician shared it: over the API (read,
vread, history, search, _include, $export) as on the pages (client page, banner, flag pages,
record versions). Everyone else is served the stored bytes as they are."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest
from sqlalchemy import select

from intake_ai.models import StoredResource
from intake_ai.store.database import session
from tests.api_world import World
from tests.conftest import AuthActions, bearer
from tests.test_fhir_consent import user_id
from tests.test_fhir_export import download, kick_off

#: Typed by people, never shared for supervision: none may reach the supervisor.
PRIVATE = (
    "Planned an apology to my sister",  # intake: a free-text answer (helped-detail)
    "Loneliness at night",  # session note: a free-text answer (themes-other)
    "Private working note",  # an annotation not shared
    "Talks to the bot about the voices",  # a flag's reason, raised by hand
    "Override because of the family crisis",  # an override's reason
    "Called the client the same day",  # an acknowledgement's note
    "Filed under the wrong session",  # an entered-in-error reason
)
SHARED = "Please discuss in supervision"


@dataclass
class Clinic:
    world: World
    supervisor: dict[str, str]
    hand_flag: str
    acknowledged_flag: str
    review: str
    panel: str


def _first(client, headers, query: str) -> dict:  # type: ignore[no-untyped-def]
    response = client.get(f"/fhir/{query}", headers=headers)
    assert response.status_code == 200, response.json
    return response.json["entry"][0]["resource"]


@pytest.fixture
def clinic(app, make, world) -> Clinic:  # type: ignore[no-untyped-def]
    """dr-a's records of the agreed client, with every kind of typed text, made in the pages."""
    web = app.test_client()
    AuthActions(web).login("dr-a")
    agreed, mine = world.agreed, world.clinician
    panel = _first(
        web, mine, f"Observation?patient={agreed}&code=session-note-panel&_sort=-date&_count=1"
    )
    for text, shared in (("Private working note", "false"), (SHARED, "true")):
        added = web.post(
            f"/records/Observation/{panel['id']}/annotations", data={"text": text, "shared": shared}
        )
        assert added.status_code == 302
    raised = web.post(
        f"/clients/{agreed}/flags/new",
        data={"kind": "flag-delusion-reinforcement", "reason": PRIVATE[3]},
    )
    assert raised.status_code == 302
    indicator = _first(
        web, mine, f"Observation?patient={agreed}&code=dependency-indicator&_sort=-date&_count=1"
    )
    reviewed = web.post(
        f"/indicator/{indicator['id']}/review",
        data={"review": "override", "band": "band-high", "reason": PRIVATE[4]},
    )
    assert reviewed.status_code == 302
    flags = client_flags(web, mine, agreed)
    hand = next(f for f in flags if f["code"]["coding"][0]["code"] == "flag-delusion-reinforcement")
    other = next(f for f in flags if f["id"] != hand["id"] and f["status"] == "active")
    acknowledged = web.post(
        f"/flags/{other['id']}/acknowledge",
        data={
            "note": PRIVATE[5],
            "owner": str(user_id(app, "dr-a")),
            "base_version": other["meta"]["versionId"],
        },
    )
    assert acknowledged.status_code == 302
    first_note = _first(web, mine, f"QuestionnaireResponse?encounter={world.encounters['note1']}")
    marked = web.post(
        f"/records/QuestionnaireResponse/{first_note['id']}/entered-in-error",
        data={"reason": PRIVATE[6]},
    )
    assert marked.status_code == 302
    review = _first(web, mine, f"Observation?patient={agreed}&code=indicator-review")
    return Clinic(
        world,
        bearer(make.token("sup", "system/*.read")),
        hand["id"],
        other["id"],
        review["id"],
        panel["id"],
    )


def client_flags(client, headers, client_id: int) -> list[dict]:  # type: ignore[no-untyped-def]
    bundle = client.get(f"/fhir/Flag?patient={client_id}&_count=100", headers=headers).json
    return [e["resource"] for e in bundle["entry"]]


def assert_nothing_private(text: str) -> None:
    leaked = [p for p in PRIVATE if p in text]
    assert leaked == [], leaked


def is_redacted(resource: dict) -> bool:
    return any(
        label["code"] == "REDACTED"
        and label["system"] == "http://terminology.hl7.org/CodeSystem/v3-ObservationValue"
        for label in resource.get("meta", {}).get("security", [])
    )


def test_every_api_read_path_serves_a_supervisor_structured_data_only(app, client, clinic) -> None:
    sup, agreed = clinic.supervisor, clinic.world.agreed
    served: list[str] = []

    def get(path: str) -> dict:
        response = client.get(f"/fhir/{path}", headers=sup)
        assert response.status_code == 200, (path, response.json)
        served.append(response.get_data(as_text=True))
        return response.json

    bundles = [
        get(f"{kind}?patient={agreed}&_count=500")
        for kind in ("QuestionnaireResponse", "Observation", "Flag")
    ]
    bundles.append(get(f"QuestionnaireResponse?patient={agreed}&status=entered-in-error"))
    bundles.append(
        get(f"Observation?patient={agreed}&_include=Observation:derived-from&_count=500")
    )
    for kind in ("QuestionnaireResponse", "Observation", "Flag"):
        get(f"{kind}/_history?_count=500")
    resources = [e["resource"] for b in bundles for e in b.get("entry", []) if "resource" in e]
    assert any(e.get("search", {}).get("mode") == "include" for b in bundles for e in b["entry"])
    for resource in resources:
        path = f"{resource['resourceType']}/{resource['id']}"
        get(path)
        get(f"{path}/_history")
        get(f"{path}/_history/{resource['meta']['versionId']}")
        get(f"{path}/_history/1")
    files = download(client, sup, kick_off(client, sup))
    served += [json.dumps(line) for lines in files.values() for line in lines]

    for text in served:
        assert_nothing_private(text)
    everything = "\n".join(served)
    # What the clinician shared is there; structured answers too.
    assert SHARED in everything and "dpw-5-6" in everything and "crisis-self-harm" in everything
    # Every copy that lost something says so; the rest are served as stored.
    by_id = {r["id"]: r for r in resources}
    for ident in (clinic.hand_flag, clinic.acknowledged_flag, clinic.review, clinic.panel):
        assert is_redacted(by_id[ident]), by_id[ident]
    # A redacted copy is still a valid resource.
    from fhir_mappings.validation import validate

    for resource in resources:
        if is_redacted(resource):
            assert validate(resource) == [], resource
    hand = by_id[clinic.hand_flag]
    assert hand["code"]["text"] == hand["code"]["coding"][0]["display"]
    acknowledgement = next(
        e for e in by_id[clinic.acknowledged_flag]["extension"] if "ack" in e["url"]
    )
    assert {p["url"] for p in acknowledgement["extension"]} == {"owner", "acknowledgedBy", "time"}


def test_everyone_else_keeps_the_stored_bytes(app, client, clinic) -> None:
    for headers in (clinic.world.integrator, clinic.world.clinician):
        for ident, kind in (
            (clinic.hand_flag, "Flag"),
            (clinic.review, "Observation"),
            (clinic.panel, "Observation"),
        ):
            with app.app_context():
                stored = (
                    session()
                    .scalars(
                        select(StoredResource.content).where(
                            StoredResource.resource_id == ident, StoredResource.is_current
                        )
                    )
                    .one()
                )
            response = client.get(f"/fhir/{kind}/{ident}", headers=headers)
            assert response.data == stored
    text = client.get(
        f"/fhir/Flag?patient={clinic.world.agreed}", headers=clinic.world.integrator
    ).get_data(as_text=True)
    assert PRIVATE[3] in text and PRIVATE[5] in text


def test_supervisor_pages_hide_typed_reasons_and_notes(app, client, auth, clinic) -> None:
    auth.login("sup")
    agreed = clinic.world.agreed
    pages = {
        "client page (and its banner)": f"/clients/{agreed}",
        "dashboard": "/supervision",
        "acknowledged flag": f"/flags/{clinic.acknowledged_flag}/acknowledge",
        "flag raised by hand": f"/flags/{clinic.hand_flag}/acknowledge",
        "flag version": f"/records/Flag/{clinic.hand_flag}/_history/1",
        "review version": f"/records/Observation/{clinic.review}/_history/1",
    }
    for name, url in pages.items():
        page = client.get(url)
        assert page.status_code == 200, (name, page.status_code)
        text = page.get_data(as_text=True)
        assert_nothing_private(text)
        if name == "client page (and its banner)":
            assert SHARED in text and "delusional beliefs" in text and "overridden" in text
    # The clinician of record still reads every word on the same pages.
    auth.logout()
    auth.login("dr-a")
    text = client.get(f"/clients/{agreed}").get_data(as_text=True)
    assert PRIVATE[3] in text and PRIVATE[4] in text
    assert PRIVATE[5] in client.get(f"/flags/{clinic.acknowledged_flag}/acknowledge").get_data(
        as_text=True
    )


def test_redaction_keeps_what_is_shared_or_the_readers_own() -> None:
    """The pure rule on its own: shared items and notes stay; so does the reader's own note."""
    from fhir_mappings.codes import REDACTED
    from fhir_mappings.redaction import redact_free_text

    response = {
        "resourceType": "QuestionnaireResponse",
        "status": "completed",
        "item": [
            {"linkId": "a", "answer": [{"valueString": "secret"}]},
            {
                "linkId": "b",
                "extension": [
                    {
                        "url": "http://intake-ai.org/fhir/StructureDefinition/"
                        "annotation-shared-for-supervision",
                        "valueBoolean": True,
                    }
                ],
                "answer": [{"valueString": "shared words"}],
            },
            {"linkId": "c", "answer": [{"valueCoding": {"code": "yes"}}]},
            {"linkId": "d", "extension": [{"url": "x", "valueCode": "asked-declined"}]},
        ],
    }
    redacted = redact_free_text(response)
    assert [i["linkId"] for i in redacted["item"]] == ["b", "c", "d"]
    assert REDACTED in redacted["meta"]["security"]
    assert response["item"][0]["answer"] == [{"valueString": "secret"}]  # the input is untouched
    structured = {**response, "item": response["item"][2:]}
    assert redact_free_text(structured) is structured
    edited = {
        **structured,
        "extension": [
            {
                "url": "http://intake-ai.org/fhir/StructureDefinition/change-reason",
                "valueString": "client corrected the days",
            }
        ],
    }
    assert "extension" not in redact_free_text(edited)
    flag = {
        "resourceType": "Flag",
        "code": {"coding": [{"code": "k", "display": "Kind"}], "text": "Kind (typed words)"},
        "extension": [
            {
                "url": "http://intake-ai.org/fhir/StructureDefinition/flag-acknowledgement",
                "extension": [
                    {"url": "note", "valueString": "my own note"},
                    {"url": "acknowledgedBy", "valueReference": {"reference": "Practitioner/9"}},
                ],
            }
        ],
    }
    mine = redact_free_text(flag, viewer="Practitioner/9")
    assert mine["code"]["text"] == "Kind"
    assert mine["extension"][0]["extension"][0] == {"url": "note", "valueString": "my own note"}


def test_exported_lines_are_the_bytes_a_read_serves_the_same_caller(app, client, clinic) -> None:
    # The files join the stored bytes batch by batch (redacted copies for a supervisor):
    # each line must still be exactly what reading that resource serves the same token.
    for headers in (clinic.supervisor, clinic.world.integrator):
        manifest = kick_off(client, headers, "/fhir/$export?_type=Observation,Flag")
        redacted = 0
        for output in manifest["output"]:
            data = client.get(output["url"].replace("http://localhost", ""), headers=headers).data
            assert data.endswith(b"\n") and b"\n\n" not in data
            lines = data.split(b"\n")[:-1]
            assert len(lines) == output["count"]
            for line in lines:
                resource = json.loads(line)
                read = client.get(
                    f"/fhir/{resource['resourceType']}/{resource['id']}", headers=headers
                )
                assert read.data == line, resource["id"]
                redacted += is_redacted(resource)
        # The supervisor's file holds redacted copies; the integrator's, the stored bytes.
        assert (redacted > 0) == (headers is clinic.supervisor), redacted

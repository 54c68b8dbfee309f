"""CDS Hooks 2.0: discovery and the patient-view service, called as an EHR would, with
request JWTs signed by PyJWT (the server verifies with joserfc), and every answer checked
against the spec's response schema (tests/cds_hooks_schema.json) with jsonschema."""

from __future__ import annotations

import json
import time
import uuid
from pathlib import Path
from typing import Any

import jsonschema
import jwt
import pytest
from sqlalchemy import select

from intake_ai.models import AuditRecord
from intake_ai.store.database import session
from tests.smart_helpers import BackendClient

SCHEMA = json.loads((Path(__file__).parent / "cds_hooks_schema.json").read_text())
ISSUER = "https://ehr.example.org"
SERVICE = "/cds-services/intake-ai-red-flags"
AUDIENCE = "http://localhost" + SERVICE


def valid(document: Any, kind: str) -> None:
    schema = {**SCHEMA, "$ref": f"#/$defs/{kind}"}
    jsonschema.validate(
        document, schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )


@pytest.fixture
def ehr(app, world) -> BackendClient:  # type: ignore[no-untyped-def]
    """The EHR's signing key, configured as a trusted CDS client acting as 'ehr'."""
    key = BackendClient(ISSUER, "ES384")
    app.config["INTAKE_AI_CDS_CLIENTS"] = {ISSUER: {"jwks": json.loads(key.jwks()), "user": "ehr"}}
    return key


def signed(key: BackendClient, **overrides: Any) -> str:
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": ISSUER,
        "sub": "cds-client",
        "aud": AUDIENCE,
        "iat": now,
        "exp": now + 120,
        "jti": uuid.uuid4().hex,
    }
    claims.update(overrides)
    claims = {k: v for k, v in claims.items() if v is not None}
    return jwt.encode(
        claims, key.private_key, algorithm=key.algorithm, headers={"kid": key.kid, "typ": "JWT"}
    )


def request_body(patient_id: str, **context: Any) -> dict[str, Any]:
    return {
        "hook": "patient-view",
        "hookInstance": str(uuid.uuid4()),
        "fhirServer": "https://ehr.example.org/fhir",
        "context": {"userId": "Practitioner/ehr-77", "patientId": patient_id, **context},
    }


def call(client, token: str | None, body: Any) -> Any:  # type: ignore[no-untyped-def]
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return client.post(SERVICE, json=body, headers=headers)


def test_discovery_names_the_patient_view_service(client) -> None:
    answer = client.get("/cds-services")
    assert answer.status_code == 200
    valid(answer.json, "discovery")
    (service,) = answer.json["services"]
    assert service["hook"] == "patient-view" and SERVICE.endswith(service["id"])
    assert service["prefetch"] == {}  # prefetch is not used: none is asked for


def test_review_now_flags_and_the_band_as_cards(app, client, world, ehr) -> None:
    answer = call(client, signed(ehr), request_body("EHR-AGREED"))
    assert answer.status_code == 200, answer.json
    valid(answer.json, "response")
    cards = answer.json["cards"]
    critical = [c for c in cards if c["indicator"] == "critical"]
    assert critical and all(c["summary"].startswith("Review now: ") for c in critical)
    assert any("crisis" in c["summary"] for c in critical)  # the worrying note's crisis use
    band = cards[-1]
    assert band["indicator"] in ("info", "warning") and "band (provisional)" in band["summary"]
    assert all(len(c["summary"]) <= 140 for c in cards)
    link = band["links"][0]
    assert link["type"] == "absolute" and link["url"] == f"http://localhost/clients/{world.agreed}"
    # Nothing the clinician typed reaches a card.
    assert "Loneliness at night" not in json.dumps(answer.json)
    with app.app_context():
        entry = session().scalars(select(AuditRecord).order_by(AuditRecord.id.desc())).first()
        assert entry.client_id == world.agreed and entry.agent_name == "ehr"
        assert "Practitioner/ehr-77" in entry.detail


def test_consent_and_access_rules_hold(client, world, ehr) -> None:
    for patient in ("EHR-UNDECIDED", "EHR-NOBODY"):
        answer = call(client, signed(ehr), request_body(patient))
        assert answer.status_code == 200 and answer.json == {"cards": []}, patient
    # Another clinician's client who agreed is read like any integrator read.
    other = call(client, signed(ehr), request_body("EHR-OTHER"))
    valid(other.json, "response")
    assert other.json["cards"]


@pytest.mark.parametrize(
    "claims, reason",
    [
        ({"aud": "http://localhost/cds-services/other"}, "aud"),
        ({"exp": int(time.time()) - 120}, "exp"),
        ({"exp": int(time.time()) + 3600}, "five minutes"),
        ({"jti": None}, "jti"),
        ({"iat": None}, "iat"),
        ({"iss": "https://stranger.example.org"}, "issuer"),
    ],
)
def test_untrusted_tokens_are_refused(client, world, ehr, claims, reason) -> None:
    answer = call(client, signed(ehr, **claims), request_body("EHR-AGREED"))
    assert answer.status_code == 401 and reason in answer.json["reason"], answer.json
    assert "cards" not in answer.json


def test_wrong_key_replay_and_no_token_are_refused(app, client, world, ehr) -> None:
    impostor = BackendClient(ISSUER, "ES384")
    assert call(client, signed(impostor), request_body("EHR-AGREED")).status_code == 401
    token = signed(ehr)
    assert call(client, token, request_body("EHR-AGREED")).status_code == 200
    again = call(client, token, request_body("EHR-AGREED"))
    assert again.status_code == 401 and "used before" in again.json["reason"]
    assert call(client, None, request_body("EHR-AGREED")).status_code == 401
    hmac = jwt.encode({"iss": ISSUER, "aud": AUDIENCE}, "secret-key-long-enough-for-hs256-use")
    assert call(client, hmac, request_body("EHR-AGREED")).status_code == 401
    with app.app_context():
        refusals = session().scalars(
            select(AuditRecord).where(AuditRecord.entity == "cds-services")
        )
        assert sum(1 for r in refusals if r.outcome != "0") >= 4


def test_bad_requests_say_what_is_wrong(client, world, ehr) -> None:
    wrong_hook = call(client, signed(ehr), {**request_body("EHR-AGREED"), "hook": "order-sign"})
    assert wrong_hook.status_code == 400 and "hook" in wrong_hook.json["reason"]
    no_patient = request_body("EHR-AGREED")
    del no_patient["context"]["patientId"]
    answer = call(client, signed(ehr), no_patient)
    assert answer.status_code == 400 and "context.patientId" in answer.json["reason"]
    unknown = client.post(
        "/cds-services/nope",
        json=request_body("EHR-AGREED"),
        headers={
            "Authorization": f"Bearer {signed(ehr, aud='http://localhost/cds-services/nope')}"
        },
    )
    assert unknown.status_code == 404


def test_an_acknowledged_flag_leaves_the_cards(app, client, world, ehr) -> None:
    from intake_ai.models import StoredResource, User
    from tests.conftest import AuthActions

    before = call(client, signed(ehr), request_body("EHR-AGREED")).json["cards"]
    critical = [c for c in before if c["indicator"] == "critical"]
    with app.app_context():
        flags = session().scalars(
            select(StoredResource.resource_id).where(
                StoredResource.resource_type == "Flag",
                StoredResource.client_id == world.agreed,
                StoredResource.is_current,
                StoredResource.status == "active",
            )
        )
        flag_ids = list(flags)
        owner = session().scalars(select(User.id).where(User.username == "dr-a")).one()
    web = app.test_client()
    AuthActions(web).login("dr-a")
    for flag_id in flag_ids:
        done = web.post(
            f"/flags/{flag_id}/acknowledge",
            data={"note": "Risk assessment done in session.", "owner": str(owner)},
        )
        assert done.status_code == 302, done.data
    after = call(client, signed(ehr), request_body("EHR-AGREED")).json
    valid(after, "response")
    assert critical and not [c for c in after["cards"] if c["indicator"] == "critical"]
    assert [c["summary"] for c in after["cards"]] == [before[-1]["summary"]]  # the band stays

"""Bearer tokens and SMART-style scopes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from intake_ai.auth.scopes import Scope, ScopeError, allows, parse_scope
from intake_ai.models import ApiToken
from intake_ai.store.database import session, transaction, utcnow
from tests.conftest import bearer


@pytest.mark.parametrize(
    ("text", "resource_type", "modes"),
    [
        ("system/Observation.read", "Observation", {"read"}),
        ("system/*.read", "*", {"read"}),
        ("user/Flag.write", "Flag", {"write"}),
        ("system/*.*", "*", {"read", "write"}),
        ("system/Observation.rs", "Observation", {"read"}),
        ("system/QuestionnaireResponse.cu", "QuestionnaireResponse", {"write"}),
        ("system/*.cruds", "*", {"read", "write"}),
    ],
)
def test_scopes_parse(text: str, resource_type: str, modes: set[str]) -> None:
    assert parse_scope(text) == Scope(resource_type, frozenset(modes))


@pytest.mark.parametrize(
    "text",
    [
        "Observation.read",
        "system/observation.read",
        "system/Observation.delete",
        "system/Nope.read",
        "system/Observation.readx",
        "system/Observation.xyz",
    ],
)
def test_malformed_scopes_are_refused(text: str) -> None:
    with pytest.raises(ScopeError):
        parse_scope(text)


def test_wildcard_never_reaches_the_audit_trail() -> None:
    assert allows([parse_scope("system/*.read")], "Observation", "read")
    assert not allows([parse_scope("system/*.read")], "AuditEvent", "read")
    assert allows([parse_scope("system/AuditEvent.read")], "AuditEvent", "read")
    assert not allows([parse_scope("system/*.read")], "Observation", "write")


def test_token_is_stored_as_a_digest_only(app, make) -> None:
    make.user("integrator", "ehr")
    secret = make.token("ehr", "system/*.read")
    with app.app_context():
        row = session().scalars(select(ApiToken)).one()
        assert secret not in row.token_hash
        assert len(row.token_hash) == 64


def test_token_scope_narrows_what_it_reads(client, make) -> None:
    make.user("integrator", "ehr")
    only_observations = make.token("ehr", "system/Observation.read")
    everything = make.token("ehr", "system/*.read")
    clinician = make.user()
    client_id = make.client(clinician)
    from intake_ai.models import ConsentState
    from tests.test_access import set_consent

    set_consent(client.application, client_id, ConsentState.ACTIVE)
    assert client.get(f"/fhir/Patient/{client_id}", headers=bearer(everything)).status_code == 200
    refused = client.get(f"/fhir/Patient/{client_id}", headers=bearer(only_observations))
    assert refused.status_code == 403
    assert refused.json["issue"][0]["code"] == "forbidden"


def test_revoked_and_expired_tokens_are_refused(app, client, make) -> None:
    make.user("integrator", "ehr")
    revoked = make.token("ehr")
    expired = make.token("ehr")
    with app.app_context(), transaction():
        rows = session().scalars(select(ApiToken).order_by(ApiToken.id)).all()
        rows[0].revoked_at = utcnow()
        rows[1].expires_at = utcnow() - timedelta(minutes=1)
    for secret in (revoked, expired):
        assert client.get("/fhir/Patient/1", headers=bearer(secret)).status_code == 401
    assert client.get("/fhir/Patient/1", headers={"Authorization": "Basic abc"}).status_code == 401

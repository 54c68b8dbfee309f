"""An admin sees no clinical content in the audit trail, over the API or on the "Audit trail"
page (/admin/audit): who, what kind of thing, when, outcome, from where; never which client,
which record, a flag's kind, a consent decision or an override. Viewing it is audited."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, insert, select

from intake_ai.models import AuditRecord
from intake_ai.store.database import session, transaction
from tests.conftest import AuthActions, bearer

#: Entries on one page of /admin/audit (intake_ai.audit_trail.service.PAGE_SIZE).
PAGE_SIZE = 100


def clinical_words(app) -> set[str]:  # type: ignore[no-untyped-def]
    """What the clinic's audit details and references say that an admin must never see."""
    with app.app_context():
        rows = session().execute(select(AuditRecord.detail, AuditRecord.entity)).all()
    details = {d for d, _e in rows if d}
    assert any(d.startswith("flag-") for d in details), details  # flag kinds are on file
    assert {"consent active", "consent proposed"} <= details
    references = {e for _d, e in rows if e and "/" in e and not e.startswith("/")}
    return details | references


@pytest.fixture
def reviewed(app, world):  # type: ignore[no-untyped-def]
    """The clinic, with an override on file too."""
    web = app.test_client()
    AuthActions(web).login("dr-a")
    indicator = web.get(
        f"/fhir/Observation?patient={world.agreed}&code=dependency-indicator&_count=1",
        headers=world.clinician,
    ).json["entry"][0]["resource"]
    web.post(
        f"/indicator/{indicator['id']}/review",
        data={"review": "override", "band": "band-high", "reason": "Seen in person"},
    )
    return world


def test_an_admin_token_reads_the_audit_trail_content_free(app, client, make, reviewed) -> None:
    make.user("admin", "root")
    admin = bearer(make.token("root", "system/AuditEvent.read"))
    words = clinical_words(app)
    assert "override" in words
    bundle = client.get("/fhir/AuditEvent?_count=500", headers=admin)
    assert bundle.status_code == 200
    events = [e["resource"] for e in bundle.json["entry"]]
    assert len(events) == bundle.json["total"] > 10
    for event in events:
        assert event["meta"]["security"][0]["code"] == "REDACTED"
        assert ":" not in event["outcomeDesc"], event["outcomeDesc"]
        for entity in event.get("entity", []):
            assert "reference" not in entity["what"], entity  # no record, no client
    text = bundle.get_data(as_text=True)
    leaked = sorted(w for w in words if f'"{w}"' in text or f": {w}" in text)
    assert leaked == []
    assert f"Patient/{reviewed.agreed}" not in text and "consent" not in text
    # Who, what kind of thing, when, outcome, from where: all there.
    create = next(e for e in events if e["subtype"][0]["code"] == "create")
    assert create["agent"][0]["who"]["display"] == "dr-a"
    assert create["recorded"] and create["outcome"] == "0"
    assert create["agent"][0]["network"]["address"] == "127.0.0.1"
    assert {e["entity"][0]["what"]["display"] for e in events if e.get("entity")} >= {
        "Flag",
        "Consent",
        "Observation",
    }
    # One entry read by id is as content-free; a search by client is refused.
    one = client.get(f"/fhir/AuditEvent/{create['id']}", headers=admin).json
    assert one == create
    by_patient = client.get(f"/fhir/AuditEvent?patient={reviewed.agreed}", headers=admin)
    assert by_patient.status_code == 403 and by_patient.json["resourceType"] == "OperationOutcome"


def test_an_integrator_keeps_what_it_may_see(app, client, make, reviewed) -> None:
    auditor = bearer(make.token("ehr", "system/AuditEvent.read"))
    text = client.get(
        f"/fhir/AuditEvent?patient={reviewed.agreed}&_count=500", headers=auditor
    ).get_data(as_text=True)
    assert "consent active" in text and f"Patient/{reviewed.agreed}" in text


def test_the_admin_audit_trail_page(app, client, auth, make, reviewed) -> None:
    make.user("admin", "root")
    words = clinical_words(app)
    auth.login("root")
    page = client.get("/admin/audit")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Audit trail" in text and "dr-a" in text and "127.0.0.1" in text
    rows = re.findall(r"<tr><td>(.*?)</tr>", text, re.S)
    with app.app_context():
        held = session().scalar(select(func.count()).select_from(AuditRecord)) or 0
    assert len(rows) == min(held - 1, PAGE_SIZE)  # all but this view's own entry
    cells = " ".join(rows)
    leaked = sorted(w for w in words if w in cells)
    assert leaked == []
    assert "Flag" in cells and "Consent" in cells
    with app.app_context():
        [viewed] = session().scalars(
            select(AuditRecord).where(AuditRecord.detail == "audit trail page")
        )
        assert (viewed.agent_name, viewed.operation) == ("root", "search-type")


def names_on(page_text: str) -> list[str]:
    return re.findall(r"<tr><td>[^<]*</td><td>([^<]*)</td>", page_text)


def test_the_audit_trail_page_filters_by_user_outcome_and_date(app, client, auth, make) -> None:
    make.user("admin", "root")
    old = datetime(2026, 1, 5, 12, tzinfo=UTC)
    with app.app_context(), transaction():
        base = {
            "user_id": None,
            "token_id": None,
            "agent_role": "clinician",
            "action": "R",
            "operation": "read",
            "entity": "Observation/abc",
            "entity_type": "Observation",
            "client_id": 7,
            "source_ip": "10.0.0.9",
            "user_agent": None,
            "detail": "flag-crisis-use",
        }
        session().execute(
            insert(AuditRecord),
            [
                {**base, "recorded": old, "agent_name": "dr-old", "outcome": "0"},
                {**base, "recorded": old + timedelta(days=1), "agent_name": "dr-x", "outcome": "4"},
            ],
        )
    auth.login("root")

    def names(query: str) -> set[str]:
        page = client.get(f"/admin/audit?{query}")
        assert page.status_code == 200, page.get_data(as_text=True)[:500]
        text = page.get_data(as_text=True)
        assert "flag-crisis-use" not in text and "abc" not in text
        return set(names_on(text))

    assert names("user=dr-old") == {"dr-old"}
    assert names("outcome=failure") == {"dr-x"}
    assert names("from=2026-01-05&to=2026-01-05") == {"dr-old"}
    assert names("from=2026-01-06&to=2026-01-06&outcome=success") == set()
    # Paged newest first, the filters kept from page to page.
    with app.app_context(), transaction():
        session().execute(
            insert(AuditRecord),
            [
                {**base, "recorded": old, "agent_name": "dr-many", "outcome": "0", "detail": str(n)}
                for n in range(PAGE_SIZE + 5)
            ],
        )
    first = client.get("/admin/audit?user=dr-many").get_data(as_text=True)
    assert names_on(first) == ["dr-many"] * PAGE_SIZE
    older = re.search(r'href="([^"]*before=\d+[^"]*)"', first)
    assert older is not None
    second = client.get(older.group(1).replace("&amp;", "&")).get_data(as_text=True)
    assert names_on(second) == ["dr-many"] * 5
    assert not re.search(r"before=\d+", second.split("Newest")[-1])
    bad = client.get("/admin/audit?from=yesterday&outcome=maybe")
    assert bad.status_code == 400
    text = bad.get_data(as_text=True)
    assert "Give a date as YYYY-MM-DD." in text and "Choose one of the listed outcomes." in text


@pytest.mark.parametrize("role", ["clinician", "supervisor", "integrator"])
def test_only_admins_open_the_audit_trail_page(app, client, auth, make, role: str) -> None:
    make.user(role, f"someone-{role}")
    auth.login(f"someone-{role}")
    assert client.get("/admin/audit").status_code == 403
    auth.logout()
    assert client.get("/admin/audit").status_code == 302  # anonymous: to sign-in


def test_the_page_size_here_is_the_services() -> None:
    from intake_ai.audit_trail import service

    assert service.PAGE_SIZE == PAGE_SIZE


def test_hostile_filters_get_field_errors_never_a_server_error(app, client, auth, make) -> None:
    from tests.test_bad_input import SEARCH_VALUES

    make.user("admin", "root")
    auth.login("root")
    for name in ("from", "to", "user", "outcome", "before"):
        for value in [*SEARCH_VALUES, "9999-12-31", "0001-01-01", "0"]:
            page = client.get("/admin/audit", query_string={name: value})
            assert page.status_code in (200, 400), (name, value)
            text = page.get_data(as_text=True)
            assert "<script>alert" not in text  # shown escaped, if at all
            if page.status_code == 400:
                assert 'class="error"' in text, (name, value)

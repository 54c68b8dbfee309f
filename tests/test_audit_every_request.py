"""Every request of the module leaves exactly one audit record, naming the patient when the
URL names one: a walk over every route of the module's blueprints, each allowed method,
anonymous and signed in as each role, with real ids of a small clinic and with unknown ones.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from intake_ai.audit import NOT_AUDITED
from intake_ai.models import ApiToken, AuditRecord, CheckIn, StoredResource, User
from intake_ai.store.database import session
from tests.api_world import World, build_world
from tests.checkin_helpers import issue as issue_checkin
from tests.conftest import AuthActions, bearer

#: Every role signs in to the pages; the API is called with each kind of token.
PAGE_PEOPLE = (None, "dr-a", "dr-b", "sup", "root", "ehr")
API_PEOPLE = (None, "ehr", "dr-a", "sup", "root")
#: Values for URL parameters that name nothing (in range), and that no route accepts.
UNKNOWN = {"int": 999_999, "str": "no-such-id"}
OUT_OF_RANGE = {"int": 10**20, "str": "x" * 65}


@dataclass
class Ids:
    """Real ids of the clinic, all of dr-a's client 'agreed' where a client is concerned."""

    values: dict[str, Any]
    fhir_ids: dict[str, str]
    client: int


def _current(app: Flask, resource_type: str, client_id: int | None, **where: Any) -> str:
    with app.app_context():
        query = select(StoredResource.resource_id).where(
            StoredResource.resource_type == resource_type,
            StoredResource.is_current,
            StoredResource.deleted.is_(False),
        )
        if client_id is not None:
            query = query.where(StoredResource.client_id == client_id)
        for name, value in where.items():
            query = query.where(getattr(StoredResource, name) == value)
        found = session().scalars(query.order_by(StoredResource.pk)).first()
        assert found is not None, (resource_type, where)
        return found


def _real_ids(app: Flask, world: World, web_a: FlaskClient, make: Any) -> Ids:
    agreed = world.agreed
    observation = _current(app, "Observation", agreed, code="dependency-indicator")
    added = web_a.post(
        f"/records/Observation/{observation}/annotations", data={"text": "Seen in session."}
    )
    assert added.status_code == 302
    with app.app_context():
        row = (
            session()
            .scalars(
                select(StoredResource).where(
                    StoredResource.resource_id == observation, StoredResource.is_current
                )
            )
            .one()
        )
        annotation = next(n["id"] for n in json.loads(row.content)["note"] if n.get("id"))
    kicked = web_a.application.test_client().get(
        "/fhir/$export", headers={**world.integrator, "Prefer": "respond-async"}
    )
    assert kicked.status_code == 202, kicked.data
    job = kicked.headers["Content-Location"].rsplit("/", 1)[1]
    response = _current(app, "QuestionnaireResponse", agreed)
    # A check-in link for a session ahead: the walk opens it, sends it, is refused by it.
    upcoming = make.encounter(agreed, "dr-a", start=datetime.now(UTC) + timedelta(days=2))
    secret = issue_checkin(web_a, upcoming)
    with app.app_context():
        link_id = session().scalars(select(CheckIn.id)).one()
    # Export figures a client sent with an earlier check-in, waiting for review.
    export_id = _sent_export(app, web_a, make, agreed)
    values = {
        "client_id": agreed,
        "encounter_id": world.encounters["open"],
        "response_id": response,
        "observation_id": observation,
        "flag_id": _current(app, "Flag", agreed),
        "annotation_id": annotation,
        "version_id": 1,
        "job_id": job,
        "group_id": "practice",
        "service_id": "intake-ai-red-flags",
        "resource_id": response,
        "filename": "css/intake_ai.css",
        "path": "Nowhere/1",
        "secret": secret,
        "link_id": link_id,
        "export_id": export_id,
    }
    fhir_ids = {
        "Patient": str(agreed),
        "Encounter": _current(app, "Encounter", agreed),
        "QuestionnaireResponse": response,
        "Observation": observation,
        "Consent": _current(app, "Consent", agreed),
        "Flag": values["flag_id"],
        "Practitioner": _current(app, "Practitioner", None),
        "Questionnaire": _current(app, "Questionnaire", None),
        "CodeSystem": _current(app, "CodeSystem", None),
        "ValueSet": _current(app, "ValueSet", None),
    }
    return Ids(values, fhir_ids, agreed)


def _sent_export(app: Flask, web: FlaskClient, make: Any, client_id: int) -> int:
    """A check-in sent with an export, through the client's page; the figures' row id."""
    import io

    from werkzeug.datastructures import FileStorage

    from intake_ai.demo.exports import export_zip
    from intake_ai.models import CheckInExport
    from tests.export_helpers import CONVERSATIONS

    ahead = make.encounter(client_id, "dr-a", start=datetime.now(UTC) + timedelta(days=3))
    secret = issue_checkin(web, ahead)
    upload = FileStorage(io.BytesIO(export_zip("claude", CONVERSATIONS)), "e.zip")
    sent = app.test_client().post(f"/check-in/{secret}", data={"export": upload})
    assert sent.status_code == 200, sent.get_data(as_text=True)[:500]
    with app.app_context():
        return int(session().scalars(select(CheckInExport.id)).one())


#: URL parameters that name one client's record, so that the request's entry names them.
NAMING = {
    "client_id",
    "encounter_id",
    "response_id",
    "observation_id",
    "flag_id",
    "secret",
    "link_id",
    "export_id",
}
CLINICAL = {"Patient", "Encounter", "QuestionnaireResponse", "Observation", "Consent", "Flag"}


def _fill(rule: Any, ids: Ids, kind: str) -> tuple[dict[str, Any], bool]:
    """URL values for ``rule`` (real ids, unknown ones or out of range), and whether the
    request names the clinic's client."""
    values: dict[str, Any] = {}
    names_client = False
    for name in [n for n in rule.arguments if n in rule._converters]:
        converter = rule._converters[name]
        is_int = type(converter).__name__ in ("RowIdConverter", "IntegerConverter")
        if name == "resource_type":
            allowed = [c for c in ("QuestionnaireResponse", "Observation") if c in rule.rule]
            values[name] = allowed[0] if allowed else "Observation"
            continue
        if kind == "real":
            values[name] = ids.values[name]
            names_client |= name in NAMING
        else:
            table = UNKNOWN if kind == "unknown" else OUT_OF_RANGE
            values[name] = table["int" if is_int else "str"]
    if kind == "real" and "resource_id" in values and "resource_type" in values:
        if rule.endpoint.startswith("intake_fhir."):
            values["resource_id"] = ids.fhir_ids[values["resource_type"]]
        names_client = values["resource_type"] in CLINICAL
    if kind == "real" and rule.endpoint == "intake_fhir.update_observation":
        values["resource_id"] = ids.fhir_ids["Observation"]
    if kind == "real" and rule.endpoint == "intake_fhir.checkin_link":
        values["resource_id"] = ids.fhir_ids["Encounter"]
        names_client = True
    if kind == "real" and rule.endpoint in (
        "intake_fhir.update_response",
        "intake_fhir.update_observation",
    ):
        names_client = True
    return values, names_client


def _url(rule: Any, values: dict[str, Any]) -> str:
    # Built by hand: url_for's converters would refuse the out-of-range values on purpose.
    def value_of(match: re.Match[str]) -> str:
        return str(values[match.group(1)])

    return re.sub(r"<(?:[^<>:]+:)?([a-z_]+)>", value_of, rule.rule)


def _module_rules(app: Flask) -> list[Any]:
    return sorted(
        (r for r in app.url_map.iter_rules() if r.endpoint.split(".")[0].startswith("intake_")),
        key=lambda r: (r.rule, r.endpoint),
    )


def _audit_count(app: Flask) -> tuple[int, int]:
    with app.app_context():
        count, last = session().execute(select(func.count(), func.max(AuditRecord.id))).one()
        session().rollback()
    return count, last or 0


def _records_after(app: Flask, last_id: int) -> list[AuditRecord]:
    with app.app_context():
        rows = list(session().scalars(select(AuditRecord).where(AuditRecord.id > last_id)).all())
        session().expunge_all()
    return rows


def _exempt(endpoint: str, method: str) -> bool:
    if endpoint not in NOT_AUDITED:
        return False
    methods = NOT_AUDITED[endpoint]
    return methods is None or method in methods


def _signed_in(app: Flask, person: str | None) -> FlaskClient:
    web = app.test_client()
    web.environ_base["HTTP_USER_AGENT"] = "walk"
    if person is not None:
        assert AuthActions(web).login(person).status_code == 302
    return web


@pytest.mark.slow
def test_every_route_leaves_exactly_one_audit_record_naming_the_patient(app, make) -> None:
    world = build_world(app, make)
    make.user("admin", "root")
    web_a = _signed_in(app, "dr-a")
    ids = _real_ids(app, world, web_a, make)
    # The accounts pages act on a user and a token of their own, which the walk may
    # deactivate or revoke without taking away the callers' own.
    make.user("clinician", "walk-target")
    make.token("walk-target", "system/*.read")
    with app.app_context():
        target = session().scalars(select(User).where(User.username == "walk-target")).one()
        ids.values["user_id"] = target.id
        # No SMART client is registered in this world: the admin's disable answers 404,
        # which is audited like any other answer.
        ids.values["registration_id"] = 1
        ids.values["token_id"] = (
            session().scalars(select(ApiToken.id).where(ApiToken.user_id == target.id)).one()
        )
    tokens = {
        None: {},
        "ehr": world.integrator,
        "dr-a": world.clinician,
        "sup": bearer(make.token("sup", "system/*.read")),
        "root": bearer(make.token("root", "system/*.read")),
    }
    pages = {person: _signed_in(app, person) for person in PAGE_PEOPLE}
    api = app.test_client()
    problems: list[str] = []
    walked = 0
    for rule in _module_rules(app):
        is_fhir = rule.endpoint.startswith("intake_fhir.")
        for kind in ("real", "unknown", "out-of-range"):
            if kind != "real" and not rule._converters:
                continue
            values, names_client = _fill(rule, ids, kind)
            url = _url(rule, values)
            for method in sorted(rule.methods or ()):
                people = API_PEOPLE if is_fhir else PAGE_PEOPLE
                for person in people:
                    web = api if is_fhir else pages[person]
                    headers = tokens[person] if is_fhir else {}
                    _count, last = _audit_count(app)
                    response = web.open(url, method=method, headers=headers)
                    response.close()
                    walked += 1
                    written = _records_after(app, last)
                    where = f"{method} {url} as {person or 'anonymous'} -> {response.status_code}"
                    if response.status_code >= 500:
                        problems.append(f"{where}: server error")
                    if _exempt(rule.endpoint, method):
                        if written:
                            problems.append(f"{where}: exempt but wrote {len(written)}")
                        continue
                    if len(written) != 1:
                        ops = [(r.operation, r.entity) for r in written]
                        problems.append(f"{where}: {len(written)} records {ops}")
                        continue
                    expected = ids.client if names_client else None
                    if written[0].client_id != expected:
                        problems.append(f"{where}: names client {written[0].client_id}")
                    if rule.endpoint == "intake_auth.logout" and person is not None:
                        pages[person] = _signed_in(app, person)
    assert walked > 1000
    assert problems == [], "\n".join(problems[:60]) + f"\n({len(problems)} in all)"

"""Everything the intake produces is valid FHIR R4, by fhir.resources and by two external
validators, and uses only codes its own CodeSystem defines."""

from __future__ import annotations

from sqlalchemy import select

from fhir_mappings.codes import LOCAL_SYSTEM
from fhir_mappings.validation import validate
from intake_ai.models import StoredResource
from intake_ai.store import resources as resource_store
from intake_ai.store.database import session
from tests.fhir_validator import local_codes, run_validator
from tests.intake_helpers import FULL_INTAKE, submit_intake


def _all_current(app) -> list[dict]:  # type: ignore[no-untyped-def]
    with app.app_context():
        rows = (
            session()
            .scalars(
                select(StoredResource).where(
                    StoredResource.is_current, StoredResource.deleted.is_(False)
                )
            )
            .all()
        )
        return [resource_store.load(row) for row in rows]


def _stored_intakes(make, auth, client) -> None:  # type: ignore[no-untyped-def]
    make.user("supervisor", "sup")
    make.user("clinician", "dr-a", supervisor="sup")
    agreed = make.client("dr-a")
    undecided = make.client("dr-a")
    auth.login("dr-a")
    submit_intake(client, make.encounter(agreed, "dr-a"), FULL_INTAKE)
    discuss = {**FULL_INTAKE, "consent-record": "consent-discuss"}
    discuss.pop("consent-terms")
    submit_intake(client, make.encounter(undecided, "dr-a"), discuss)
    nothing_used = {
        "tools": ["tool-none"],
        "consent-record": "consent-agree",
        "consent-terms": "true",
        "research-opt-in": "true",
    }
    third = make.client("dr-a")
    submit_intake(client, make.encounter(third, "dr-a"), nothing_used)


def test_every_stored_resource_passes_r4_validation(app, client, make, auth) -> None:
    _stored_intakes(make, auth, client)
    resources = _all_current(app)
    kinds = {r["resourceType"] for r in resources}
    assert {
        "Questionnaire",
        "QuestionnaireResponse",
        "Observation",
        "Consent",
        "CodeSystem",
        "ValueSet",
        "Patient",
        "Practitioner",
        "Encounter",
    } <= kinds
    for resource in resources:
        assert validate(resource) == [], resource["resourceType"]


def test_only_codes_of_the_local_codesystem_are_used(app, client, make, auth) -> None:
    _stored_intakes(make, auth, client)
    resources = _all_current(app)
    [codesystem] = [r for r in resources if r["resourceType"] == "CodeSystem"]
    defined = {c["code"] for c in codesystem["concept"]}
    used: set[str] = set()
    for resource in resources:
        if resource["resourceType"] not in ("CodeSystem", "ValueSet"):
            used |= local_codes(resource, LOCAL_SYSTEM)
    assert used and used <= defined, used - defined


def test_external_validators_report_no_errors(app, client, make, auth, tmp_path) -> None:
    _stored_intakes(make, auth, client)
    resources = _all_current(app)
    report = run_validator(resources, tmp_path)
    assert "0 with errors" in report

"""Notes, indicators, reviews, flags, annotations and entered-in-error records are valid R4."""

from __future__ import annotations

import json

from sqlalchemy import select

from fhir_mappings.codes import EXT_CHANGE_REASON, LOCAL_SYSTEM
from fhir_mappings.validation import validate
from intake_ai.models import CareAssignment, StoredResource
from intake_ai.store import resources as resource_store
from intake_ai.store.database import session
from tests.fhir_validator import local_codes, run_validator
from tests.intake_helpers import CALM_NOTE, FULL_INTAKE, WORRYING_NOTE, submit_intake, submit_note


def _every_version(app) -> list[dict]:  # type: ignore[no-untyped-def]
    with app.app_context():
        rows = (
            session().scalars(select(StoredResource).where(StoredResource.deleted.is_(False))).all()
        )
        return [resource_store.load(row) for row in rows]


def _a_followed_client(app, make, auth, client) -> None:  # type: ignore[no-untyped-def]
    make.user("supervisor", "sup")
    make.user("clinician", "dr-a", supervisor="sup")
    client_id = make.client("dr-a", minor=True)
    auth.login("dr-a")
    submit_intake(client, make.encounter(client_id, "dr-a"), FULL_INTAKE)
    submit_note(
        client,
        make.encounter(client_id, "dr-a"),
        CALM_NOTE,
        annotation="Calm week",
        review={"review": "agree"},
    )
    submit_note(
        client,
        make.encounter(client_id, "dr-a"),
        {
            **WORRYING_NOTE,
            "advice-fit": "fit-conflict-safety",
            "model-change-grief": "yes",
            "main-purposes": ["purpose-romantic"],
            "excerpt-review": "excerpt-stored",
            "excerpt-expiry": "2027-01-31",
        },
        review={"review": "override", "band": "band-moderate", "reason": "Known"},
    )
    flag = next(r for r in _every_version(app) if r["resourceType"] == "Flag")
    with app.app_context():
        owner = session().scalars(select(CareAssignment.clinician_id)).first()
    client.post(
        f"/flags/{flag['id']}/acknowledge",
        data={"note": "Seen", "owner": str(owner), "base_version": "1"},
    )
    client.post(
        f"/clients/{client_id}/flags/new",
        data={"kind": "flag-delusion-reinforcement", "reason": "Believes the bot is alive"},
    )
    calm = next(
        r
        for r in _every_version(app)
        if r["resourceType"] == "QuestionnaireResponse" and "session-note" in r["questionnaire"]
    )
    # An edit with its reason (stored as the change-reason extension) and a one-click note.
    edited = client.post(
        f"/notes/{calm['id']}/edit",
        data={
            "answers": json.dumps({**CALM_NOTE, "days-per-week": "dpw-3-4"}),
            "action": "save",
            "base_version": "1",
            "change_reason": "Client corrected the days",
        },
    )
    assert edited.status_code == 302
    quiet = client.post(f"/sessions/{make.encounter(client_id, 'dr-a')}/note/no-use")
    assert quiet.status_code == 302
    client.post(
        f"/records/QuestionnaireResponse/{calm['id']}/entered-in-error",
        data={"reason": "Wrong client"},
    )


def test_every_version_is_valid_r4_and_uses_defined_codes(
    app, make, auth, client, tmp_path
) -> None:
    _a_followed_client(app, make, auth, client)
    resources = _every_version(app)
    kinds = {r["resourceType"] for r in resources}
    assert {"QuestionnaireResponse", "Observation", "Flag", "Consent"} <= kinds
    codes = {
        o["code"]["coding"][0]["code"] for o in resources if o["resourceType"] == "Observation"
    }
    assert {"dependency-indicator", "indicator-review", "session-note-panel"} <= codes
    flags = {f["code"]["coding"][0]["code"] for f in resources if f["resourceType"] == "Flag"}
    assert {
        "flag-crisis-use",
        "flag-advice-conflict",
        "flag-minor-romantic",
        "flag-attachment-distress",
        "flag-delusion-reinforcement",
    } <= flags
    assert any(r.get("status") == "entered-in-error" for r in resources)
    assert any(r.get("extension", [{}])[0].get("url") == EXT_CHANGE_REASON for r in resources)
    for resource in resources:
        assert validate(resource) == [], resource
    [codesystem] = [r for r in resources if r["resourceType"] == "CodeSystem"]
    defined = {c["code"] for c in codesystem["concept"]}
    used = set().union(
        *(
            local_codes(r, LOCAL_SYSTEM)
            for r in resources
            if r["resourceType"] not in ("CodeSystem", "ValueSet")
        )
    )
    assert used <= defined, used - defined
    run_validator(resources, tmp_path)

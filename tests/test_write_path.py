"""What one save stores, row by row, now that the store inserts a form's rows in bulk: each
row's index columns come from its own bytes, one Provenance names every row of the save,
the audit rows commit with it, and a failure at the very last insert leaves nothing."""

from __future__ import annotations

import json
from collections import Counter

import pytest
from sqlalchemy import event, select
from sqlalchemy.exc import OperationalError

from fhir_mappings.search_index import index_resource
from intake_ai.models import AuditRecord, ProvenanceTarget, StoredResource
from intake_ai.store.database import session
from tests.conftest import AuthActions
from tests.intake_helpers import FULL_INTAKE, WORRYING_NOTE, submit_intake, submit_note


@pytest.fixture
def signed_in(app, make):  # type: ignore[no-untyped-def]
    make.user("clinician", "dr-a")
    web = app.test_client()
    AuthActions(web).login("dr-a")
    return web


def _saved(app, client_id: int) -> list[StoredResource]:  # type: ignore[no-untyped-def]
    """The client's records (what the saves stored), in storage order."""
    with app.app_context():
        rows = list(
            session().scalars(
                select(StoredResource)
                .where(
                    StoredResource.client_id == client_id,
                    StoredResource.resource_type.not_in(("Patient", "Encounter")),
                )
                .order_by(StoredResource.pk)
            )
        )
        session().expunge_all()
        return rows


def _check_rows(app, rows: list[StoredResource]) -> None:  # type: ignore[no-untyped-def]
    """Every row indexed from its bytes; the Provenance names exactly the other rows."""
    columns = StoredResource.__table__.columns.keys()
    for row in rows:
        resource = json.loads(row.content)
        assert (row.resource_type, row.resource_id) == (resource["resourceType"], resource["id"])
        assert row.version_id == int(resource["meta"]["versionId"]) == 1 and row.is_current
        for name, value in index_resource(resource).__dict__.items():
            if name in columns and not (row.resource_type == "Provenance" and name == "client_id"):
                assert getattr(row, name) == value, (row.resource_type, name)
    [provenance] = [r for r in rows if r.resource_type == "Provenance"]
    others = [r for r in rows if r.resource_type != "Provenance"]
    assert provenance.client_id == others[0].client_id  # served with its targets' rules
    stored = json.loads(provenance.content)
    assert [t["reference"] for t in stored["target"]] == [
        f"{r.resource_type}/{r.resource_id}/_history/1" for r in others
    ]
    with app.app_context():
        targets = session().scalars(
            select(ProvenanceTarget.target).where(ProvenanceTarget.resource_pk == provenance.pk)
        )
        assert set(targets) == {f"{r.resource_type}/{r.resource_id}" for r in others}


def test_an_intake_and_a_note_store_the_rows_they_stored_before(app, make, signed_in) -> None:
    client_id = make.client("dr-a")
    saved = submit_intake(signed_in, make.encounter(client_id, "dr-a", kind="intake"), FULL_INTAKE)
    assert saved.status_code == 302
    intake_rows = _saved(app, client_id)
    # The same rows as before the store inserted in bulk (counted on the earlier code).
    assert Counter(r.resource_type for r in intake_rows) == {
        "QuestionnaireResponse": 1,
        "Observation": 27,
        "Consent": 1,
        "Provenance": 1,
    }
    assert intake_rows[0].resource_type == "QuestionnaireResponse"  # stored first
    _check_rows(app, intake_rows)

    note = submit_note(signed_in, make.encounter(client_id, "dr-a"), WORRYING_NOTE)
    assert note.status_code == 302
    note_rows = _saved(app, client_id)[len(intake_rows) :]
    assert Counter(r.resource_type for r in note_rows) == {
        "QuestionnaireResponse": 1,
        "Observation": 18,
        "Flag": 3,
        "Provenance": 1,
    }
    _check_rows(app, note_rows)
    with app.app_context():
        audited = session().execute(
            select(AuditRecord.operation, AuditRecord.entity_type).where(
                AuditRecord.client_id == client_id, AuditRecord.operation == "create"
            )
        )
        assert Counter(audited) == {
            ("create", "QuestionnaireResponse"): 2,
            ("create", "Consent"): 1,
            ("create", "Flag"): 3,
        }


def test_a_failure_at_the_last_insert_of_a_save_leaves_nothing(app, make, signed_in) -> None:
    client_id = make.client("dr-a")
    encounter_id = make.encounter(client_id, "dr-a", kind="intake")
    with app.app_context():
        engine = app.extensions["intake_ai"].db.engine
        before = session().query(AuditRecord).count()

    def before_insert(conn, cursor, statement, *_args):  # type: ignore[no-untyped-def]
        if statement.startswith("INSERT INTO intake_provenance_target"):
            raise OperationalError(statement, None, Exception("injected: disk I/O error"))

    event.listen(engine, "before_cursor_execute", before_insert)
    try:
        with pytest.raises(OperationalError):
            submit_intake(signed_in, encounter_id, FULL_INTAKE)
    finally:
        event.remove(engine, "before_cursor_execute", before_insert)
    assert _saved(app, client_id) == []
    with app.app_context():
        creates = session().scalars(
            select(AuditRecord).where(AuditRecord.id > before, AuditRecord.operation == "create")
        )
        assert list(creates) == []
    # Nothing was half-kept: the same answers save whole.
    assert submit_intake(signed_in, encounter_id, FULL_INTAKE).status_code == 302
    _check_rows(app, _saved(app, client_id))

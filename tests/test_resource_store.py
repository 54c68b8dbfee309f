"""The resource store: versions, compare-and-set, tombstones, and the validation switch."""

from __future__ import annotations

import pytest

from intake_ai.errors import Conflict, Gone, InvalidInput
from intake_ai.store import resources as resource_store
from intake_ai.store.database import session, transaction

FLAG: dict = {}


@pytest.fixture(autouse=True)
def flag(make) -> None:  # type: ignore[no-untyped-def]
    """A Flag body about a real client (the store keeps the client's foreign key)."""
    make.user("clinician", "dr-a")
    client_id = make.client("dr-a")
    FLAG.clear()
    FLAG.update(
        {
            "resourceType": "Flag",
            "status": "active",
            "code": {"text": "A test flag"},
            "subject": {"reference": f"Patient/{client_id}"},
        }
    )


def test_versions_are_kept_and_only_the_last_is_current(app) -> None:
    with app.app_context(), transaction():
        first = resource_store.save(dict(FLAG))
        rid = first.resource_id
        resource_store.save({**FLAG, "id": rid, "status": "inactive"})
    with app.app_context():
        rows = resource_store.history("Flag", rid)
        assert [(r.version_id, r.is_current) for r in rows] == [(2, True), (1, False)]
        assert rows[1].superseded_at == rows[0].last_updated
        assert resource_store.load(rows[0])["meta"]["versionId"] == "2"
        assert resource_store.load(rows[1])["status"] == "active"


def test_a_stale_expected_version_is_a_conflict_and_nothing_changes(app) -> None:
    with app.app_context(), transaction():
        rid = resource_store.save(dict(FLAG)).resource_id
        resource_store.save({**FLAG, "id": rid, "status": "inactive"}, expected_version=1)
    with app.app_context(), pytest.raises(Conflict), transaction():
        resource_store.save({**FLAG, "id": rid, "status": "entered-in-error"}, expected_version=1)
    with app.app_context():
        assert resource_store.current("Flag", rid).status == "inactive"


def test_two_writers_of_the_same_version_meet_the_unique_constraint(app) -> None:
    """The second writer read version 1 too; its insert of version 2 must fail as Conflict."""
    with app.app_context(), transaction():
        rid = resource_store.save(dict(FLAG)).resource_id
    with app.app_context(), pytest.raises(Conflict), transaction():
        db = session()
        from intake_ai.models import StoredResource

        # Another writer's version 2 lands first (as if committed a moment ago) ...
        db.add(
            StoredResource(
                **resource_store.row_values(
                    {**FLAG, "id": rid, "status": "inactive"}, 2, resource_store.utcnow(), None
                )
            )
        )
        db.flush()
        # ... and ours, computed from version 1, collides with it.
        db.add(
            StoredResource(
                **resource_store.row_values(
                    {**FLAG, "id": rid, "status": "entered-in-error"},
                    2,
                    resource_store.utcnow(),
                    None,
                )
            )
        )
        db.flush()


def test_purge_leaves_a_content_free_tombstone(app) -> None:
    with app.app_context(), transaction():
        saved = resource_store.save(dict(FLAG))
        rid, client_id = saved.resource_id, saved.client_id
        resource_store.save({**FLAG, "id": rid, "status": "inactive"})
    with app.app_context(), transaction():
        assert resource_store.purge("Flag", rid) == 2
    with app.app_context():
        [tombstone] = resource_store.history("Flag", rid)
        assert (tombstone.deleted, tombstone.content, tombstone.code) == (True, None, None)
        # It keeps which client it was about: only who could read it is told it is gone.
        assert tombstone.client_id == client_id is not None
        with pytest.raises(Gone):
            resource_store.require_current("Flag", rid)


def test_validation_switch(app) -> None:
    broken = {**FLAG, "status": "nonsense"}
    with app.app_context():
        assert app.config["INTAKE_AI_VALIDATE_STORED"] is True  # as in the whole suite
        with pytest.raises(InvalidInput) as caught, transaction():
            resource_store.save(dict(broken))
        assert "Flag.status" in caught.value.errors
        app.config["INTAKE_AI_VALIDATE_STORED"] = False
        with transaction():
            stored = resource_store.save(dict(broken))  # trusted builders are not re-checked
        assert stored.status == "nonsense"
        with pytest.raises(InvalidInput), transaction():
            resource_store.save(dict(broken), check=True)  # but explicit checks still run

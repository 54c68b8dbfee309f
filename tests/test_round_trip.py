"""Moving a clinic: export every version, import into an empty database, compare.

Runs SQLite -> PostgreSQL whenever a PostgreSQL server is reachable (as in CI), so a clinic
can move from the embedded default to a server; otherwise into a fresh SQLite file.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from intake_ai import create_app
from intake_ai.models import AuditRecord, Client, Encounter, StoredResource, User
from intake_ai.store import migrate
from intake_ai.store.database import session
from tests.conftest import PASSWORD, base_config, fresh_database, postgres_server_url


def snapshot(app) -> dict:  # type: ignore[no-untyped-def]
    with app.app_context():
        resources = {
            (r.resource_type, r.resource_id, r.version_id): (
                bytes(r.content),
                r.is_current,
                r.last_updated,
                r.superseded_at,
            )
            for r in session().scalars(
                select(StoredResource).where(StoredResource.deleted.is_(False))
            )
        }
        people = {
            (u.id, u.username, u.role, u.password_hash) for u in session().scalars(select(User))
        }
        clients = {
            (c.id, c.ehr_patient_id, c.display_name, c.consent_state)
            for c in session().scalars(select(Client))
        }
        sessions = {(e.id, e.client_id, e.start) for e in session().scalars(select(Encounter))}
        audit = session().scalar(select(AuditRecord.id).order_by(AuditRecord.id.desc()))
    return {
        "resources": resources,
        "people": people,
        "clients": clients,
        "sessions": sessions,
        "audit": audit,
    }


@pytest.mark.slow
def test_export_then_import_keeps_every_resource_and_version(app, runner, tmp_path) -> None:
    seeded = runner.invoke(
        args=["seed-demo", "--clients", "5", "--sessions", "4", "--password", PASSWORD]
    )
    assert seeded.exit_code == 0, seeded.output
    with app.app_context():
        from intake_ai.auth.actors import Actor
        from intake_ai.records import annotation
        from intake_ai.store.database import transaction

        clinician = session().scalars(select(User).where(User.username == "demo-clinician-1")).one()
        panel = (
            session()
            .scalars(
                select(StoredResource).where(
                    StoredResource.code == "session-note-panel",
                    StoredResource.is_current,
                    StoredResource.client_id.in_(select(Client.id)),
                )
            )
            .first()
        )
        with transaction():  # a second version, so superseded versions travel too
            annotation.add(Actor(user=clinician), panel.resource_id, "Moved with care", False)
    source = snapshot(app)
    exported = runner.invoke(args=["export", "--all-versions", "--out", str(tmp_path / "move")])
    assert exported.exit_code == 0, exported.output

    assert any(not current for _b, current, _u, _s in source["resources"].values())

    target_url, drop = fresh_database(postgres_server_url(), tmp_path)
    target = create_app(base_config(target_url))
    try:
        with target.app_context():
            migrate.upgrade()
        result = target.test_cli_runner().invoke(args=["import", str(tmp_path / "move")])
        assert result.exit_code == 0, result.output
        moved = snapshot(target)
        assert moved == source
        # The moved clinic works: a demo clinician signs in and opens a client.
        web = target.test_client()
        web.post("/login", data={"username": "demo-clinician-1", "password": PASSWORD})
        assert web.get("/clients").status_code == 200
        again = target.test_cli_runner().invoke(args=["import", str(tmp_path / "move")])
        assert again.exit_code == 1 and "not empty" in again.output
        # New records get new ids after the imported ones (sequences continue).
        web.post("/clients/new", data={"ehr_patient_id": "AFTER-MOVE", "display_name": "New"})
        with target.app_context():
            newest = session().scalar(select(Client.id).order_by(Client.id.desc()))
            assert newest == max(c[0] for c in source["clients"]) + 1
    finally:
        with target.app_context():
            target.extensions["intake_ai"].db.engine.dispose()
        drop()

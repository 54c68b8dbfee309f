"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from intake_ai import create_app
from intake_ai.store import migrate
from intake_ai.store.database import Base
from tests.conftest import ON_POSTGRES, base_config, fresh_database


def _diff(engine) -> list:
    from intake_ai.store.migrate import include_name

    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_name": include_name}
        )
        return compare_metadata(context, Base.metadata)


def test_upgrade_builds_the_model_schema_and_downgrade_removes_it(tmp_path, database_url) -> None:
    url, drop = fresh_database(database_url if ON_POSTGRES else None, tmp_path)
    try:
        app = create_app(base_config(url))
        with app.app_context():
            engine = app.extensions["intake_ai"].db.engine
            migrate.upgrade()
            tables = set(inspect(engine).get_table_names())
            assert {t.name for t in Base.metadata.sorted_tables} <= tables
            assert "intake_ai_alembic_version" in tables
            assert _diff(engine) == []
            migrate.downgrade("base")
            left = set(inspect(engine).get_table_names())
            assert not {t.name for t in Base.metadata.sorted_tables} & left
            migrate.upgrade()
            assert _diff(engine) == []
            engine.dispose()
    finally:
        drop()


def test_flask_db_upgrade_command_builds_the_schema(tmp_path, database_url) -> None:
    url, drop = fresh_database(database_url if ON_POSTGRES else None, tmp_path)
    try:
        app = create_app(base_config(url))
        result = app.test_cli_runner().invoke(args=["db", "upgrade"])
        assert result.exit_code == 0, result.output
        with app.app_context():
            engine = app.extensions["intake_ai"].db.engine
            assert "intake_resource" in inspect(engine).get_table_names()
            engine.dispose()
    finally:
        drop()


def test_definitions_are_reindexed_by_their_canonical(tmp_path, database_url) -> None:
    """0006: rows written with the bare url (as before it) get url|version, and back."""
    from sqlalchemy import select, update

    from fhir_mappings.definitions.intake import INTAKE
    from fhir_mappings.questionnaire import (
        questionnaire_canonical,
        questionnaire_id,
        questionnaire_url,
    )
    from intake_ai.forms.definitions import ensure_published
    from intake_ai.models import StoredResource
    from intake_ai.store.database import session, transaction

    url, drop = fresh_database(database_url if ON_POSTGRES else None, tmp_path)
    intake = StoredResource.resource_id == questionnaire_id(INTAKE)
    questionnaire = StoredResource.resource_type == "Questionnaire"

    def intake_code() -> str | None:
        return session().scalar(select(StoredResource.code).where(questionnaire, intake))

    try:
        app = create_app(base_config(url))
        with app.app_context():
            migrate.upgrade("0005")
            with transaction():
                ensure_published()
                session().execute(
                    update(StoredResource)
                    .where(questionnaire, intake)
                    .values(code=questionnaire_url(INTAKE))
                )
            session().remove()
            migrate.upgrade()
            assert intake_code() == questionnaire_canonical(INTAKE)
            session().remove()
            migrate.downgrade("0005")
            assert intake_code() == questionnaire_url(INTAKE)
            session().remove()
            app.extensions["intake_ai"].db.engine.dispose()
    finally:
        drop()


#: The revision before 0010, which gives purge tombstones their client back.
BEFORE_TOMBSTONE_CLIENTS = "0008"


def test_tombstones_get_back_the_client_their_purge_recorded(tmp_path, database_url) -> None:
    """0010: a tombstone written before it (no client) takes the client from the purge's
    audit entry, so a read tells 410 only to who could have read the record; and back."""
    from sqlalchemy import insert, select

    from intake_ai import directory
    from intake_ai.models import AuditRecord, Role, StoredResource
    from intake_ai.store.database import session, transaction, utcnow

    url, drop = fresh_database(database_url if ON_POSTGRES else None, tmp_path)

    def tombstone_client() -> int | None:
        return session().scalar(
            select(StoredResource.client_id).where(
                StoredResource.resource_id == "gone", StoredResource.deleted.is_(True)
            )
        )

    try:
        app = create_app(base_config(url))
        with app.app_context():
            migrate.upgrade(BEFORE_TOMBSTONE_CLIENTS)
            with transaction():
                clinician = directory.create_user("dr-m", "Dr M", Role.CLINICIAN, None)
                client = directory.create_client("EHR-M", "Client M", clinician, False)
                client_id = client.id
                now = utcnow()
                session().add(
                    StoredResource(
                        resource_type="Flag",
                        resource_id="gone",
                        version_id=2,
                        is_current=True,
                        deleted=True,
                        last_updated=now,
                    )
                )
                session().execute(
                    insert(AuditRecord).values(
                        recorded=now,
                        agent_name="dr-m",
                        agent_role="clinician",
                        action="D",
                        operation="purge",
                        entity="Flag/gone",
                        entity_type="Flag",
                        client_id=client_id,
                        outcome="0",
                    )
                )
            session().remove()
            assert tombstone_client() is None
            session().remove()
            migrate.upgrade()
            assert tombstone_client() == client_id
            session().remove()
            migrate.downgrade(BEFORE_TOMBSTONE_CLIENTS)
            assert tombstone_client() is None
            session().remove()
            app.extensions["intake_ai"].db.engine.dispose()
    finally:
        drop()

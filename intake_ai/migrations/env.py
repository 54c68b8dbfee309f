"""Alembic environment for intake_ai's own tables.

Only tables named ``intake_*`` are considered, and the revision is kept in its own
version table, so a host EHR's migrations and ours never step on each other.
"""

from __future__ import annotations

from alembic import context
from flask import current_app

import intake_ai.models  # noqa: F401  (registers every table on the metadata)
from intake_ai.store.database import Base
from intake_ai.store.migrate import VERSION_TABLE, include_name


def run_migrations_offline() -> None:
    url = str(current_app.extensions["intake_ai"].db.engine.url)
    context.configure(
        url=url,
        target_metadata=Base.metadata,
        literal_binds=True,
        version_table=VERSION_TABLE,
        include_name=include_name,
        render_as_batch=url.startswith("sqlite"),
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    engine = current_app.extensions["intake_ai"].db.engine
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=Base.metadata,
            version_table=VERSION_TABLE,
            include_name=include_name,
            compare_type=True,
            # SQLite cannot ALTER most things; batch mode copies the table instead.
            render_as_batch=connection.dialect.name == "sqlite",
        )
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()

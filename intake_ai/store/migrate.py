"""Building and upgrading the module's schema with its Alembic migrations.

The standalone app also exposes them as ``flask db upgrade`` (Flask-Migrate); a host with
its own migrations runs ``flask intake-ai upgrade`` (or calls ``upgrade()``).
"""

from __future__ import annotations

from alembic import command
from alembic.config import Config

from intake_ai.paths import MIGRATIONS_DIR

#: Alembic's bookkeeping table for this module (a host's own stays untouched).
VERSION_TABLE = "intake_ai_alembic_version"


def include_name(name: str | None, type_: str, parent_names: object) -> bool:
    """Only the module's own tables take part in migrations and comparisons."""
    if type_ == "table":
        return bool(name and name.startswith("intake_") and name != VERSION_TABLE)
    return True


def alembic_config() -> Config:
    config = Config(str(MIGRATIONS_DIR / "alembic.ini"))
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def upgrade(revision: str = "head") -> None:
    """Bring the database to ``revision``; call inside an app context."""
    command.upgrade(alembic_config(), revision)


def downgrade(revision: str) -> None:
    command.downgrade(alembic_config(), revision)

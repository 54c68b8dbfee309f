"""Partial indexes the query planners can use; an index for per-client series.

SQLite uses a partial index only when the query repeats its predicate word for word, and
the queries compare the boolean column as ``is_current = 1`` there. The partial indexes
are rebuilt with that predicate (PostgreSQL's stays ``is_current``).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24 07:11:44.007414
"""
from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

PARTIAL = {
    "ix_intake_resource_subject": ["resource_type", "client_id", "pk"],
    "ix_intake_resource_code": ["resource_type", "code", "pk"],
    "ix_intake_resource_encounter": ["resource_type", "encounter_id"],
    "ix_intake_resource_effective": ["resource_type", "effective", "pk"],
    "ix_intake_resource_type_pk": ["resource_type", "pk"],
}


def _rebuild(sqlite_predicate: str) -> None:
    for name, columns in PARTIAL.items():
        op.drop_index(name, table_name="intake_resource")
        op.create_index(name, "intake_resource", columns,
                        sqlite_where=sa.text(sqlite_predicate),
                        postgresql_where=sa.text("is_current"))


def upgrade():
    _rebuild("is_current = 1")
    op.create_index("ix_intake_resource_code_client", "intake_resource",
                    ["resource_type", "code", "client_id", "effective", "value_code",
                     "value_num", "resource_id", "status", "deleted", "pk"],



                    sqlite_where=sa.text("is_current = 1"),
                    postgresql_where=sa.text("is_current"))


def downgrade():
    op.drop_index("ix_intake_resource_code_client", table_name="intake_resource")
    _rebuild("is_current")

"""Patient searches answered from the index: the subject index carries deleted and status;
clients are indexed by consent state.

A search by patient counts its matches (the Bundle's total) and filters out deleted and
entered-in-error rows; with both columns in the index neither step reads the table. Every
API query filters on consent; without an index SQLite builds one afresh for each query.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24 09:40:00.000000
"""
from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def _subject_index(columns: list[str]) -> None:
    op.drop_index("ix_intake_resource_subject", table_name="intake_resource")
    op.create_index("ix_intake_resource_subject", "intake_resource", columns,
                    sqlite_where=sa.text("is_current = 1"),
                    postgresql_where=sa.text("is_current"))


def upgrade():
    _subject_index(["resource_type", "client_id", "pk", "deleted", "status"])
    op.create_index("ix_intake_client_consent_state", "intake_client", ["consent_state", "id"])


def downgrade():
    op.drop_index("ix_intake_client_consent_state", table_name="intake_client")
    _subject_index(["resource_type", "client_id", "pk"])

"""An index of open flags only.

The supervisor dashboard counts each client's open flags and lists the "review now" ones
waiting; without this index both read every flag ever raised in the caseload.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24 11:50:00.000000
"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

OPEN_FLAG = "resource_type = 'Flag' AND status = 'active'"


def upgrade():
    op.create_index("ix_intake_resource_open_flag", "intake_resource",
                    ["client_id", "code", "effective", "resource_id", "deleted"],
                    sqlite_where=sa.text(f"is_current = 1 AND {OPEN_FLAG}"),
                    postgresql_where=sa.text(f"is_current AND {OPEN_FLAG}"))


def downgrade():
    op.drop_index("ix_intake_resource_open_flag", table_name="intake_resource")

"""The read-audit journal's drained segments.

Revision ID: 0020
Revises: 0018
Create Date: 2026-12-01 13:30:00.000000
"""
from alembic import op
import sqlalchemy as sa
import intake_ai.store.database


revision = '0020'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('intake_audit_drained',
    sa.Column('segment', sa.String(length=100), nullable=False),
    sa.Column('drained', intake_ai.store.database.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('segment', name=op.f('pk_intake_audit_drained'))
    )


def downgrade():
    op.drop_table('intake_audit_drained')

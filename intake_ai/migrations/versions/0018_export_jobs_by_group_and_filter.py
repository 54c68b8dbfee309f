"""Bulk export jobs: a Group, per-type filters, chosen patients and the error file's issues.

Revision ID: 0018
Revises: 0013
Create Date: 2026-12-01 12:30:00.000000
"""
from alembic import op
import sqlalchemy as sa


revision = '0018'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('intake_export_job') as batch:
        batch.add_column(sa.Column('group_id', sa.String(length=64), nullable=True))
        batch.add_column(sa.Column('type_filters', sa.Text(), nullable=True))
        batch.add_column(sa.Column('patient_ids', sa.Text(), nullable=True))
        batch.add_column(sa.Column('issues', sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table('intake_export_job') as batch:
        batch.drop_column('issues')
        batch.drop_column('patient_ids')
        batch.drop_column('type_filters')
        batch.drop_column('group_id')

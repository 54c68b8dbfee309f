"""Bulk export jobs: a Group, per-type filters, chosen patients and the error file's issues;
the used ids of CDS Hooks request tokens.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-01 12:30:00.000000
"""
from alembic import op
import sqlalchemy as sa
import intake_ai.store.database


revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('intake_export_job') as batch:
        batch.add_column(sa.Column('group_id', sa.String(length=64), nullable=True))
        batch.add_column(sa.Column('type_filters', sa.Text(), nullable=True))
        batch.add_column(sa.Column('patient_ids', sa.Text(), nullable=True))
        batch.add_column(sa.Column('issues', sa.Text(), nullable=True))
    op.create_table('intake_cds_used_jti',
    sa.Column('issuer', sa.String(length=255), nullable=False),
    sa.Column('jti', sa.String(length=255), nullable=False),
    sa.Column('expires_at', intake_ai.store.database.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('issuer', 'jti', name=op.f('pk_intake_cds_used_jti'))
    )
    op.create_index('ix_intake_cds_used_jti_expires_at', 'intake_cds_used_jti', ['expires_at'], unique=False)


def downgrade():
    op.drop_index('ix_intake_cds_used_jti_expires_at', table_name='intake_cds_used_jti')
    op.drop_table('intake_cds_used_jti')
    with op.batch_alter_table('intake_export_job') as batch:
        batch.drop_column('issues')
        batch.drop_column('patient_ids')
        batch.drop_column('type_filters')
        batch.drop_column('group_id')

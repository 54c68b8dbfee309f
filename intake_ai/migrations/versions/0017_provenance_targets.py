"""Provenance targets: one row per record a stored Provenance is about.

Revision ID: 0017
Revises: 0015
Create Date: 2026-12-01 13:00:00.000000
"""
from alembic import op
import sqlalchemy as sa


revision = '0017'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('intake_provenance_target',
    sa.Column('resource_pk', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('target', sa.String(length=160), nullable=False),
    sa.ForeignKeyConstraint(['resource_pk'], ['intake_resource.pk'], name=op.f('fk_intake_provenance_target_resource_pk_intake_resource')),
    sa.PrimaryKeyConstraint('resource_pk', 'target', name=op.f('pk_intake_provenance_target'))
    )
    op.create_index('ix_intake_provenance_target_target', 'intake_provenance_target', ['target', 'resource_pk'], unique=False)


def downgrade():
    op.drop_index('ix_intake_provenance_target_target', table_name='intake_provenance_target')
    op.drop_table('intake_provenance_target')

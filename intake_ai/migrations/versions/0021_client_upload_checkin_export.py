"""Figures of the chatbot export a client sent with their check-in, until reviewed.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-01 15:30:00.000000
"""
from alembic import op
import sqlalchemy as sa
import intake_ai.store.database


revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('intake_checkin_export',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('checkin_id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('encounter_id', sa.Integer(), nullable=False),
    sa.Column('provider', sa.String(length=20), nullable=False),
    sa.Column('figures', sa.Text(), nullable=True),
    sa.Column('submitted_at', intake_ai.store.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('reviewed_at', intake_ai.store.database.UTCDateTime(timezone=True), nullable=True),
    sa.Column('saved_as', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['checkin_id'], ['intake_checkin.id'], name=op.f('fk_intake_checkin_export_checkin_id_intake_checkin')),
    sa.ForeignKeyConstraint(['client_id'], ['intake_client.id'], name=op.f('fk_intake_checkin_export_client_id_intake_client')),
    sa.ForeignKeyConstraint(['encounter_id'], ['intake_encounter.id'], name=op.f('fk_intake_checkin_export_encounter_id_intake_encounter')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_intake_checkin_export')),
    sa.UniqueConstraint('checkin_id', name=op.f('uq_intake_checkin_export_checkin_id'))
    )
    op.create_index(op.f('ix_intake_checkin_export_client_id'), 'intake_checkin_export', ['client_id'], unique=False)
    op.create_index(op.f('ix_intake_checkin_export_encounter_id'), 'intake_checkin_export', ['encounter_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_intake_checkin_export_encounter_id'), table_name='intake_checkin_export')
    op.drop_index(op.f('ix_intake_checkin_export_client_id'), table_name='intake_checkin_export')
    op.drop_table('intake_checkin_export')

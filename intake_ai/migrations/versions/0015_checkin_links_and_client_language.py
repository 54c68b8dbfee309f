"""Pre-session check-in links, the client's proposals, their request counters; the
language each client reads.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-01 12:30:00.000000
"""
from alembic import op
import sqlalchemy as sa
import intake_ai.store.database


revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('intake_checkin',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('encounter_id', sa.Integer(), nullable=False),
    sa.Column('issued_by', sa.Integer(), nullable=False),
    sa.Column('first_name', sa.String(length=40), nullable=True),
    sa.Column('created_at', intake_ai.store.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', intake_ai.store.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('opened_at', intake_ai.store.database.UTCDateTime(timezone=True), nullable=True),
    sa.Column('used_at', intake_ai.store.database.UTCDateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', intake_ai.store.database.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['client_id'], ['intake_client.id'], name=op.f('fk_intake_checkin_client_id_intake_client')),
    sa.ForeignKeyConstraint(['encounter_id'], ['intake_encounter.id'], name=op.f('fk_intake_checkin_encounter_id_intake_encounter')),
    sa.ForeignKeyConstraint(['issued_by'], ['intake_user.id'], name=op.f('fk_intake_checkin_issued_by_intake_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_intake_checkin')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_intake_checkin_token_hash'))
    )
    op.create_index(op.f('ix_intake_checkin_client_id'), 'intake_checkin', ['client_id'], unique=False)
    op.create_index(op.f('ix_intake_checkin_encounter_id'), 'intake_checkin', ['encounter_id'], unique=False)
    op.create_table('intake_checkin_proposal',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('checkin_id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('encounter_id', sa.Integer(), nullable=False),
    sa.Column('payload', sa.Text(), nullable=False),
    sa.Column('language', sa.String(length=5), nullable=False),
    sa.Column('submitted_at', intake_ai.store.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('reviewed_in', sa.String(length=64), nullable=True),
    sa.Column('reviewed_at', intake_ai.store.database.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['checkin_id'], ['intake_checkin.id'], name=op.f('fk_intake_checkin_proposal_checkin_id_intake_checkin')),
    sa.ForeignKeyConstraint(['client_id'], ['intake_client.id'], name=op.f('fk_intake_checkin_proposal_client_id_intake_client')),
    sa.ForeignKeyConstraint(['encounter_id'], ['intake_encounter.id'], name=op.f('fk_intake_checkin_proposal_encounter_id_intake_encounter')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_intake_checkin_proposal')),
    sa.UniqueConstraint('checkin_id', name=op.f('uq_intake_checkin_proposal_checkin_id'))
    )
    op.create_index(op.f('ix_intake_checkin_proposal_client_id'), 'intake_checkin_proposal', ['client_id'], unique=False)
    op.create_index(op.f('ix_intake_checkin_proposal_encounter_id'), 'intake_checkin_proposal', ['encounter_id'], unique=False)
    op.create_table('intake_checkin_throttle',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('key', sa.String(length=80), nullable=False),
    sa.Column('window_start', intake_ai.store.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('hits', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_intake_checkin_throttle')),
    sa.UniqueConstraint('kind', 'key', name=op.f('uq_intake_checkin_throttle_kind_key'))
    )
    op.create_index('ix_intake_checkin_throttle_window', 'intake_checkin_throttle', ['window_start'], unique=False)
    op.create_table('intake_client_language',
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('language', sa.String(length=5), nullable=False),
    sa.Column('updated_at', intake_ai.store.database.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['client_id'], ['intake_client.id'], name=op.f('fk_intake_client_language_client_id_intake_client')),
    sa.PrimaryKeyConstraint('client_id', name=op.f('pk_intake_client_language'))
    )


def downgrade():
    op.drop_table('intake_client_language')
    op.drop_index('ix_intake_checkin_throttle_window', table_name='intake_checkin_throttle')
    op.drop_table('intake_checkin_throttle')
    op.drop_index(op.f('ix_intake_checkin_proposal_encounter_id'), table_name='intake_checkin_proposal')
    op.drop_index(op.f('ix_intake_checkin_proposal_client_id'), table_name='intake_checkin_proposal')
    op.drop_table('intake_checkin_proposal')
    op.drop_index(op.f('ix_intake_checkin_encounter_id'), table_name='intake_checkin')
    op.drop_index(op.f('ix_intake_checkin_client_id'), table_name='intake_checkin')
    op.drop_table('intake_checkin')

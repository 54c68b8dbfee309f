"""Supervisors' feedback notes on a client's record, for the clinician.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01 12:30:00.000000
"""
from alembic import op
import sqlalchemy as sa
import intake_ai.store.database


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('intake_feedback_note',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('created_at', intake_ai.store.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['intake_user.id'], name=op.f('fk_intake_feedback_note_author_id_intake_user')),
    sa.ForeignKeyConstraint(['client_id'], ['intake_client.id'], name=op.f('fk_intake_feedback_note_client_id_intake_client')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_intake_feedback_note'))
    )
    op.create_index(op.f('ix_intake_feedback_note_client_id'), 'intake_feedback_note', ['client_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_intake_feedback_note_client_id'), table_name='intake_feedback_note')
    op.drop_table('intake_feedback_note')

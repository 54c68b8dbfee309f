"""SMART Backend Services: client registrations, used assertion ids, tokens they hold.

Revision ID: 0013
Revises: 0010
Create Date: 2026-12-01 10:40:00.000000
"""
from alembic import op
import sqlalchemy as sa
import intake_ai.store.database


revision = '0013'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('intake_smart_client',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.String(length=120), nullable=False),
    sa.Column('label', sa.String(length=200), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('jwks', sa.Text(), nullable=False),
    sa.Column('scopes', sa.String(length=2000), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', intake_ai.store.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('disabled_at', intake_ai.store.database.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['intake_user.id'], name=op.f('fk_intake_smart_client_user_id_intake_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_intake_smart_client')),
    sa.UniqueConstraint('client_id', name=op.f('uq_intake_smart_client_client_id'))
    )
    op.create_index(op.f('ix_intake_smart_client_user_id'), 'intake_smart_client', ['user_id'], unique=False)
    op.create_table('intake_smart_used_jti',
    sa.Column('smart_client_id', sa.Integer(), nullable=False),
    sa.Column('jti', sa.String(length=255), nullable=False),
    sa.Column('expires_at', intake_ai.store.database.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['smart_client_id'], ['intake_smart_client.id'], name=op.f('fk_intake_smart_used_jti_smart_client_id_intake_smart_client')),
    sa.PrimaryKeyConstraint('smart_client_id', 'jti', name=op.f('pk_intake_smart_used_jti'))
    )
    op.create_index('ix_intake_smart_used_jti_expires_at', 'intake_smart_used_jti', ['expires_at'], unique=False)
    # Batch mode: SQLite adds a foreign key only by rebuilding the table.
    with op.batch_alter_table('intake_api_token') as batch:
        batch.add_column(sa.Column('smart_client_id', sa.Integer(), nullable=True))
        batch.create_index(batch.f('ix_intake_api_token_smart_client_id'), ['smart_client_id'], unique=False)
        batch.create_foreign_key(batch.f('fk_intake_api_token_smart_client_id_intake_smart_client'), 'intake_smart_client', ['smart_client_id'], ['id'])


def downgrade():
    with op.batch_alter_table('intake_api_token') as batch:
        batch.drop_constraint(batch.f('fk_intake_api_token_smart_client_id_intake_smart_client'), type_='foreignkey')
        batch.drop_index(batch.f('ix_intake_api_token_smart_client_id'))
        batch.drop_column('smart_client_id')
    op.drop_index('ix_intake_smart_used_jti_expires_at', table_name='intake_smart_used_jti')
    op.drop_table('intake_smart_used_jti')
    op.drop_index(op.f('ix_intake_smart_client_user_id'), table_name='intake_smart_client')
    op.drop_table('intake_smart_client')

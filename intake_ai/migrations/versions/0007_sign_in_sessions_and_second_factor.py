"""Sign-in: server-side sessions, failed-attempt counters, TOTP second factor.

The module's own sign-in keeps each session as a row (the cookie carries only a random id,
stored here as its SHA-256), counts failed attempts per account name and per address, and
keeps the TOTP secret and the digests of the recovery codes of those who set one up.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 09:41:07.062048
"""
from alembic import op
import sqlalchemy as sa
import intake_ai.store.database


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('intake_login_throttle',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('key', sa.String(length=80), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('last_failure_at', intake_ai.store.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('locked_until', intake_ai.store.database.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_intake_login_throttle')),
    sa.UniqueConstraint('kind', 'key', name=op.f('uq_intake_login_throttle_kind_key'))
    )
    with op.batch_alter_table('intake_login_throttle', schema=None) as batch_op:
        batch_op.create_index('ix_intake_login_throttle_last_failure_at', ['last_failure_at'], unique=False)

    op.create_table('intake_login_session',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('id_hash', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('stage', sa.String(length=20), nullable=False),
    sa.Column('credential_stamp', sa.String(length=64), nullable=False),
    sa.Column('created_at', intake_ai.store.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', intake_ai.store.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ended_at', intake_ai.store.database.UTCDateTime(timezone=True), nullable=True),
    sa.Column('end_reason', sa.String(length=20), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['intake_user.id'], name=op.f('fk_intake_login_session_user_id_intake_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_intake_login_session')),
    sa.UniqueConstraint('id_hash', name=op.f('uq_intake_login_session_id_hash'))
    )
    with op.batch_alter_table('intake_login_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_intake_login_session_user_id'), ['user_id'], unique=False)

    op.create_table('intake_recovery_code',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', intake_ai.store.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('used_at', intake_ai.store.database.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['intake_user.id'], name=op.f('fk_intake_recovery_code_user_id_intake_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_intake_recovery_code')),
    sa.UniqueConstraint('code_hash', name=op.f('uq_intake_recovery_code_code_hash'))
    )
    with op.batch_alter_table('intake_recovery_code', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_intake_recovery_code_user_id'), ['user_id'], unique=False)

    op.create_table('intake_second_factor',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('secret', sa.String(length=64), nullable=True),
    sa.Column('pending_secret', sa.String(length=64), nullable=True),
    sa.Column('confirmed_at', intake_ai.store.database.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_step', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['intake_user.id'], name=op.f('fk_intake_second_factor_user_id_intake_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_intake_second_factor'))
    )


def downgrade():
    op.drop_table('intake_second_factor')
    with op.batch_alter_table('intake_recovery_code', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_intake_recovery_code_user_id'))

    op.drop_table('intake_recovery_code')
    with op.batch_alter_table('intake_login_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_intake_login_session_user_id'))

    op.drop_table('intake_login_session')
    with op.batch_alter_table('intake_login_throttle', schema=None) as batch_op:
        batch_op.drop_index('ix_intake_login_throttle_last_failure_at')

    op.drop_table('intake_login_throttle')

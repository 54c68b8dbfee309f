"""Account and token lifecycle: a forced password change, and when a token was last used.

``must_change_password`` is set by an admin's reset; ``last_used_at`` is written by the API
at most once a minute per token.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 09:00:00.000000
"""
from alembic import op
import sqlalchemy as sa

import intake_ai.store.database


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("intake_user", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("must_change_password", sa.Boolean(), nullable=False,
                      server_default=sa.false())
        )
    with op.batch_alter_table("intake_api_token", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("last_used_at", intake_ai.store.database.UTCDateTime(timezone=True),
                      nullable=True)
        )


def downgrade():
    with op.batch_alter_table("intake_api_token", schema=None) as batch_op:
        batch_op.drop_column("last_used_at")
    with op.batch_alter_table("intake_user", schema=None) as batch_op:
        batch_op.drop_column("must_change_password")

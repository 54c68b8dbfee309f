"""Bulk export jobs; Patient and Practitioner rows indexed by their identifier.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24 06:46:03.466190
"""
import json

from alembic import op
import sqlalchemy as sa
import intake_ai.store.database


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('intake_export_job',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_id', sa.Integer(), nullable=True),
    sa.Column('level', sa.String(length=20), nullable=False),
    sa.Column('types', sa.String(length=400), nullable=False),
    sa.Column('since', intake_ai.store.database.UTCDateTime(timezone=True), nullable=True),
    sa.Column('transaction_time', intake_ai.store.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('request_url', sa.String(length=2000), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('created_at', intake_ai.store.database.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['intake_user.id'], name=op.f('fk_intake_export_job_user_id_intake_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_intake_export_job'))
    )
    # Searches by identifier read the first identifier into the code columns.
    resources = sa.table("intake_resource", sa.column("pk"), sa.column("resource_type"),
                         sa.column("content"), sa.column("code_system"), sa.column("code"))
    connection = op.get_bind()
    rows = connection.execute(sa.select(resources.c.pk, resources.c.content).where(
        resources.c.resource_type.in_(["Patient", "Practitioner"]),
        resources.c.content.is_not(None))).all()
    for pk, content in rows:
        identifier = (json.loads(content).get("identifier") or [{}])[0]
        connection.execute(resources.update().where(resources.c.pk == pk).values(
            code_system=identifier.get("system"), code=identifier.get("value")))


def downgrade():
    op.drop_table('intake_export_job')

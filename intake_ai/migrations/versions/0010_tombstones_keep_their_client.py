"""A purge's tombstone keeps the client the record belonged to.

So that a read of a removed record answers 410 Gone only to a caller who could have read
it, and 404 to everyone else (who must not learn that it existed). Tombstones written
before this revision get their client back from the purge's audit entry, which has always
recorded it.

Revision ID: 0010
Revises: 0008
Create Date: 2026-12-01 10:00:00.000000
"""
from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0008'
branch_labels = None
depends_on = None

RESOURCE = sa.table(
    "intake_resource",
    sa.column("pk", sa.BigInteger),
    sa.column("resource_type", sa.String),
    sa.column("resource_id", sa.String),
    sa.column("deleted", sa.Boolean),
    sa.column("client_id", sa.BigInteger),
)
AUDIT = sa.table(
    "intake_audit",
    sa.column("id", sa.BigInteger),
    sa.column("operation", sa.String),
    sa.column("entity", sa.String),
    sa.column("client_id", sa.BigInteger),
)


def upgrade():
    bind = op.get_bind()
    tombstones = bind.execute(
        sa.select(RESOURCE.c.pk, RESOURCE.c.resource_type, RESOURCE.c.resource_id).where(
            RESOURCE.c.deleted.is_(True), RESOURCE.c.client_id.is_(None)
        )
    ).all()
    for pk, resource_type, resource_id in tombstones:
        client_id = bind.scalar(
            sa.select(AUDIT.c.client_id)
            .where(
                AUDIT.c.operation == "purge",
                AUDIT.c.entity == f"{resource_type}/{resource_id}",
                AUDIT.c.client_id.is_not(None),
            )
            .order_by(AUDIT.c.id.desc())
            .limit(1)
        )
        if client_id is not None:
            bind.execute(RESOURCE.update().where(RESOURCE.c.pk == pk).values(client_id=client_id))


def downgrade():
    # As before: a tombstone names no client.
    op.get_bind().execute(
        RESOURCE.update().where(RESOURCE.c.deleted.is_(True)).values(client_id=None)
    )

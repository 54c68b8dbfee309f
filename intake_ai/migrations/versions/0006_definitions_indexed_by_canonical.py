"""Definitions indexed by their canonical, url|version.

References name a definition as url|version (a QuestionnaireResponse's questionnaire), and
a ``url`` search given that found nothing while the index held the bare url. A search by
the bare url still matches (any version of it).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 02:30:00.000000
"""
import json

from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

DEFINITIONS = ("Questionnaire", "CodeSystem", "ValueSet")
RESOURCE = sa.table(
    "intake_resource",
    sa.column("pk", sa.BigInteger),
    sa.column("resource_type", sa.String),
    sa.column("content", sa.LargeBinary),
    sa.column("code", sa.String),
)


def _reindex(canonical: bool) -> None:
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(RESOURCE.c.pk, RESOURCE.c.content).where(
            RESOURCE.c.resource_type.in_(DEFINITIONS), RESOURCE.c.content.is_not(None)
        )
    ).all()
    for pk, content in rows:
        resource = json.loads(content)
        url, version = resource.get("url"), resource.get("version")
        code = f"{url}|{version}" if canonical and url and version else url
        bind.execute(RESOURCE.update().where(RESOURCE.c.pk == pk).values(code=code))


def upgrade():
    _reindex(canonical=True)


def downgrade():
    _reindex(canonical=False)

"""Initial schema: users and roles, clients, care and supervision, sessions, the FHIR
resource store, audit records and drafts.

Revision ID: 0001
Revises:
Create Date: 2026-11-24 05:59:26.497452
"""

from alembic import op
import sqlalchemy as sa
import intake_ai.store.database


revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "intake_audit",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("recorded", intake_ai.store.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("token_id", sa.Integer(), nullable=True),
        sa.Column("agent_name", sa.String(length=80), nullable=False),
        sa.Column("agent_role", sa.String(length=20), nullable=False),
        sa.Column("action", sa.String(length=1), nullable=False),
        sa.Column("operation", sa.String(length=40), nullable=False),
        sa.Column("entity", sa.String(length=160), nullable=True),
        sa.Column("entity_type", sa.String(length=40), nullable=True),
        sa.Column("client_id", sa.BigInteger(), nullable=True),
        sa.Column("outcome", sa.String(length=2), nullable=False),
        sa.Column("source_ip", sa.String(length=64), nullable=True),
        sa.Column("user_agent", sa.String(length=200), nullable=True),
        sa.Column("detail", sa.String(length=500), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_intake_audit")),
    )
    with op.batch_alter_table("intake_audit", schema=None) as batch_op:
        batch_op.create_index("ix_intake_audit_client", ["client_id", "recorded"], unique=False)
        batch_op.create_index("ix_intake_audit_recorded", ["recorded", "id"], unique=False)

    op.create_table(
        "intake_client",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ehr_patient_id", sa.String(length=64), nullable=False),
        sa.Column("display_name", sa.String(length=200), nullable=False),
        sa.Column("pseudonym", sa.String(length=40), nullable=False),
        sa.Column("is_minor", sa.Boolean(), nullable=False),
        sa.Column(
            "consent_state",
            sa.Enum(
                "none",
                "proposed",
                "active",
                "rejected",
                name="consent_state",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("created_at", intake_ai.store.database.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_intake_client")),
        sa.UniqueConstraint("ehr_patient_id", name=op.f("uq_intake_client_ehr_patient_id")),
    )
    op.create_table(
        "intake_user",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=80), nullable=False),
        sa.Column("display_name", sa.String(length=200), nullable=False),
        sa.Column(
            "role",
            sa.Enum(
                "clinician",
                "supervisor",
                "admin",
                "integrator",
                name="role",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("password_hash", sa.String(length=255), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", intake_ai.store.database.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_intake_user")),
        sa.UniqueConstraint("username", name=op.f("uq_intake_user_username")),
    )
    op.create_table(
        "intake_api_token",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("scopes", sa.String(length=2000), nullable=False),
        sa.Column("created_at", intake_ai.store.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", intake_ai.store.database.UTCDateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", intake_ai.store.database.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["intake_user.id"], name=op.f("fk_intake_api_token_user_id_intake_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_intake_api_token")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_intake_api_token_token_hash")),
    )
    with op.batch_alter_table("intake_api_token", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_intake_api_token_user_id"), ["user_id"], unique=False)

    op.create_table(
        "intake_care_assignment",
        sa.Column("clinician_id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("created_at", intake_ai.store.database.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["intake_client.id"],
            name=op.f("fk_intake_care_assignment_client_id_intake_client"),
        ),
        sa.ForeignKeyConstraint(
            ["clinician_id"],
            ["intake_user.id"],
            name=op.f("fk_intake_care_assignment_clinician_id_intake_user"),
        ),
        sa.PrimaryKeyConstraint(
            "clinician_id", "client_id", name=op.f("pk_intake_care_assignment")
        ),
    )
    with op.batch_alter_table("intake_care_assignment", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_intake_care_assignment_client_id"), ["client_id"], unique=False
        )

    op.create_table(
        "intake_encounter",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("clinician_id", sa.Integer(), nullable=False),
        sa.Column("start", intake_ai.store.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "intake",
                "session",
                name="encounter_kind",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("ehr_encounter_id", sa.String(length=64), nullable=True),
        sa.Column("created_at", intake_ai.store.database.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["intake_client.id"],
            name=op.f("fk_intake_encounter_client_id_intake_client"),
        ),
        sa.ForeignKeyConstraint(
            ["clinician_id"],
            ["intake_user.id"],
            name=op.f("fk_intake_encounter_clinician_id_intake_user"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_intake_encounter")),
    )
    with op.batch_alter_table("intake_encounter", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_intake_encounter_client_id"), ["client_id"], unique=False
        )

    op.create_table(
        "intake_resource",
        sa.Column(
            "pk",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("resource_type", sa.String(length=40), nullable=False),
        sa.Column("resource_id", sa.String(length=64), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("is_current", sa.Boolean(), nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=True),
        sa.Column("encounter_id", sa.Integer(), nullable=True),
        sa.Column("code_system", sa.String(length=200), nullable=True),
        sa.Column("code", sa.String(length=200), nullable=True),
        sa.Column("category_system", sa.String(length=200), nullable=True),
        sa.Column("category", sa.String(length=64), nullable=True),
        sa.Column("value_code", sa.String(length=120), nullable=True),
        sa.Column("value_num", sa.Float(), nullable=True),
        sa.Column("status", sa.String(length=32), nullable=True),
        sa.Column("effective", intake_ai.store.database.UTCDateTime(timezone=True), nullable=True),
        sa.Column("derived_from", sa.String(length=120), nullable=True),
        sa.Column("last_updated", intake_ai.store.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("superseded_at", intake_ai.store.database.UTCDateTime(timezone=True), nullable=True),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("content", sa.LargeBinary(), nullable=True),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["intake_client.id"],
            name=op.f("fk_intake_resource_client_id_intake_client"),
        ),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_intake_resource")),
        sa.UniqueConstraint(
            "resource_type",
            "resource_id",
            "version_id",
            name=op.f("uq_intake_resource_resource_type_resource_id_version_id"),
        ),
    )
    with op.batch_alter_table("intake_resource", schema=None) as batch_op:
        batch_op.create_index(
            "ix_intake_resource_code",
            ["resource_type", "code", "pk"],
            unique=False,
            sqlite_where=sa.text("is_current"),
            postgresql_where=sa.text("is_current"),
        )
        batch_op.create_index("ix_intake_resource_derived_from", ["derived_from"], unique=False)
        batch_op.create_index(
            "ix_intake_resource_effective",
            ["resource_type", "effective", "pk"],
            unique=False,
            sqlite_where=sa.text("is_current"),
            postgresql_where=sa.text("is_current"),
        )
        batch_op.create_index(
            "ix_intake_resource_encounter",
            ["resource_type", "encounter_id"],
            unique=False,
            sqlite_where=sa.text("is_current"),
            postgresql_where=sa.text("is_current"),
        )
        batch_op.create_index(
            "ix_intake_resource_last_updated", ["last_updated", "pk"], unique=False
        )
        batch_op.create_index(
            "ix_intake_resource_subject",
            ["resource_type", "client_id", "pk"],
            unique=False,
            sqlite_where=sa.text("is_current"),
            postgresql_where=sa.text("is_current"),
        )
        batch_op.create_index(
            "ix_intake_resource_type_pk",
            ["resource_type", "pk"],
            unique=False,
            sqlite_where=sa.text("is_current"),
            postgresql_where=sa.text("is_current"),
        )

    op.create_table(
        "intake_supervision",
        sa.Column("supervisor_id", sa.Integer(), nullable=False),
        sa.Column("clinician_id", sa.Integer(), nullable=False),
        sa.Column("created_at", intake_ai.store.database.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["clinician_id"],
            ["intake_user.id"],
            name=op.f("fk_intake_supervision_clinician_id_intake_user"),
        ),
        sa.ForeignKeyConstraint(
            ["supervisor_id"],
            ["intake_user.id"],
            name=op.f("fk_intake_supervision_supervisor_id_intake_user"),
        ),
        sa.PrimaryKeyConstraint(
            "supervisor_id", "clinician_id", name=op.f("pk_intake_supervision")
        ),
    )
    with op.batch_alter_table("intake_supervision", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_intake_supervision_clinician_id"), ["clinician_id"], unique=False
        )

    op.create_table(
        "intake_draft",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("encounter_id", sa.Integer(), nullable=False),
        sa.Column("form", sa.String(length=40), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("updated_at", intake_ai.store.database.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"], ["intake_user.id"], name=op.f("fk_intake_draft_author_id_intake_user")
        ),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["intake_client.id"],
            name=op.f("fk_intake_draft_client_id_intake_client"),
        ),
        sa.ForeignKeyConstraint(
            ["encounter_id"],
            ["intake_encounter.id"],
            name=op.f("fk_intake_draft_encounter_id_intake_encounter"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_intake_draft")),
        sa.UniqueConstraint("encounter_id", "form", name=op.f("uq_intake_draft_encounter_id_form")),
    )
    with op.batch_alter_table("intake_draft", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_intake_draft_client_id"), ["client_id"], unique=False)


def downgrade():
    with op.batch_alter_table("intake_draft", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_intake_draft_client_id"))

    op.drop_table("intake_draft")
    with op.batch_alter_table("intake_supervision", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_intake_supervision_clinician_id"))

    op.drop_table("intake_supervision")
    with op.batch_alter_table("intake_resource", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_intake_resource_type_pk",
            sqlite_where=sa.text("is_current"),
            postgresql_where=sa.text("is_current"),
        )
        batch_op.drop_index(
            "ix_intake_resource_subject",
            sqlite_where=sa.text("is_current"),
            postgresql_where=sa.text("is_current"),
        )
        batch_op.drop_index("ix_intake_resource_last_updated")
        batch_op.drop_index(
            "ix_intake_resource_encounter",
            sqlite_where=sa.text("is_current"),
            postgresql_where=sa.text("is_current"),
        )
        batch_op.drop_index(
            "ix_intake_resource_effective",
            sqlite_where=sa.text("is_current"),
            postgresql_where=sa.text("is_current"),
        )
        batch_op.drop_index("ix_intake_resource_derived_from")
        batch_op.drop_index(
            "ix_intake_resource_code",
            sqlite_where=sa.text("is_current"),
            postgresql_where=sa.text("is_current"),
        )

    op.drop_table("intake_resource")
    with op.batch_alter_table("intake_encounter", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_intake_encounter_client_id"))

    op.drop_table("intake_encounter")
    with op.batch_alter_table("intake_care_assignment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_intake_care_assignment_client_id"))

    op.drop_table("intake_care_assignment")
    with op.batch_alter_table("intake_api_token", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_intake_api_token_user_id"))

    op.drop_table("intake_api_token")
    op.drop_table("intake_user")
    op.drop_table("intake_client")
    with op.batch_alter_table("intake_audit", schema=None) as batch_op:
        batch_op.drop_index("ix_intake_audit_recorded")
        batch_op.drop_index("ix_intake_audit_client")

    op.drop_table("intake_audit")

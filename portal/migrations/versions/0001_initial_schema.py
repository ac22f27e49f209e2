"""Initial schema: firms, staff, plans, profiles, associations, audit events, type lists.

Revision ID: 0001
Revises:
Create Date: 2026-11-25 20:59:13.732144
"""

import sqlalchemy as sa
from alembic import op

from portal.reference import COMPANY_TYPES, TRUST_TYPES

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "company_types",
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("label", sa.String(length=100), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_company_types")),
    )
    op.create_table(
        "firms",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_firms")),
        sa.UniqueConstraint("name", name=op.f("uq_firms_name")),
    )
    op.create_table(
        "trust_types",
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("label", sa.String(length=100), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_trust_types")),
    )
    op.create_table(
        "subscription_plans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("firm_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("description", sa.String(length=200), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("retired", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["firm_id"],
            ["firms.id"],
            name=op.f("fk_subscription_plans_firm_id_firms"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subscription_plans")),
        sa.UniqueConstraint("firm_id", "id", name=op.f("uq_subscription_plans_firm_id_id")),
        sa.UniqueConstraint("firm_id", "name", name=op.f("uq_subscription_plans_firm_id_name")),
    )
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("firm_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("is_admin", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("session_version", sa.Integer(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.Column("last_sign_in_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["firm_id"], ["firms.id"], name=op.f("fk_users_firm_id_firms"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("email", name=op.f("uq_users_email")),
    )
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_users_firm_id"), ["firm_id"], unique=False)

    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(), nullable=False),
        sa.Column("firm_id", sa.Integer(), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=60), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("object_type", sa.String(length=40), nullable=True),
        sa.Column("object_id", sa.Integer(), nullable=True),
        sa.Column("summary", sa.String(length=500), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("remote_addr", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["firm_id"],
            ["firms.id"],
            name=op.f("fk_audit_events_firm_id_firms"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_audit_events_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_events")),
    )
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.create_index("ix_audit_events_firm_time", ["firm_id", "occurred_at"], unique=False)

    op.create_table(
        "profiles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("firm_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("standing", sa.String(length=20), nullable=False),
        sa.Column("setup_status", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=500), nullable=False),
        sa.Column("sort_name", sa.String(length=500), nullable=False),
        sa.Column("first_name", sa.String(length=200), nullable=False),
        sa.Column("last_name", sa.String(length=200), nullable=False),
        sa.Column("other_name", sa.String(length=200), nullable=False),
        sa.Column("date_of_birth", sa.Date(), nullable=True),
        sa.Column("company_type_code", sa.String(length=40), nullable=True),
        sa.Column("trust_type_code", sa.String(length=40), nullable=True),
        sa.Column("subscription_plan_id", sa.Integer(), nullable=True),
        sa.Column("client_reference", sa.String(length=100), nullable=True),
        sa.Column("company_number", sa.String(length=50), nullable=False),
        sa.Column("nzbn", sa.String(length=50), nullable=False),
        sa.Column("ird_number", sa.String(length=50), nullable=False),
        sa.Column("ird_number_masked", sa.Boolean(), nullable=False),
        sa.Column("companies_office_linked", sa.Boolean(), nullable=False),
        sa.Column("annual_return_month", sa.Integer(), nullable=True),
        sa.Column("settlement_date", sa.Date(), nullable=True),
        sa.Column("trust_deed_date", sa.Date(), nullable=True),
        sa.Column("vesting_date", sa.Date(), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("phone", sa.String(length=50), nullable=False),
        sa.Column("mobile", sa.String(length=50), nullable=False),
        sa.Column("website", sa.String(length=300), nullable=False),
        sa.Column("physical_address", sa.Text(), nullable=False),
        sa.Column("physical_city", sa.String(length=100), nullable=False),
        sa.Column("physical_region", sa.String(length=100), nullable=False),
        sa.Column("physical_postcode", sa.String(length=20), nullable=False),
        sa.Column("physical_country", sa.String(length=100), nullable=False),
        sa.Column("postal_address", sa.Text(), nullable=False),
        sa.Column("postal_city", sa.String(length=100), nullable=False),
        sa.Column("postal_region", sa.String(length=100), nullable=False),
        sa.Column("postal_postcode", sa.String(length=20), nullable=False),
        sa.Column("postal_country", sa.String(length=100), nullable=False),
        sa.Column("xpm_provider", sa.String(length=20), nullable=True),
        sa.Column("xpm_client_uuid", sa.String(length=64), nullable=True),
        sa.Column("xpm_name", sa.String(length=500), nullable=True),
        sa.Column("xpm_linked_at", sa.DateTime(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('company', 'trust', 'individual')", name=op.f("ck_profiles_kind")
        ),
        sa.CheckConstraint(
            "setup_status IN ('preparing', 'complete')", name=op.f("ck_profiles_setup_status")
        ),
        sa.CheckConstraint(
            "standing = 'contact' OR subscription_plan_id IS NOT NULL",
            name=op.f("ck_profiles_client_has_plan"),
        ),
        sa.CheckConstraint("standing IN ('client', 'contact')", name=op.f("ck_profiles_standing")),
        sa.CheckConstraint(
            "xpm_provider IN ('xpm', 'workflowmax')", name=op.f("ck_profiles_xpm_provider")
        ),
        sa.CheckConstraint(
            "(xpm_provider IS NULL) = (xpm_client_uuid IS NULL)",
            name=op.f("ck_profiles_xpm_link_complete"),
        ),
        sa.ForeignKeyConstraint(
            ["company_type_code"],
            ["company_types.code"],
            name=op.f("fk_profiles_company_type_code_company_types"),
        ),
        sa.ForeignKeyConstraint(
            ["firm_id", "subscription_plan_id"],
            ["subscription_plans.firm_id", "subscription_plans.id"],
            name=op.f("fk_profiles_firm_id_subscription_plan_id_subscription_plans"),
        ),
        sa.ForeignKeyConstraint(
            ["firm_id"], ["firms.id"], name=op.f("fk_profiles_firm_id_firms"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["trust_type_code"],
            ["trust_types.code"],
            name=op.f("fk_profiles_trust_type_code_trust_types"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_profiles")),
        sa.UniqueConstraint(
            "firm_id", "client_reference", name=op.f("uq_profiles_firm_id_client_reference")
        ),
        sa.UniqueConstraint("firm_id", "id", name=op.f("uq_profiles_firm_id_id")),
        sa.UniqueConstraint(
            "firm_id",
            "xpm_provider",
            "xpm_client_uuid",
            name=op.f("uq_profiles_firm_id_xpm_provider_xpm_client_uuid"),
        ),
    )
    with op.batch_alter_table("profiles", schema=None) as batch_op:
        batch_op.create_index(
            "ix_profiles_firm_standing_name", ["firm_id", "standing", "sort_name"], unique=False
        )

    op.create_table(
        "associations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("firm_id", sa.Integer(), nullable=False),
        sa.Column("profile_id", sa.Integer(), nullable=False),
        sa.Column("party_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=40), nullable=False),
        sa.Column("label", sa.String(length=100), nullable=False),
        sa.Column("shares", sa.Integer(), nullable=True),
        sa.Column("percentage", sa.Numeric(precision=7, scale=4), nullable=True),
        sa.Column("start_date", sa.Date(), nullable=True),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("source_relationship_uuid", sa.String(length=64), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "end_date IS NULL OR start_date IS NULL OR end_date >= start_date",
            name=op.f("ck_associations_dates"),
        ),
        sa.CheckConstraint("profile_id <> party_id", name=op.f("ck_associations_not_self")),
        sa.CheckConstraint(
            "shares IS NULL OR shares >= 0", name=op.f("ck_associations_shares_not_negative")
        ),
        sa.ForeignKeyConstraint(
            ["firm_id", "party_id"],
            ["profiles.firm_id", "profiles.id"],
            name=op.f("fk_associations_firm_id_party_id_profiles"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["firm_id", "profile_id"],
            ["profiles.firm_id", "profiles.id"],
            name=op.f("fk_associations_firm_id_profile_id_profiles"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["firm_id"],
            ["firms.id"],
            name=op.f("fk_associations_firm_id_firms"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_associations")),
        sa.UniqueConstraint(
            "firm_id",
            "source_relationship_uuid",
            name=op.f("uq_associations_firm_id_source_relationship_uuid"),
        ),
    )
    with op.batch_alter_table("associations", schema=None) as batch_op:
        batch_op.create_index("ix_associations_party", ["party_id"], unique=False)
        batch_op.create_index("ix_associations_profile", ["profile_id"], unique=False)

    _seed_types("company_types", COMPANY_TYPES)
    _seed_types("trust_types", TRUST_TYPES)


def _seed_types(table_name, pairs):
    table = sa.table(
        table_name,
        sa.column("code", sa.String),
        sa.column("label", sa.String),
        sa.column("position", sa.Integer),
    )
    op.bulk_insert(
        table,
        [{"code": code, "label": label, "position": i} for i, (code, label) in enumerate(pairs)],
    )


def downgrade():
    with op.batch_alter_table("associations", schema=None) as batch_op:
        batch_op.drop_index("ix_associations_profile")
        batch_op.drop_index("ix_associations_party")

    op.drop_table("associations")
    with op.batch_alter_table("profiles", schema=None) as batch_op:
        batch_op.drop_index("ix_profiles_firm_standing_name")

    op.drop_table("profiles")
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_events_firm_time")

    op.drop_table("audit_events")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_users_firm_id"))

    op.drop_table("users")
    op.drop_table("subscription_plans")
    op.drop_table("trust_types")
    op.drop_table("firms")
    op.drop_table("company_types")

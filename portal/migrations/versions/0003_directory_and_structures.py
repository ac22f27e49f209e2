"""The local XPM client directory, its sync state, and per-firm BusinessStructure mappings.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 21:32:04.186835
"""

import sqlalchemy as sa
from alembic import op

from portal.reference import DEFAULT_STRUCTURES
from portal.text import structure_key

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "directory_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("firm_id", sa.Integer(), nullable=False),
        sa.Column("provider", sa.String(length=20), nullable=False),
        sa.Column("client_uuid", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=500), nullable=False),
        sa.Column("sort_name", sa.String(length=500), nullable=False),
        sa.Column("business_structure", sa.String(length=200), nullable=False),
        sa.Column("company_number", sa.String(length=50), nullable=False),
        sa.Column("business_number", sa.String(length=50), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("is_archived", sa.Boolean(), nullable=False),
        sa.Column("is_deleted", sa.Boolean(), nullable=False),
        sa.Column("is_prospect", sa.Boolean(), nullable=False),
        sa.Column("seen_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["firm_id"],
            ["firms.id"],
            name=op.f("fk_directory_entries_firm_id_firms"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_directory_entries")),
        sa.UniqueConstraint(
            "firm_id",
            "provider",
            "client_uuid",
            name=op.f("uq_directory_entries_firm_id_provider_client_uuid"),
        ),
    )
    with op.batch_alter_table("directory_entries", schema=None) as batch_op:
        batch_op.create_index(
            "ix_directory_entries_firm_name",
            ["firm_id", "provider", "sort_name", "client_uuid", "is_archived", "is_deleted"],
            unique=False,
        )

    op.create_table(
        "directory_syncs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("firm_id", sa.Integer(), nullable=False),
        sa.Column("provider", sa.String(length=20), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=True),
        sa.Column("full_synced_at", sa.DateTime(), nullable=True),
        sa.Column("modified_synced_at", sa.DateTime(), nullable=True),
        sa.Column("last_attempt_at", sa.DateTime(), nullable=True),
        sa.Column("last_error", sa.String(length=500), nullable=False),
        sa.Column("claimed_until", sa.DateTime(), nullable=True),
        sa.Column("next_refresh_at", sa.DateTime(), nullable=True),
        sa.Column("changed_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["firm_id"],
            ["firms.id"],
            name=op.f("fk_directory_syncs_firm_id_firms"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_directory_syncs")),
        sa.UniqueConstraint(
            "firm_id", "provider", name=op.f("uq_directory_syncs_firm_id_provider")
        ),
    )
    op.create_table(
        "structure_mappings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("firm_id", sa.Integer(), nullable=False),
        sa.Column("structure", sa.String(length=200), nullable=False),
        sa.Column("structure_key", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.CheckConstraint(
            "kind IN ('company', 'trust', 'individual')", name=op.f("ck_structure_mappings_kind")
        ),
        sa.ForeignKeyConstraint(
            ["firm_id"],
            ["firms.id"],
            name=op.f("fk_structure_mappings_firm_id_firms"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_structure_mappings")),
        sa.UniqueConstraint(
            "firm_id", "structure_key", name=op.f("uq_structure_mappings_firm_id_structure_key")
        ),
    )
    _seed_structures_for_existing_firms()


def _seed_structures_for_existing_firms():
    firms = sa.table("firms", sa.column("id", sa.Integer))
    mappings = sa.table(
        "structure_mappings",
        sa.column("firm_id", sa.Integer),
        sa.column("structure", sa.String),
        sa.column("structure_key", sa.String),
        sa.column("kind", sa.String),
    )
    connection = op.get_bind()
    firm_ids = connection.execute(sa.select(firms.c.id)).scalars().all()
    rows = [
        {
            "firm_id": firm_id,
            "structure": structure,
            "structure_key": structure_key(structure),
            "kind": kind,
        }
        for firm_id in firm_ids
        for structure, kind in DEFAULT_STRUCTURES
    ]
    if rows:
        op.bulk_insert(mappings, rows)


def downgrade():
    op.drop_table("structure_mappings")
    op.drop_table("directory_syncs")
    with op.batch_alter_table("directory_entries", schema=None) as batch_op:
        batch_op.drop_index("ix_directory_entries_firm_name")

    op.drop_table("directory_entries")

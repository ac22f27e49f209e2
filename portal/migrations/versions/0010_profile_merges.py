"""Merged profiles: each removed profile's id, the profile it was merged into, who merged
it, when, and what moved (docs/spec.md §2a).

Revision ID: 0010
Revises: 0008
Create Date: 2026-12-01 17:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "profile_merges",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("firm_id", sa.Integer(), nullable=False),
        sa.Column("merged_profile_id", sa.Integer(), nullable=False),
        sa.Column("merged_name", sa.String(length=500), nullable=False),
        sa.Column("kept_profile_id", sa.Integer(), nullable=False),
        sa.Column("merged_by_id", sa.Integer(), nullable=True),
        sa.Column("merged_at", sa.DateTime(), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["firm_id", "kept_profile_id"],
            ["profiles.firm_id", "profiles.id"],
            name=op.f("fk_profile_merges_firm_id_kept_profile_id_profiles"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["firm_id"],
            ["firms.id"],
            name=op.f("fk_profile_merges_firm_id_firms"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["merged_by_id"],
            ["users.id"],
            name=op.f("fk_profile_merges_merged_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_profile_merges")),
        sa.UniqueConstraint(
            "firm_id", "merged_profile_id", name=op.f("uq_profile_merges_firm_id_merged_profile_id")
        ),
    )
    with op.batch_alter_table("profile_merges", schema=None) as batch_op:
        batch_op.create_index("ix_profile_merges_kept", ["kept_profile_id"], unique=False)


def downgrade():
    with op.batch_alter_table("profile_merges", schema=None) as batch_op:
        batch_op.drop_index("ix_profile_merges_kept")
    op.drop_table("profile_merges")

"""What XPM does not say: contacts of unknown kind, and directory entries whose status
(archived, deleted, prospect) or structure XPM's answer left out; where a full read of the
client list that stopped part way had got to; and a trigram index for searching names by
any part of them on PostgreSQL (pg_trgm, which the database owner may create).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 11:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

THREE = "kind IN ('company', 'trust', 'individual')"
FOUR = "kind IN ('company', 'trust', 'individual', 'unknown')"
FLAGS = ("is_archived", "is_deleted", "is_prospect")


def upgrade():
    with op.batch_alter_table("profiles", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_profiles_kind"), type_="check")
        batch_op.create_check_constraint(op.f("ck_profiles_kind"), FOUR)
        batch_op.create_check_constraint(
            op.f("ck_profiles_unknown_kind_contact"), "kind <> 'unknown' OR standing = 'contact'"
        )
    with op.batch_alter_table("directory_entries", schema=None) as batch_op:
        for flag in FLAGS:
            batch_op.alter_column(flag, existing_type=sa.Boolean(), nullable=True)
        batch_op.add_column(sa.Column("detailed_at", sa.DateTime(), nullable=True))
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")  # a trusted extension
    op.create_index(
        "ix_directory_entries_sort_name_trigrams",
        "directory_entries",
        ["sort_name"],
        postgresql_using="gin",
        postgresql_ops={"sort_name": "gin_trgm_ops"},
    )
    with op.batch_alter_table("directory_syncs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("full_read_from", sa.String(length=2000), nullable=True))
        batch_op.add_column(sa.Column("full_read_started_at", sa.DateTime(), nullable=True))


def downgrade():
    op.drop_index("ix_directory_entries_sort_name_trigrams", table_name="directory_entries")
    with op.batch_alter_table("directory_syncs", schema=None) as batch_op:
        batch_op.drop_column("full_read_started_at")
        batch_op.drop_column("full_read_from")
    with op.batch_alter_table("directory_entries", schema=None) as batch_op:
        batch_op.drop_column("detailed_at")
    entries = sa.table("directory_entries", *(sa.column(flag, sa.Boolean()) for flag in FLAGS))
    for flag in FLAGS:
        op.execute(entries.update().where(entries.c[flag].is_(None)).values({flag: False}))
    with op.batch_alter_table("directory_entries", schema=None) as batch_op:
        for flag in FLAGS:
            batch_op.alter_column(flag, existing_type=sa.Boolean(), nullable=False)
    # Contacts of unknown kind cannot be kept under the old rule: they become companies,
    # as the portal made them before this revision.
    op.execute("UPDATE profiles SET kind = 'company' WHERE kind = 'unknown'")
    with op.batch_alter_table("profiles", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_profiles_unknown_kind_contact"), type_="check")
        batch_op.drop_constraint(op.f("ck_profiles_kind"), type_="check")
        batch_op.create_check_constraint(op.f("ck_profiles_kind"), THREE)

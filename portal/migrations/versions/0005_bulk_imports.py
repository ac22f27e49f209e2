"""Bulk imports: an uploaded file's checked rows, its problems, and the import's progress.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25 22:05:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "bulk_imports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("firm_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("confirmed_by_id", sa.Integer(), nullable=True),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("file_bytes", sa.Integer(), nullable=False),
        sa.Column("file_sha256", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("rows_in_file", sa.Integer(), nullable=False),
        sa.Column("profile_rows", sa.Integer(), nullable=False),
        sa.Column("association_rows", sa.Integer(), nullable=False),
        sa.Column("valid_rows", sa.Integer(), nullable=False),
        sa.Column("error_rows", sa.Integer(), nullable=False),
        sa.Column("warnings", sa.Integer(), nullable=False),
        sa.Column("prepared", sa.Integer(), nullable=False),
        sa.Column("created", sa.Integer(), nullable=False),
        sa.Column("updated", sa.Integer(), nullable=False),
        sa.Column("unchanged", sa.Integer(), nullable=False),
        sa.Column("links_created", sa.Integer(), nullable=False),
        sa.Column("links_updated", sa.Integer(), nullable=False),
        sa.Column("links_unchanged", sa.Integer(), nullable=False),
        sa.Column("failure", sa.String(length=1000), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(), nullable=True),
        sa.Column("heartbeat_at", sa.DateTime(), nullable=True),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint(
            "status IN ('checked', 'queued', 'preparing', 'writing', 'done', 'failed')",
            name=op.f("ck_bulk_imports_status"),
        ),
        sa.ForeignKeyConstraint(
            ["confirmed_by_id"],
            ["users.id"],
            name=op.f("fk_bulk_imports_confirmed_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["firm_id"],
            ["firms.id"],
            name=op.f("fk_bulk_imports_firm_id_firms"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_bulk_imports_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bulk_imports")),
    )
    with op.batch_alter_table("bulk_imports", schema=None) as batch_op:
        batch_op.create_index(
            "ix_bulk_imports_firm_created", ["firm_id", "created_at"], unique=False
        )

    op.create_table(
        "bulk_import_problems",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("bulk_import_id", sa.Integer(), nullable=False),
        sa.Column("line", sa.Integer(), nullable=True),
        sa.Column("column_name", sa.String(length=100), nullable=False),
        sa.Column("severity", sa.String(length=20), nullable=False),
        sa.Column("message", sa.String(length=500), nullable=False),
        sa.CheckConstraint(
            "severity IN ('error', 'warning')", name=op.f("ck_bulk_import_problems_severity")
        ),
        sa.ForeignKeyConstraint(
            ["bulk_import_id"],
            ["bulk_imports.id"],
            name=op.f("fk_bulk_import_problems_bulk_import_id_bulk_imports"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bulk_import_problems")),
    )
    with op.batch_alter_table("bulk_import_problems", schema=None) as batch_op:
        batch_op.create_index(
            "ix_bulk_import_problems_import_line", ["bulk_import_id", "line"], unique=False
        )

    op.create_table(
        "bulk_import_rows",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("bulk_import_id", sa.Integer(), nullable=False),
        sa.Column("line", sa.Integer(), nullable=False),
        sa.Column("record", sa.String(length=20), nullable=False),
        sa.Column("reference", sa.String(length=100), nullable=False),
        sa.Column("other_reference", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("valid", sa.Boolean(), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=True),
        sa.Column("profile_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "record IN ('profile', 'association')", name=op.f("ck_bulk_import_rows_record")
        ),
        sa.ForeignKeyConstraint(
            ["bulk_import_id"],
            ["bulk_imports.id"],
            name=op.f("fk_bulk_import_rows_bulk_import_id_bulk_imports"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["profile_id"],
            ["profiles.id"],
            name=op.f("fk_bulk_import_rows_profile_id_profiles"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bulk_import_rows")),
    )
    with op.batch_alter_table("bulk_import_rows", schema=None) as batch_op:
        batch_op.create_index(
            "ix_bulk_import_rows_import_line", ["bulk_import_id", "line"], unique=False
        )


def downgrade():
    # Dropping a table drops its indexes too.
    op.drop_table("bulk_import_rows")
    op.drop_table("bulk_import_problems")
    op.drop_table("bulk_imports")

"""XPM and WorkflowMax connections (encrypted tokens) and pending OAuth requests.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 21:10:15.885775
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "oauth_requests",
        sa.Column("state", sa.String(length=100), nullable=False),
        sa.Column("firm_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("provider", sa.String(length=20), nullable=False),
        sa.Column("code_verifier", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["firm_id"],
            ["firms.id"],
            name=op.f("fk_oauth_requests_firm_id_firms"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_oauth_requests_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("state", name=op.f("pk_oauth_requests")),
    )
    op.create_table(
        "xpm_connections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("firm_id", sa.Integer(), nullable=False),
        sa.Column("provider", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=True),
        sa.Column("tenant_name", sa.String(length=300), nullable=True),
        sa.Column("provider_connection_id", sa.String(length=64), nullable=True),
        sa.Column("tenant_choices", sa.JSON(), nullable=False),
        sa.Column("access_token", sa.Text(), nullable=True),
        sa.Column("refresh_token", sa.Text(), nullable=True),
        sa.Column("access_token_expires_at", sa.DateTime(), nullable=True),
        sa.Column("scope", sa.String(length=500), nullable=False),
        sa.Column("connected_by_id", sa.Integer(), nullable=True),
        sa.Column("connected_at", sa.DateTime(), nullable=False),
        sa.Column("refreshed_at", sa.DateTime(), nullable=True),
        sa.Column("last_error", sa.String(length=1000), nullable=False),
        sa.CheckConstraint(
            "provider IN ('xpm', 'workflowmax')", name=op.f("ck_xpm_connections_provider")
        ),
        sa.CheckConstraint(
            "status IN ('choosing', 'connected', 'needs_reconnect')",
            name=op.f("ck_xpm_connections_status"),
        ),
        sa.ForeignKeyConstraint(
            ["connected_by_id"],
            ["users.id"],
            name=op.f("fk_xpm_connections_connected_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["firm_id"],
            ["firms.id"],
            name=op.f("fk_xpm_connections_firm_id_firms"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_xpm_connections")),
        sa.UniqueConstraint(
            "firm_id", "provider", name=op.f("uq_xpm_connections_firm_id_provider")
        ),
    )


def downgrade():
    op.drop_table("xpm_connections")
    op.drop_table("oauth_requests")

"""Companies: whether staff confirmed the company number, and the total shares issued.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 21:41:55.354988
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("profiles", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "company_number_confirmed", sa.Boolean(), server_default=sa.false(), nullable=False
            )
        )
        batch_op.add_column(sa.Column("total_shares", sa.BigInteger(), nullable=True))
        batch_op.create_check_constraint(
            op.f("ck_profiles_total_shares_positive"), "total_shares IS NULL OR total_shares > 0"
        )


def downgrade():
    with op.batch_alter_table("profiles", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_profiles_total_shares_positive"), type_="check")
        batch_op.drop_column("total_shares")
        batch_op.drop_column("company_number_confirmed")

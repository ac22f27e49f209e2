"""Share counts as 64-bit integers on associations, as on profiles, so that what the
portal allows (limits.MAX_SHARES) is what the database holds; and each bulk import's
problems kept as the CSV file the download gives, written once when the file is checked.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 09:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

INT_MAX = 2**31 - 1


def upgrade():
    with op.batch_alter_table("associations", schema=None) as batch_op:
        batch_op.alter_column(
            "shares", existing_type=sa.Integer(), type_=sa.BigInteger(), existing_nullable=True
        )
    with op.batch_alter_table("bulk_imports", schema=None) as batch_op:
        batch_op.add_column(sa.Column("problems_csv", sa.LargeBinary(), nullable=True))


def downgrade():
    with op.batch_alter_table("bulk_imports", schema=None) as batch_op:
        batch_op.drop_column("problems_csv")
    # A share count beyond 32 bits cannot be kept under the old type: it is emptied, and
    # the checklist asks for it again.
    associations = sa.table("associations", sa.column("shares", sa.BigInteger()))
    op.execute(associations.update().where(associations.c.shares > INT_MAX).values(shares=None))
    with op.batch_alter_table("associations", schema=None) as batch_op:
        batch_op.alter_column(
            "shares", existing_type=sa.BigInteger(), type_=sa.Integer(), existing_nullable=True
        )

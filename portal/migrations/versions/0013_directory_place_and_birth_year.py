"""The directory keeps what tells clients of one name apart in the "Add client" panel
(docs/spec.md §12): the first line of the street address, the town or city, and an
individual's year of birth, as XPM's listings give them. Filled as the directory is next
read (the weekly full read brings every entry's).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01 19:30:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("directory_entries", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("address", sa.String(length=200), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("city", sa.String(length=100), nullable=False, server_default="")
        )
        batch_op.add_column(sa.Column("birth_year", sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table("directory_entries", schema=None) as batch_op:
        batch_op.drop_column("birth_year")
        batch_op.drop_column("city")
        batch_op.drop_column("address")

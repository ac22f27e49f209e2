"""The Companies Office link (docs/spec.md §10): a profile may come in from the register
(origin "register"); a linked company keeps the register's status word and when it was
linked; a shareholder association keeps the register's allocation number, so holders of
one allocation hold its shares jointly and count once.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 18:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

FOUR = "origin IN ('manual', 'bulk', 'xpm', 'register')"
THREE = "origin IN ('manual', 'bulk', 'xpm')"


def upgrade():
    with op.batch_alter_table("profiles", schema=None) as batch_op:
        batch_op.add_column(sa.Column("register_status", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("register_linked_at", sa.DateTime(), nullable=True))
        batch_op.drop_constraint(op.f("ck_profiles_origin"), type_="check")
        batch_op.create_check_constraint(op.f("ck_profiles_origin"), FOUR)
    with op.batch_alter_table("associations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("allocation", sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table("associations", schema=None) as batch_op:
        batch_op.drop_column("allocation")
    op.execute("UPDATE profiles SET origin = 'manual' WHERE origin = 'register'")
    with op.batch_alter_table("profiles", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_profiles_origin"), type_="check")
        batch_op.create_check_constraint(op.f("ck_profiles_origin"), THREE)
        batch_op.drop_column("register_linked_at")
        batch_op.drop_column("register_status")

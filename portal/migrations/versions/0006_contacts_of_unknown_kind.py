"""Contacts of unknown kind: a related client XPM says too little about to tell what it is.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 11:00:00.000000
"""

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

THREE = "kind IN ('company', 'trust', 'individual')"
FOUR = "kind IN ('company', 'trust', 'individual', 'unknown')"


def upgrade():
    with op.batch_alter_table("profiles", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_profiles_kind"), type_="check")
        batch_op.create_check_constraint(op.f("ck_profiles_kind"), FOUR)
        batch_op.create_check_constraint(
            op.f("ck_profiles_unknown_kind_contact"), "kind <> 'unknown' OR standing = 'contact'"
        )


def downgrade():
    # Contacts of unknown kind cannot be kept under the old rule: they become companies,
    # as the portal made them before this revision.
    op.execute("UPDATE profiles SET kind = 'company' WHERE kind = 'unknown'")
    with op.batch_alter_table("profiles", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_profiles_unknown_kind_contact"), type_="check")
        batch_op.drop_constraint(op.f("ck_profiles_kind"), type_="check")
        batch_op.create_check_constraint(op.f("ck_profiles_kind"), THREE)

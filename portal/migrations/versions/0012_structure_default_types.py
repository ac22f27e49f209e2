"""A structure mapping may carry the company or trust type the import form starts with
(docs/spec.md §4.1). Each firm's built-in mappings get the types their words say (LTC and
Look Through Company: look-through company; Family Trust: family), and every firm gets the
built-in "Trust - Family" and "Charitable Trust" unless it maps them already.

Downgrading drops the two columns; the two added mappings stay (they import as trusts,
as any structure with the word "trust" does).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01 19:30:00.000000
"""

import sqlalchemy as sa
from alembic import op

from portal.text import structure_key

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

#: The data as it was at this revision (reference.DEFAULT_STRUCTURE_TYPES may change later).
TYPES = (
    ("LTC", "company", "ltc"),
    ("Look Through Company", "company", "ltc"),
    ("Family Trust", "trust", "family"),
    ("Trust - Family", "trust", "family"),
    ("Charitable Trust", "trust", "charitable"),
)
ADDED = ("Trust - Family", "Charitable Trust")

MAPPINGS = sa.table(
    "structure_mappings",
    sa.column("firm_id", sa.Integer),
    sa.column("structure", sa.String),
    sa.column("structure_key", sa.String),
    sa.column("kind", sa.String),
    sa.column("company_type_code", sa.String),
    sa.column("trust_type_code", sa.String),
)


def upgrade():
    with op.batch_alter_table("structure_mappings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("company_type_code", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("trust_type_code", sa.String(length=40), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_structure_mappings_company_type_code_company_types"),
            "company_types",
            ["company_type_code"],
            ["code"],
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_structure_mappings_trust_type_code_trust_types"),
            "trust_types",
            ["trust_type_code"],
            ["code"],
        )
        batch_op.create_check_constraint(
            batch_op.f("ck_structure_mappings_company_type"),
            "company_type_code IS NULL OR kind = 'company'",
        )
        batch_op.create_check_constraint(
            batch_op.f("ck_structure_mappings_trust_type"),
            "trust_type_code IS NULL OR kind = 'trust'",
        )
    _add_built_in_mappings()
    _set_built_in_types()


def _add_built_in_mappings():
    connection = op.get_bind()
    firms = connection.execute(sa.text("SELECT id FROM firms")).scalars().all()
    for structure in ADDED:
        key = structure_key(structure)
        mapped = set(
            connection.execute(
                sa.select(MAPPINGS.c.firm_id).where(MAPPINGS.c.structure_key == key)
            ).scalars()
        )
        rows = [
            {"firm_id": firm, "structure": structure, "structure_key": key, "kind": "trust"}
            for firm in firms
            if firm not in mapped
        ]
        if rows:
            op.bulk_insert(MAPPINGS, rows)


def _set_built_in_types():
    """Only where the firm still maps the structure to that kind and chose no type."""
    for structure, kind, code in TYPES:
        column = MAPPINGS.c.company_type_code if kind == "company" else MAPPINGS.c.trust_type_code
        op.execute(
            MAPPINGS.update()
            .where(
                MAPPINGS.c.structure_key == structure_key(structure),
                MAPPINGS.c.kind == kind,
                column.is_(None),
            )
            .values({column.name: code})
        )


def downgrade():
    with op.batch_alter_table("structure_mappings", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_structure_mappings_trust_type"), type_="check")
        batch_op.drop_constraint(batch_op.f("ck_structure_mappings_company_type"), type_="check")
        batch_op.drop_constraint(
            batch_op.f("fk_structure_mappings_trust_type_code_trust_types"), type_="foreignkey"
        )
        batch_op.drop_constraint(
            batch_op.f("fk_structure_mappings_company_type_code_company_types"),
            type_="foreignkey",
        )
        batch_op.drop_column("trust_type_code")
        batch_op.drop_column("company_type_code")

"""What the checklist asks of a company exists as fields: its registered office and
address for service (five parts each, like the physical address), incorporation date and
filing obligation (a code of reference.FILING_OBLIGATIONS, checked here); and each
profile's ``origin``, how it first came into the portal ("manual", "bulk" or "xpm"), which
decides whether the Companies Office warning applies (docs/spec.md §2, §3).

Existing profiles get the origin their history shows, in this order:

1. "bulk" when a bulk import's profile row created it (bulk_import_rows, outcome "created");
2. "manual" when the audit log has its "profile_created" event (Add client manually), or
   a "link" event (it was in the portal before it was linked to XPM);
3. "xpm" when it is linked to XPM or WorkflowMax, or was and has been disconnected (an
   "unlink" event): a profile is only linked without a "link" event when an import
   created it, with the contacts the import brought;
4. "manual" otherwise (nothing says where it came from).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 12:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

ADDRESS_PARTS = (
    ("address", sa.Text()),
    ("city", sa.String(length=100)),
    ("region", sa.String(length=100)),
    ("postcode", sa.String(length=20)),
    ("country", sa.String(length=100)),
)
ADDRESSES = ("registered", "service")
FILING_OBLIGATIONS = (
    "none",
    "office_filing",
    "check_filing",
    "registered_office",
    "registered_office_check_filing",
    "registered_office_filing",
)
FILING_OBLIGATION_CHECK = "filing_obligation IS NULL OR filing_obligation IN ({})".format(
    ", ".join(f"'{code}'" for code in FILING_OBLIGATIONS)
)


def upgrade():
    with op.batch_alter_table("profiles", schema=None) as batch_op:
        for kind in ADDRESSES:
            for part, type_ in ADDRESS_PARTS:
                batch_op.add_column(
                    sa.Column(f"{kind}_{part}", type_, nullable=False, server_default="")
                )
        batch_op.add_column(sa.Column("incorporation_date", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("filing_obligation", sa.String(length=40), nullable=True))
        batch_op.add_column(
            sa.Column("origin", sa.String(length=20), nullable=False, server_default="manual")
        )
        batch_op.create_check_constraint(
            op.f("ck_profiles_filing_obligation"), FILING_OBLIGATION_CHECK
        )
        batch_op.create_check_constraint(
            op.f("ck_profiles_origin"), "origin IN ('manual', 'bulk', 'xpm')"
        )
    _backfill_origin()


def _backfill_origin():
    """Every existing profile starts as "manual" (the column's default); the rule in the
    docstring above then marks those the history shows came another way."""
    profiles = sa.table(
        "profiles",
        sa.column("id", sa.Integer()),
        sa.column("origin", sa.String()),
        sa.column("xpm_client_uuid", sa.String()),
    )
    rows = sa.table(
        "bulk_import_rows",
        sa.column("record", sa.String()),
        sa.column("outcome", sa.String()),
        sa.column("profile_id", sa.Integer()),
    )
    events = sa.table(
        "audit_events",
        sa.column("action", sa.String()),
        sa.column("object_type", sa.String()),
        sa.column("object_id", sa.Integer()),
    )

    def has_event(*actions):
        return sa.exists().where(
            events.c.object_type == "profile",
            events.c.object_id == profiles.c.id,
            events.c.action.in_(actions),
        )

    created_by_bulk = sa.exists().where(
        rows.c.record == "profile", rows.c.outcome == "created", rows.c.profile_id == profiles.c.id
    )
    op.execute(profiles.update().where(created_by_bulk).values(origin="bulk"))
    from_xpm = (profiles.c.xpm_client_uuid.is_not(None)) | has_event("unlink")
    op.execute(
        profiles.update()
        .where(
            profiles.c.origin == "manual",
            from_xpm,
            ~has_event("profile_created", "link"),
        )
        .values(origin="xpm")
    )


def downgrade():
    with op.batch_alter_table("profiles", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_profiles_origin"), type_="check")
        batch_op.drop_constraint(op.f("ck_profiles_filing_obligation"), type_="check")
        batch_op.drop_column("origin")
        batch_op.drop_column("filing_obligation")
        batch_op.drop_column("incorporation_date")
        for kind in reversed(ADDRESSES):
            for part, _ in reversed(ADDRESS_PARTS):
                batch_op.drop_column(f"{kind}_{part}")

"""Bulk imports: an uploaded CSV file's checked rows, its problems, and how the import went.

The checked rows are kept here, server-side, between the report and the user's
confirmation: the import writes what was checked, never a file posted a second time.
"""

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.database import Base, utcnow

#: A checked file waits for confirmation; an import runs queued → preparing → writing.
BULK_STATUSES = ("checked", "queued", "preparing", "writing", "done", "failed")
RUNNING = ("queued", "preparing", "writing")


class BulkImport(Base):
    """One uploaded file: who sent it, what the check found, and what the import did."""

    __tablename__ = "bulk_imports"
    __table_args__ = (
        CheckConstraint(
            "status IN (" + ", ".join(f"'{s}'" for s in BULK_STATUSES) + ")", name="status"
        ),
        Index("ix_bulk_imports_firm_created", "firm_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    firm_id: Mapped[int] = mapped_column(ForeignKey("firms.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    filename: Mapped[str] = mapped_column(String(255))
    file_bytes: Mapped[int]
    file_sha256: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(20), default="checked")

    #: What the check found.
    rows_in_file: Mapped[int] = mapped_column(default=0)
    profile_rows: Mapped[int] = mapped_column(default=0)
    association_rows: Mapped[int] = mapped_column(default=0)
    valid_rows: Mapped[int] = mapped_column(default=0)
    error_rows: Mapped[int] = mapped_column(default=0)
    warnings: Mapped[int] = mapped_column(default=0)

    #: Progress of the import (rows prepared so far), then its result.
    prepared: Mapped[int] = mapped_column(default=0)
    created: Mapped[int] = mapped_column(default=0)
    updated: Mapped[int] = mapped_column(default=0)
    unchanged: Mapped[int] = mapped_column(default=0)
    links_created: Mapped[int] = mapped_column(default=0)
    links_updated: Mapped[int] = mapped_column(default=0)
    links_unchanged: Mapped[int] = mapped_column(default=0)
    failure: Mapped[str] = mapped_column(String(1000), default="")
    #: The problems as the CSV download gives them, gzipped, written once when the file is
    #: checked: a download is one row's read, however many problems the file had.
    problems_csv: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)

    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    confirmed_at: Mapped[datetime | None]
    #: Touched while an import runs; a stale one means the server stopped mid-way.
    heartbeat_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]

    @property
    def running(self) -> bool:
        """True while the import is queued, preparing or writing."""
        return self.status in RUNNING


class BulkImportRow(Base):
    """One data row of the file, as checked: its values ready to store, or not valid."""

    __tablename__ = "bulk_import_rows"
    __table_args__ = (
        CheckConstraint("record IN ('profile', 'association')", name="record"),
        Index("ix_bulk_import_rows_import_line", "bulk_import_id", "line"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    bulk_import_id: Mapped[int] = mapped_column(ForeignKey("bulk_imports.id", ondelete="CASCADE"))
    #: The line of the file the row starts on (the header is line 1).
    line: Mapped[int]
    record: Mapped[str] = mapped_column(String(20))
    #: A profile row's client reference; for an association, the party's.
    reference: Mapped[str] = mapped_column(String(100), default="")
    #: For an association: the client reference of the profile the role is held on.
    other_reference: Mapped[str] = mapped_column(String(100), default="")
    kind: Mapped[str] = mapped_column(String(20), default="")
    #: The row's values in the form their columns store (dates as ISO text).
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    valid: Mapped[bool] = mapped_column(default=True)
    #: After the import: created, updated or unchanged.
    outcome: Mapped[str | None] = mapped_column(String(20))
    profile_id: Mapped[int | None] = mapped_column(ForeignKey("profiles.id", ondelete="SET NULL"))


class BulkImportProblem(Base):
    """Something the check found on one line and column: an error, or a warning."""

    __tablename__ = "bulk_import_problems"
    __table_args__ = (
        CheckConstraint("severity IN ('error', 'warning')", name="severity"),
        Index("ix_bulk_import_problems_import_line", "bulk_import_id", "line"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    bulk_import_id: Mapped[int] = mapped_column(ForeignKey("bulk_imports.id", ondelete="CASCADE"))
    #: None for a problem with the file as a whole (an unknown column).
    line: Mapped[int | None]
    column_name: Mapped[str] = mapped_column(String(100), default="")
    severity: Mapped[str] = mapped_column(String(20), default="error")
    message: Mapped[str] = mapped_column(String(500))

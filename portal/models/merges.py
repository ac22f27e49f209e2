"""Profiles merged into others: where a removed profile's address now leads, and what moved."""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, ForeignKeyConstraint, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from portal.database import Base, utcnow


class ProfileMerge(Base):
    """``merged_profile_id`` (deleted) was merged into ``kept_profile_id`` (docs/spec.md §2a).

    The removed profile's id is kept so its old address answers with the kept one; when the
    kept profile is itself merged later, these rows follow it to the profile kept then.
    """

    __tablename__ = "profile_merges"
    __table_args__ = (
        UniqueConstraint("firm_id", "merged_profile_id"),
        ForeignKeyConstraint(
            ["firm_id", "kept_profile_id"], ["profiles.firm_id", "profiles.id"], ondelete="CASCADE"
        ),
        Index("ix_profile_merges_kept", "kept_profile_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    firm_id: Mapped[int] = mapped_column(ForeignKey("firms.id", ondelete="CASCADE"))
    #: The removed profile's id (no longer a row) and its name, for saying where it went.
    merged_profile_id: Mapped[int]
    merged_name: Mapped[str] = mapped_column(String(500))
    kept_profile_id: Mapped[int]
    merged_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    merged_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: What moved: roles moved, collapsed and dropped, the link, the fields taken.
    detail: Mapped[dict] = mapped_column(JSON, default=dict)

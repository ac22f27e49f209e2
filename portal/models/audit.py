"""The audit log: append-only records of who did what, to which object, with what outcome."""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.database import Base, utcnow


class AuditEvent(Base):
    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_firm_time", "firm_id", "occurred_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: Empty for a failed sign-in with an address no firm knows.
    firm_id: Mapped[int | None] = mapped_column(ForeignKey("firms.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(60))
    outcome: Mapped[str] = mapped_column(String(20), default="ok")
    object_type: Mapped[str | None] = mapped_column(String(40))
    object_id: Mapped[int | None]
    summary: Mapped[str] = mapped_column(String(500), default="")
    detail: Mapped[dict] = mapped_column(JSON, default=dict)
    remote_addr: Mapped[str | None] = mapped_column(String(64))

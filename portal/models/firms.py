"""Firms, their staff and their subscription plans."""

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import ForeignKey, String, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.db import Base, utcnow


class Firm(Base):
    __tablename__ = "firms"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, server_default=func.now())

    plans: Mapped[list["SubscriptionPlan"]] = relationship(
        back_populates="firm", order_by="SubscriptionPlan.position"
    )


class User(UserMixin, Base):
    """A member of a firm's staff; ``is_admin`` makes them a firm administrator."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    firm_id: Mapped[int] = mapped_column(ForeignKey("firms.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    is_admin: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)
    #: Raised at logout; a session cookie carrying an older version is no longer valid.
    session_version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, server_default=func.now())
    last_sign_in_at: Mapped[datetime | None]

    firm: Mapped[Firm] = relationship()

    @property
    def is_active(self) -> bool:
        return self.active

    def get_id(self) -> str:
        """The session identifier: the user id and the session version."""
        return f"{self.id}:{self.session_version}"


class SubscriptionPlan(Base):
    """A plan a firm bills its clients on; every client profile has one."""

    __tablename__ = "subscription_plans"
    __table_args__ = (
        UniqueConstraint("firm_id", "name"),
        # Lets profiles reference (firm_id, id), so a plan can only belong to its own firm.
        UniqueConstraint("firm_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    firm_id: Mapped[int] = mapped_column(ForeignKey("firms.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(String(200), default="")
    position: Mapped[int] = mapped_column(default=0)
    retired: Mapped[bool] = mapped_column(default=False)

    firm: Mapped[Firm] = relationship(back_populates="plans")

"""Firms, their staff and their subscription plans."""

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import (
    BigInteger,
    ForeignKey,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    false,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.database import Base, utcnow


class Firm(Base):
    __tablename__ = "firms"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, server_default=func.now())
    #: Staff without a second factor are led through enrolment before anything else.
    require_two_factor: Mapped[bool] = mapped_column(default=False, server_default=false())

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
    created_at: Mapped[datetime] = mapped_column(default=utcnow, server_default=func.now())
    last_sign_in_at: Mapped[datetime | None]
    #: The authenticator app's TOTP secret, sealed like the OAuth tokens; None when not enrolled.
    totp_secret: Mapped[str | None] = mapped_column(Text)
    totp_enrolled_at: Mapped[datetime | None]
    #: The newest TOTP time step accepted, so that a code is accepted once.
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)

    firm: Mapped[Firm] = relationship()
    passkeys: Mapped[list["Passkey"]] = relationship(
        back_populates="user", order_by="Passkey.id", cascade="all, delete-orphan"
    )

    #: The sign-in session this request came with, and its cookie token (set at sign-in and
    #: by the user loader); not stored on the user.
    sign_in = None
    sign_in_token = None

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def has_second_factor(self) -> bool:
        return self.totp_secret is not None or bool(self.passkeys)

    def get_id(self) -> str:
        """What Flask-Login keeps in the cookie: the sign-in session's secret token."""
        return self.sign_in_token


class SignInSession(Base):
    """One signed-in browser. The cookie holds a random token; only its SHA-256 is stored, so
    a copy of the database cannot be used to sign in. Ended sessions stay, for the history."""

    __tablename__ = "sign_in_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None]
    #: How it ended: signed out, idle, expired, password changed, second factor changed…
    ended_reason: Mapped[str | None] = mapped_column(String(40))
    second_factor: Mapped[str | None] = mapped_column(String(20))
    remote_addr: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str] = mapped_column(String(200), default="")

    user: Mapped[User] = relationship()


class Passkey(Base):
    """A WebAuthn credential a member of staff registered as a second factor."""

    __tablename__ = "passkeys"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    credential_id: Mapped[bytes] = mapped_column(LargeBinary(1023), unique=True)
    public_key: Mapped[bytes] = mapped_column(LargeBinary)
    sign_count: Mapped[int] = mapped_column(BigInteger, default=0)
    name: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]

    user: Mapped[User] = relationship(back_populates="passkeys")


class RecoveryCode(Base):
    """A one-time code for signing in without the second factor; stored as its SHA-256 (the
    codes carry 80 random bits, so a slow hash adds nothing)."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    used_at: Mapped[datetime | None]


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

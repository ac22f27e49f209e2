"""A firm's connection to XPM or WorkflowMax: the tenant, and its OAuth tokens encrypted."""

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.database import Base, utcnow
from portal.models.firms import User


class XpmConnection(Base):
    """One provider per firm. Token columns hold Fernet ciphertext, never plain text."""

    __tablename__ = "xpm_connections"
    __table_args__ = (
        UniqueConstraint("firm_id", "provider"),
        CheckConstraint("provider IN ('xpm', 'workflowmax')", name="provider"),
        CheckConstraint("status IN ('choosing', 'connected', 'needs_reconnect')", name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    firm_id: Mapped[int] = mapped_column(ForeignKey("firms.id", ondelete="CASCADE"))
    provider: Mapped[str] = mapped_column(String(20))
    #: "choosing" while an administrator picks one of several practices.
    status: Mapped[str] = mapped_column(String(20))
    tenant_id: Mapped[str | None] = mapped_column(String(64))
    tenant_name: Mapped[str | None] = mapped_column(String(300))
    #: Xero's id of this connection, needed to delete it on disconnect.
    provider_connection_id: Mapped[str | None] = mapped_column(String(64))
    #: The practices offered when there were several: [{"id", "tenant_id", "name"}].
    tenant_choices: Mapped[list] = mapped_column(JSON, default=list)
    access_token: Mapped[str | None] = mapped_column(Text)
    refresh_token: Mapped[str | None] = mapped_column(Text)
    access_token_expires_at: Mapped[datetime | None]
    scope: Mapped[str] = mapped_column(String(500), default="")
    connected_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    connected_at: Mapped[datetime] = mapped_column(default=utcnow)
    refreshed_at: Mapped[datetime | None]
    #: What the provider said when the connection stopped working.
    last_error: Mapped[str] = mapped_column(String(1000), default="")

    connected_by: Mapped[User | None] = relationship()


class OAuthRequest(Base):
    """An authorization started and not yet finished: its state and PKCE verifier.

    Kept server-side (the verifier encrypted) so nothing secret rides in the cookie; the
    row is deleted when the callback arrives, so a replayed callback finds nothing.
    """

    __tablename__ = "oauth_requests"

    state: Mapped[str] = mapped_column(String(100), primary_key=True)
    firm_id: Mapped[int] = mapped_column(ForeignKey("firms.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    provider: Mapped[str] = mapped_column(String(20))
    code_verifier: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

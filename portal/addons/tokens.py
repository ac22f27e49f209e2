"""Access tokens for one connection, refreshed a minute early by one process at a time.

The refresh takes a row lock (``SELECT … FOR UPDATE`` on PostgreSQL, an immediate
transaction on SQLite), re-reads the row, and refreshes only if nobody else has; the rotated
refresh token is committed before the new access token is handed out. ``invalid_grant``
after that re-read means the grant is gone: the connection is marked "needs reconnecting".
"""

from datetime import timedelta

import requests
from authlib.integrations.base_client import OAuthError
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from portal import audit
from portal.addons.providers import Provider
from portal.database import utcnow
from portal.models import XpmConnection
from portal.vault import TokenVault
from portal.xpm.errors import XpmAuthError, XpmUnavailable

REFRESH_MARGIN = timedelta(seconds=60)


class NotConnected(XpmAuthError):
    """The firm has no working connection; an administrator must (re)connect."""


class ProviderUnreachable(XpmUnavailable):
    """The provider's token endpoint did not answer; retrying later is safe."""


class ConnectionTokens:
    """The token source the XPM client uses for one firm's connection."""

    def __init__(
        self, sessions: sessionmaker, vault: TokenVault, provider: Provider, connection_id: int
    ):
        self._sessions = sessions
        self._vault = vault
        self._provider = provider
        self._connection_id = connection_id
        self._handed_out: str | None = None

    def access_token(self) -> str:
        """A current access token, refreshed first if it expires within a minute."""
        with self._sessions() as db:
            connection = db.get(XpmConnection, self._connection_id)
            token = self._usable(connection)
        return self._hand_out(token) if token is not None else self.refresh()

    def refresh(self) -> str:
        """Refresh the tokens (after a 401, or near expiry) unless another worker just did."""
        with self._sessions() as db:
            connection = self._lock(db)
            current = self._usable(connection)
            if current is not None and current != self._handed_out:
                return self._hand_out(current)
            sealed = connection.refresh_token
            try:
                token = self._provider.session().refresh_token(
                    self._provider.token_url, refresh_token=self._vault.open(sealed)
                )
            except OAuthError as error:
                if error.error == "invalid_grant":
                    self._needs_reconnect(db, connection, error)
                raise NotConnected(
                    f"it refused to renew access: {error.error}", system=self._provider.label
                ) from None
            except (requests.RequestException, ValueError):
                raise ProviderUnreachable(
                    "its sign-in service did not answer", system=self._provider.label
                ) from None
            store_tokens(self._vault, connection, token)
            db.commit()
            return self._hand_out(token["access_token"])

    def _lock(self, db: Session) -> XpmConnection:
        db.connection(execution_options={"sqlite_immediate": True})
        connection = db.scalar(
            select(XpmConnection)
            .where(XpmConnection.id == self._connection_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        if connection is None or connection.status != "connected" or not connection.refresh_token:
            raise NotConnected("it is not connected", system=self._provider.label)
        return connection

    def _usable(self, connection: XpmConnection | None) -> str | None:
        if connection is None or connection.status != "connected":
            raise NotConnected("it is not connected", system=self._provider.label)
        expires = connection.access_token_expires_at
        if connection.access_token and expires and expires - REFRESH_MARGIN > utcnow():
            return self._vault.open(connection.access_token)
        return None

    def _hand_out(self, token: str) -> str:
        self._handed_out = token
        return token

    def _needs_reconnect(self, db: Session, connection: XpmConnection, error: OAuthError) -> None:
        reason = f"{error.error}: {error.description or ''}".strip(": ")
        mark_needs_reconnect(db, connection, reason, action="token_refresh_failed")
        db.commit()


def mark_needs_reconnect(
    db: Session, connection: XpmConnection | None, reason: str, action: str = "connection_lost"
) -> None:
    """Record that the provider refused the connection; an administrator must reconnect."""
    if connection is None or connection.status != "connected":
        return
    connection.status = "needs_reconnect"
    connection.last_error = (reason or "access was refused")[:1000]
    audit.record(
        db,
        action,
        address=None,
        firm_id=connection.firm_id,
        user_id=None,
        outcome="failed",
        object_type="xpm_connection",
        object_id=connection.id,
        summary=f"The provider refused the connection to {connection.tenant_name}: "
        f"{connection.last_error}"[:500],
    )


def store_tokens(vault: TokenVault, connection: XpmConnection, token: dict) -> None:
    """Seal a token response into ``connection`` (the caller commits)."""
    connection.access_token = vault.seal(token["access_token"])
    if token.get("refresh_token"):
        connection.refresh_token = vault.seal(token["refresh_token"])
    lifetime = int(token.get("expires_in") or 1800)
    connection.access_token_expires_at = utcnow() + timedelta(seconds=lifetime)
    connection.refreshed_at = utcnow()
    connection.scope = str(token.get("scope") or connection.scope or "")[:500]

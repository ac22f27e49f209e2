"""Storing, choosing and removing a firm's connections."""

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal import audit
from portal.addons import oauth
from portal.addons.providers import PROVIDER_KEYS, Provider
from portal.addons.tokens import store_tokens
from portal.database import utcnow, writing
from portal.models import XpmConnection
from portal.vault import TokenVault

NO_PRACTICE = (
    "{label} signed you in, but the login reaches no practice the portal can use. The "
    "connecting user needs the “Authorise 3rd Party Full Access” privilege in Practice "
    "Manager, and the app needs Xero's approval for the practicemanager scope."
)


def connections(db: Session, firm_id: int) -> dict[str, XpmConnection | None]:
    """The firm's connection for each provider (None where there is none)."""
    rows = db.scalars(select(XpmConnection).where(XpmConnection.firm_id == firm_id))
    found = {row.provider: row for row in rows}
    return {key: found.get(key) for key in PROVIDER_KEYS}


def any_connected(db: Session, firm_id: int) -> bool:
    """True when staff can import: one of the firm's connections is working."""
    return any(row and row.status == "connected" for row in connections(db, firm_id).values())


def connection(db: Session, firm_id: int, provider_key: str) -> XpmConnection | None:
    return db.scalar(
        select(XpmConnection).where(
            XpmConnection.firm_id == firm_id, XpmConnection.provider == provider_key
        )
    )


def save(
    db: Session,
    vault: TokenVault,
    provider: Provider,
    firm_id: int,
    user_id: int,
    token: dict,
    practices: list[dict],
    *,
    address: str | None,
) -> XpmConnection:
    """Store the tokens; connected at once when there is one practice, else "choosing"."""
    with writing(db):
        if not practices:
            raise oauth.ConnectFailed(NO_PRACTICE.format(label=provider.label))
        row = connection(db, firm_id, provider.key) or XpmConnection(
            firm_id=firm_id, provider=provider.key
        )
        db.add(row)
        store_tokens(vault, row, token)
        row.connected_by_id, row.connected_at, row.last_error = user_id, utcnow(), ""
        if len(practices) == 1:
            _use(row, practices[0])
        else:
            row.status, row.tenant_id, row.tenant_name = "choosing", None, None
            row.tenant_choices = practices
        db.flush()
        audit.record(
            db,
            "connect",
            address=address,
            firm_id=firm_id,
            user_id=user_id,
            object_type="xpm_connection",
            object_id=row.id,
            summary=f"Connected {provider.label}"
            + (f" to {row.tenant_name}" if row.tenant_name else " (choosing a practice)"),
        )
        return row


def choose(
    db: Session, row: XpmConnection, tenant_id: str, user_id: int, *, address: str | None
) -> bool:
    """Settle on one of the offered practices; False if ``tenant_id`` was not offered."""
    with writing(db):
        chosen = next((p for p in row.tenant_choices if p["tenant_id"] == tenant_id), None)
        if row.status != "choosing" or chosen is None:
            return False
        _use(row, chosen)
        audit.record(
            db,
            "connect",
            address=address,
            firm_id=row.firm_id,
            user_id=user_id,
            object_type="xpm_connection",
            object_id=row.id,
            summary=f"Chose the practice {row.tenant_name}",
        )
        return True


def _use(row: XpmConnection, practice: dict) -> None:
    row.status = "connected"
    row.tenant_id = practice["tenant_id"]
    row.tenant_name = practice["name"]
    row.provider_connection_id = practice.get("id")
    row.tenant_choices = []


def revoke_at_provider(
    vault: TokenVault, provider: Provider, row: XpmConnection, access_token: str | None
) -> list[str]:
    """Ask the provider to drop the connection; returns what it could not be made to do."""
    refresh = vault.open(row.refresh_token) if row.refresh_token else None
    return oauth.revoke(provider, refresh, access_token, row.provider_connection_id)


def forget(
    db: Session,
    provider: Provider,
    row: XpmConnection,
    user_id: int,
    problems: list[str],
    *,
    address: str | None,
) -> None:
    """Delete the connection and its tokens, and record it, in one write transaction."""
    with writing(db):
        audit.record(
            db,
            "disconnect",
            address=address,
            firm_id=row.firm_id,
            user_id=user_id,
            object_type="xpm_connection",
            object_id=row.id,
            outcome="ok" if not problems else "partial",
            summary=f"Disconnected {provider.label}"
            + (f" ({'; '.join(problems)})" if problems else ""),
        )
        db.delete(row)

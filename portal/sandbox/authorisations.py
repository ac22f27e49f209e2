"""Consents and what an approved one makes: a one-time code and the app's connections.

A connection joins an app to a tenant, as Xero's connections endpoint lists them; it stays
until the app deletes it or revokes the grant that made it.
"""

import secrets
import uuid
from datetime import UTC, datetime

from sqlalchemy import insert, select, update

from portal.sandbox import tenants
from portal.sandbox.grants import digest
from portal.sandbox.store import codes, connections, consents, writing

CONSENT_SECONDS = 10 * 60


# --- Consents and codes -------------------------------------------------------------------
def start_consent(sandbox, request: dict) -> str:
    """Remember a validated authorize request; the nonce returned protects the consent form."""
    nonce = secrets.token_urlsafe(24)
    with writing(sandbox.engine) as connection:
        connection.execute(
            insert(consents),
            [
                {
                    **request,
                    "nonce_hash": digest(nonce),
                    "expires_at": sandbox.now() + CONSENT_SECONDS,
                    "used": False,
                }
            ],
        )
    return nonce


def finish_consent(sandbox, nonce: str) -> dict | None:
    """The authorize request a consent form answers, once; None if unknown, used or stale."""
    with writing(sandbox.engine) as connection:
        row = connection.execute(
            select(consents).where(consents.c.nonce_hash == digest(nonce))
        ).first()
        if row is None or row.used or row.expires_at < sandbox.now():
            return None
        connection.execute(
            update(consents).where(consents.c.nonce_hash == row.nonce_hash).values(used=True)
        )
        return dict(row._mapping)


def issue_code(sandbox, consent: dict, tenant_ids: list[str]) -> str:
    """Connect the chosen tenants and return a one-time authorisation code."""
    code, now, auth_event_id = secrets.token_urlsafe(32), sandbox.now(), str(uuid.uuid4())
    with writing(sandbox.engine) as connection:
        for tenant_id in tenant_ids:
            _connect(connection, consent, tenant_id, auth_event_id, now)
        connection.execute(
            insert(codes),
            [
                {
                    "code_hash": digest(code),
                    "provider": consent["provider"],
                    "client_id": consent["client_id"],
                    "redirect_uri": consent["redirect_uri"],
                    "scope": consent["scope"],
                    "code_challenge": consent["code_challenge"],
                    "auth_event_id": auth_event_id,
                    "used": False,
                    "expires_at": now + sandbox.config["SANDBOX_CODE_SECONDS"],
                }
            ],
        )
    return code


def _connect(connection, consent: dict, tenant_id: str, auth_event_id: str, now: float) -> None:
    where = (connections.c.client_id == consent["client_id"]) & (
        connections.c.tenant_id == tenant_id
    )
    row = connection.execute(select(connections).where(where)).first()
    if row is None:
        connection.execute(
            insert(connections),
            [
                {
                    "id": str(uuid.uuid4()),
                    "provider": consent["provider"],
                    "client_id": consent["client_id"],
                    "tenant_id": tenant_id,
                    "auth_event_id": auth_event_id,
                    "created_at": now,
                    "updated_at": now,
                    "active": True,
                }
            ],
        )
    elif row.active:
        connection.execute(
            update(connections).where(where).values(auth_event_id=auth_event_id, updated_at=now)
        )
    else:  # reconnecting after a disconnect makes a new connection
        connection.execute(
            update(connections)
            .where(where)
            .values(
                id=str(uuid.uuid4()),
                auth_event_id=auth_event_id,
                created_at=now,
                updated_at=now,
                active=True,
            )
        )


# --- Connections -------------------------------------------------------------------------
def _utc(timestamp: float) -> str:
    # Xero writes seven decimal places and no zone: 2019-07-09T23:40:30.1833130
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f") + "0"


def list_connections(sandbox, client_id: str, auth_event_id: str | None = None) -> list[dict]:
    """The app's active connections, as Xero's connections endpoint lists them."""
    query = select(connections).where(
        connections.c.client_id == client_id, connections.c.active.is_(True)
    )
    if auth_event_id:
        query = query.where(connections.c.auth_event_id == auth_event_id)
    with sandbox.engine.connect() as connection:
        rows = connection.execute(query.order_by(connections.c.created_at)).all()
    return [
        {
            "id": row.id,
            "authEventId": row.auth_event_id,
            "tenantId": row.tenant_id,
            "tenantType": tenants.BY_ID[row.tenant_id].type,
            "tenantName": tenants.BY_ID[row.tenant_id].name,
            "createdDateUtc": _utc(row.created_at),
            "updatedDateUtc": _utc(row.updated_at),
        }
        for row in rows
        if row.tenant_id in tenants.BY_ID
    ]


def delete_connection(sandbox, client_id: str, connection_id: str) -> bool:
    """Disconnect one tenant from the app; False if the app has no such connection."""
    with writing(sandbox.engine) as connection:
        result = connection.execute(
            update(connections)
            .where(
                connections.c.id == connection_id,
                connections.c.client_id == client_id,
                connections.c.active.is_(True),
            )
            .values(active=False, updated_at=sandbox.now())
        )
    return result.rowcount == 1

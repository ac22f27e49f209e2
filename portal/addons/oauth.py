"""The OAuth2 authorization-code flow with PKCE, and reading which practice a token reaches."""

import base64
import binascii
import json
import secrets
from datetime import timedelta

import requests
from authlib.common.security import generate_token
from authlib.integrations.base_client import OAuthError
from sqlalchemy import delete
from sqlalchemy.orm import Session

from portal.addons.providers import OAUTH_TIMEOUT, Provider
from portal.database import utcnow, writing
from portal.models import OAuthRequest
from portal.vault import TokenVault

#: How long an administrator has between "Connect" and approving on the provider's page.
REQUEST_LIFETIME = timedelta(minutes=15)
PRACTICE_TENANT_TYPE = "PRACTICEMANAGER"


class ConnectFailed(Exception):
    """The connection could not be made; the message says why, in a person's words."""


def start(
    db: Session,
    vault: TokenVault,
    provider: Provider,
    firm_id: int,
    user_id: int,
    redirect_uri: str,
) -> tuple[str, str]:
    """Record a new authorization request; returns (state, the provider's authorize URL)."""
    with writing(db):
        expired = OAuthRequest.created_at < utcnow() - REQUEST_LIFETIME
        db.execute(delete(OAuthRequest).where(expired))
        state, verifier = secrets.token_urlsafe(32), generate_token(64)
        db.add(
            OAuthRequest(
                state=state,
                firm_id=firm_id,
                user_id=user_id,
                provider=provider.key,
                code_verifier=vault.seal(verifier),
            )
        )
        url, _ = provider.session(redirect_uri).create_authorization_url(
            provider.authorize_url,
            state=state,
            code_verifier=verifier,
            **dict(provider.extra_authorize_params),
        )
        return state, url


def take_request(db: Session, state: str, provider: Provider, user_id: int) -> OAuthRequest | None:
    """Remove and return the pending request for ``state`` if it is this user's and fresh.

    The row goes either way, so each authorization can complete only once.
    """
    with writing(db):
        pending = db.get(OAuthRequest, state)
        if pending is None:
            return None
        db.delete(pending)
        if (
            pending.provider != provider.key
            or pending.user_id != user_id
            or pending.created_at < utcnow() - REQUEST_LIFETIME
        ):
            return None
        return pending


def exchange_code(provider: Provider, code: str, verifier: str, redirect_uri: str) -> dict:
    """Trade the authorization code for tokens."""
    try:
        return provider.session(redirect_uri).fetch_token(
            provider.token_url, code=code, code_verifier=verifier, grant_type="authorization_code"
        )
    except OAuthError as error:
        raise ConnectFailed(
            f"{provider.label} refused the sign-in ({error.error}"
            f"{': ' + error.description if error.description else ''}). Start again with Connect."
        ) from None
    except (requests.RequestException, ValueError):
        raise ConnectFailed(f"{provider.label} could not be reached. Try again shortly.") from None


def practices(provider: Provider, token: dict) -> list[dict]:
    """The practices this token reaches: [{"id", "tenant_id", "name"}]."""
    if provider.key == "workflowmax":
        return [
            {"id": None, "tenant_id": org, "name": f"WorkflowMax organisation {org}"}
            for org in _jwt_org_ids(token.get("access_token", ""))
        ]
    try:
        bearer = {"Authorization": f"Bearer {token['access_token']}", "Accept": "application/json"}
        response = requests.get(provider.connections_url, timeout=OAUTH_TIMEOUT, headers=bearer)
        response.raise_for_status()
        connections = response.json()
    except (requests.RequestException, ValueError):
        raise ConnectFailed(
            f"{provider.label} accepted the sign-in but its list of connected practices could "
            "not be read. Try again shortly."
        ) from None
    return [
        {"id": c.get("id"), "tenant_id": c.get("tenantId"), "name": c.get("tenantName") or ""}
        for c in connections
        if isinstance(c, dict) and c.get("tenantType") == PRACTICE_TENANT_TYPE
    ]


def _jwt_org_ids(access_token: str) -> list[str]:
    """The ``org_ids`` claim of a BlueRock access token (the organisation to send as account_id)."""
    try:
        payload = access_token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (IndexError, ValueError, binascii.Error):
        raise ConnectFailed("WorkflowMax sent an access token the portal cannot read.") from None
    org_ids = claims.get("org_ids") or []
    return [str(org) for org in ([org_ids] if isinstance(org_ids, str | int) else org_ids)]


def revoke(
    provider: Provider,
    refresh_token: str | None,
    access_token: str | None,
    connection_id: str | None,
) -> list[str]:
    """Tell the provider to forget this connection; returns what could not be done."""
    problems = []
    if provider.connections_url and connection_id and access_token:
        try:
            url = f"{provider.connections_url.rstrip('/')}/{connection_id}"
            bearer = {"Authorization": f"Bearer {access_token}"}
            response = requests.delete(url, timeout=OAUTH_TIMEOUT, headers=bearer)
            # 401/403/404: the provider has already dropped the connection or the token.
            if response.status_code >= 500:
                problems.append(f"{provider.label} answered {response.status_code}")
        except requests.RequestException:
            problems.append(f"{provider.label} could not be reached")
    if provider.revoke_url and refresh_token:
        try:
            provider.session().revoke_token(
                provider.revoke_url, token=refresh_token, token_type_hint="refresh_token"
            )
        except (requests.RequestException, OAuthError):
            problems.append("the refresh token could not be revoked")
    return problems

"""The OAuth2 server's token rules: one-time codes with PKCE, rotating refresh tokens,
revocation, and what a bearer token may reach.

No Flask request in here: the views in ``oauth.py`` and ``pipeline.py`` parse the HTTP and
call these functions with plain values, so the rules can be read (and tested) on their own.
"""

import base64
import hashlib
import hmac
import re
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import OctKey
from sqlalchemy import insert, select, update

from portal.sandbox import tenants
from portal.sandbox.store import codes, connections, tokens, writing

SCOPES = {
    "xero": {"openid", "profile", "email", "offline_access", "practicemanager"},
    "workflowmax": {"openid", "profile", "email", "offline_access", "workflowmax"},
}
AUDIENCE = {"xero": "sandbox-practicemanager", "workflowmax": "sandbox-workflowmax"}
VERIFIER = re.compile(r"[A-Za-z0-9\-._~]{43,128}")
DEMO_USER = str(uuid.uuid5(tenants.NAMESPACE, "user:demo"))


class OAuthError(Exception):
    """An error the token endpoint answers as ``{"error": …}``."""

    def __init__(self, error: str, description: str = "", status: int = 400):
        super().__init__(description or error)
        self.error, self.description, self.status = error, description, status


class AccessDenied(Exception):
    """A bearer token that cannot be used: 401 (bad or expired) or 403 (no access)."""

    def __init__(self, status: int, detail: str):
        super().__init__(detail)
        self.status, self.detail = status, detail


@dataclass(frozen=True)
class Access:
    """What a valid access token may reach."""

    client_id: str
    scopes: frozenset
    tenants: frozenset


def digest(value: str) -> str:
    """The SHA-256 of a secret, as stored (never the secret itself)."""
    return hashlib.sha256(value.encode()).hexdigest()


def scopes_allowed(provider: str, scope: str) -> bool:
    """True if every requested scope exists for the provider (``practicemanager.*`` included)."""
    requested = scope.split()
    known = SCOPES[provider]
    return bool(requested) and all(
        s in known or (provider == "xero" and s.startswith("practicemanager.")) for s in requested
    )


def s256(verifier: str) -> str:
    """The PKCE S256 challenge of a verifier."""
    return (
        base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    )


# --- Tokens ------------------------------------------------------------------------------
def exchange_code(
    sandbox, client_id: str, code: str, redirect_uri: str, verifier: str | None
) -> dict:
    """Tokens for a code: used once, by its client, with its redirect URI and PKCE verifier."""
    with writing(sandbox.engine) as connection:
        row = connection.execute(
            select(codes).where(codes.c.code_hash == digest(code or ""))
        ).first()
        if row is not None and row.client_id == client_id and not row.used:
            # Spent on the first attempt, right or wrong, so a code cannot be guessed at.
            connection.execute(
                update(codes).where(codes.c.code_hash == row.code_hash).values(used=True)
            )
    if row is None or row.client_id != client_id:
        raise OAuthError("invalid_grant", "Unknown authorisation code.")
    if row.used:
        raise OAuthError("invalid_grant", "The authorisation code has already been used.")
    if row.expires_at < sandbox.now():
        raise OAuthError("invalid_grant", "The authorisation code has expired.")
    if row.redirect_uri != redirect_uri:
        raise OAuthError("invalid_grant", "redirect_uri does not match the authorize request.")
    if row.code_challenge:
        if not verifier or not VERIFIER.fullmatch(verifier):
            raise OAuthError("invalid_grant", "A valid code_verifier is required.")
        if not hmac.compare_digest(s256(verifier), row.code_challenge):
            raise OAuthError("invalid_grant", "code_verifier does not match the code_challenge.")
    with writing(sandbox.engine) as connection:
        return _issue(connection, sandbox, row.provider, client_id, row.scope, row.auth_event_id)


def refresh(sandbox, client_id: str, refresh_token: str) -> dict:
    """New tokens for a refresh token; the old one keeps working for the grace period only."""
    now = sandbox.now()
    with writing(sandbox.engine) as connection:
        row = connection.execute(
            select(tokens).where(
                tokens.c.token_hash == digest(refresh_token or ""), tokens.c.kind == "refresh"
            )
        ).first()
        if row is None or row.client_id != client_id or row.revoked or row.expires_at < now:
            raise OAuthError("invalid_grant")
        if row.replaced_at is not None:
            if now - row.replaced_at > sandbox.config["SANDBOX_REFRESH_GRACE_SECONDS"]:
                raise OAuthError("invalid_grant")
        else:
            connection.execute(
                update(tokens).where(tokens.c.token_hash == row.token_hash).values(replaced_at=now)
            )
        return _issue(connection, sandbox, row.provider, client_id, row.scope, row.auth_event_id)


def _issue(
    connection, sandbox, provider: str, client_id: str, scope: str, auth_event_id: str
) -> dict:
    now, lifetime = sandbox.now(), int(sandbox.config["SANDBOX_ACCESS_TOKEN_SECONDS"])
    jti = secrets.token_hex(16)
    claims = {
        "iss": "portal-sandbox",
        "aud": AUDIENCE[provider],
        "sub": DEMO_USER,
        "client_id": client_id,
        "nbf": int(now),
        "iat": int(now),
        "exp": int(now) + lifetime,
        "jti": jti,
        "scope": scope.split(),
        "authentication_event_id": auth_event_id,
    }
    if provider == "workflowmax":
        claims["org_ids"] = [
            row.tenant_id
            for row in connection.execute(
                select(connections.c.tenant_id).where(
                    connections.c.auth_event_id == auth_event_id, connections.c.active.is_(True)
                )
            )
        ]
    access = jwt.encode({"alg": "HS256", "typ": "JWT"}, claims, _key(sandbox))
    rows = [_token_row(jti, "access", provider, client_id, scope, auth_event_id, now + lifetime)]
    body = {"access_token": access, "expires_in": lifetime, "token_type": "Bearer", "scope": scope}
    if "offline_access" in scope.split():  # as at Xero: no offline_access, no refresh token
        body["refresh_token"] = secrets.token_urlsafe(40)
        rows.append(
            _token_row(
                digest(body["refresh_token"]),
                "refresh",
                provider,
                client_id,
                scope,
                auth_event_id,
                now + sandbox.config["SANDBOX_REFRESH_TOKEN_SECONDS"],
            )
        )
    connection.execute(insert(tokens), rows)
    return body


def _token_row(key, kind, provider, client_id, scope, auth_event_id, expires_at) -> dict:
    return {
        "token_hash": key,
        "kind": kind,
        "provider": provider,
        "client_id": client_id,
        "scope": scope,
        "auth_event_id": auth_event_id,
        "expires_at": expires_at,
        "replaced_at": None,
        "revoked": False,
    }


def _key(sandbox) -> OctKey:
    return OctKey.import_key(sandbox.signing_key.encode())


def revoke(sandbox, client_id: str, token: str) -> None:
    """Revoke the grant behind a token: all its tokens, and the connections it made."""
    claims = _claims(sandbox, token)
    key = claims["jti"] if claims else digest(token or "")
    with writing(sandbox.engine) as connection:
        row = connection.execute(select(tokens).where(tokens.c.token_hash == key)).first()
        if row is None or row.client_id != client_id:
            return  # RFC 7009: an unknown token is not an error
        event = row.auth_event_id
        connection.execute(
            update(tokens).where(tokens.c.auth_event_id == event).values(revoked=True)
        )
        connection.execute(
            update(connections).where(connections.c.auth_event_id == event).values(active=False)
        )


def _claims(sandbox, token: str) -> dict | None:
    try:
        return jwt.decode(token, _key(sandbox), algorithms=["HS256"]).claims
    except (JoseError, ValueError):
        return None


def verify(sandbox, token: str, provider: str) -> Access:
    """What a bearer token may reach; AccessDenied with Xero's wording if it may not."""
    claims = _claims(sandbox, token or "")
    if claims is None or claims.get("aud") != AUDIENCE[provider]:
        raise AccessDenied(401, "AuthenticationUnsuccessful")
    if claims["exp"] <= sandbox.now():
        expired = datetime.fromtimestamp(claims["exp"], UTC).strftime("%m/%d/%Y %H:%M:%S")
        raise AccessDenied(401, f"TokenExpired: token expired at {expired}")
    with sandbox.engine.connect() as connection:
        row = connection.execute(select(tokens).where(tokens.c.token_hash == claims["jti"])).first()
        if row is None or row.revoked:
            raise AccessDenied(401, "AuthenticationUnsuccessful")
        if provider == "workflowmax":
            reachable = set(claims.get("org_ids", []))
        else:
            reachable = {
                r.tenant_id
                for r in connection.execute(
                    select(connections.c.tenant_id).where(
                        connections.c.client_id == row.client_id, connections.c.active.is_(True)
                    )
                )
            }
    return Access(row.client_id, frozenset(claims["scope"]), frozenset(reachable))

"""Xero's token side: codes with PKCE, refresh rotation, expiry, revocation, connections."""

import json
import re

from portal.sandbox import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, tenants
from tests.sandbox.flows import (
    CONTROL,
    REDIRECT_URI,
    api,
    authorize_params,
    connect,
    consent,
    pkce,
    token,
)


def advance(client, seconds):
    response = client.post(
        "/sandbox/_control/clock", json={"advance_seconds": seconds}, headers=CONTROL
    )
    assert response.status_code == 200


def test_code_with_pkce_gives_xero_shaped_tokens(client):
    verifier, challenge = pkce()
    code = consent(client, **authorize_params(challenge))["code"]
    response = token(
        client,
        grant_type="authorization_code",
        code=code,
        redirect_uri=REDIRECT_URI,
        code_verifier=verifier,
    )
    body = response.json
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert body["token_type"] == "Bearer" and body["expires_in"] == 1800
    assert body["scope"] == "openid profile email offline_access practicemanager"
    assert body["access_token"].count(".") == 2 and body["refresh_token"]


def test_pkce_mismatch_is_refused_and_spends_the_code(client):
    verifier, challenge = pkce()
    code = consent(client, **authorize_params(challenge))["code"]
    wrong = token(
        client,
        grant_type="authorization_code",
        code=code,
        redirect_uri=REDIRECT_URI,
        code_verifier=pkce()[0],
    )
    assert wrong.status_code == 400 and wrong.json["error"] == "invalid_grant"
    right = token(
        client,
        grant_type="authorization_code",
        code=code,
        redirect_uri=REDIRECT_URI,
        code_verifier=verifier,
    )
    assert right.json["error"] == "invalid_grant"


def test_missing_verifier_is_refused(client):
    code = consent(client, **authorize_params(pkce()[1]))["code"]
    response = token(client, grant_type="authorization_code", code=code, redirect_uri=REDIRECT_URI)
    assert response.json["error"] == "invalid_grant"


def test_replayed_code_is_invalid_grant(client):
    verifier, challenge = pkce()
    code = consent(client, **authorize_params(challenge))["code"]
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": REDIRECT_URI,
        "code_verifier": verifier,
    }
    assert token(client, **form).status_code == 200
    replay = token(client, **form)
    assert replay.status_code == 400 and replay.json["error"] == "invalid_grant"


def test_code_must_come_back_with_its_redirect_uri(client):
    code = consent(client, **authorize_params())["code"]
    response = token(
        client,
        grant_type="authorization_code",
        code=code,
        redirect_uri="http://127.0.0.1:5000/elsewhere",
    )
    assert response.json["error"] == "invalid_grant"


def test_code_expires(client):
    code = consent(client, **authorize_params())["code"]
    advance(client, 301)
    response = token(client, grant_type="authorization_code", code=code, redirect_uri=REDIRECT_URI)
    assert response.json["error"] == "invalid_grant"


def test_app_must_authenticate_with_basic(client):
    code = consent(client, **authorize_params())["code"]
    wrong_secret = token(
        client,
        auth=(DEMO_CLIENT_ID, "guess"),
        grant_type="authorization_code",
        code=code,
        redirect_uri=REDIRECT_URI,
    )
    assert wrong_secret.status_code == 401 and wrong_secret.json["error"] == "invalid_client"
    in_body = client.post(
        "/sandbox/identity/connect/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT_URI,
            "client_id": DEMO_CLIENT_ID,
            "client_secret": DEMO_CLIENT_SECRET,
        },
    )
    assert in_body.status_code == 401 and in_body.json["error"] == "invalid_client"


def test_unknown_grant_type(client):
    assert token(client, grant_type="password").json["error"] == "unsupported_grant_type"


def test_no_offline_access_means_no_refresh_token(client):
    connection = connect(client, scope="openid practicemanager")
    assert connection.refresh_token is None


def test_refresh_rotates_and_the_old_token_has_a_grace_period(client):
    first = connect(client).refresh_token
    rotated = token(client, grant_type="refresh_token", refresh_token=first).json
    assert rotated["refresh_token"] != first and rotated["expires_in"] == 1800
    advance(client, 29 * 60)
    within_grace = token(client, grant_type="refresh_token", refresh_token=first)
    assert within_grace.status_code == 200
    advance(client, 2 * 60)
    after_grace = token(client, grant_type="refresh_token", refresh_token=first)
    assert after_grace.status_code == 400 and after_grace.json["error"] == "invalid_grant"
    newest = token(
        client, grant_type="refresh_token", refresh_token=within_grace.json["refresh_token"]
    )
    assert newest.status_code == 200


def test_expired_access_token_gets_xeros_401(client):
    connection = connect(client)
    assert api(client, connection, "client.api/get/" + "0" * 8).status_code == 200
    advance(client, 30 * 60 + 1)
    response = api(client, connection, "client.api/list")
    assert response.status_code == 401
    assert "Content-Type" not in response.headers  # as Xero sends it
    assert response.headers["WWW-Authenticate"] == "Bearer error=invalid_token"
    body = json.loads(response.data)
    assert body["Type"] is None and body["Title"] == "Unauthorized" and body["Status"] == 401
    assert re.fullmatch(
        r"TokenExpired: token expired at \d\d/\d\d/\d{4} \d\d:\d\d:\d\d", body["Detail"]
    )


def test_token_lifetime_is_configurable(make_app):
    client = make_app(SANDBOX_ACCESS_TOKEN_SECONDS=5).test_client()
    code = consent(client, **authorize_params())["code"]
    body = token(client, grant_type="authorization_code", code=code, redirect_uri=REDIRECT_URI).json
    assert body["expires_in"] == 5


def test_garbage_token_is_unauthenticated(client):
    response = client.get(
        "/sandbox/xero/practicemanager/3.1/client.api/list",
        headers={"Authorization": "Bearer not-a-token", "Xero-Tenant-Id": tenants.KOWHAI.id},
    )
    assert response.status_code == 401
    assert response.json["Detail"] == "AuthenticationUnsuccessful"


def test_revocation_ends_the_grant(client):
    connection = connect(client)
    response = client.post(
        "/sandbox/identity/connect/revocation",
        data={"token": connection.refresh_token},
        auth=(DEMO_CLIENT_ID, DEMO_CLIENT_SECRET),
    )
    assert response.status_code == 200
    refreshed = token(client, grant_type="refresh_token", refresh_token=connection.refresh_token)
    assert refreshed.json["error"] == "invalid_grant"
    assert api(client, connection, "client.api/list").status_code == 401


def test_connections_list_and_delete(client):
    connection = connect(client)
    bearer = {"Authorization": f"Bearer {connection.access_token}"}
    listed = client.get("/sandbox/xero/connections", headers=bearer).json
    assert {c["tenantType"] for c in listed} == {"PRACTICEMANAGER", "ORGANISATION"}
    practice = next(c for c in listed if c["tenantType"] == "PRACTICEMANAGER")
    assert set(practice) == {
        "id",
        "tenantId",
        "tenantType",
        "tenantName",
        "createdDateUtc",
        "updatedDateUtc",
        "authEventId",
    }
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}", practice["createdDateUtc"])
    assert (
        client.delete(f"/sandbox/xero/connections/{practice['id']}", headers=bearer).status_code
        == 204
    )
    assert api(client, connection, "client.api/list").status_code == 403
    assert (
        client.delete(f"/sandbox/xero/connections/{practice['id']}", headers=bearer).status_code
        == 404
    )
    reconnected = connect(client)
    again = client.get(
        "/sandbox/xero/connections", headers={"Authorization": f"Bearer {reconnected.access_token}"}
    ).json
    assert practice["id"] not in {c["id"] for c in again}
    assert api(client, reconnected, "clientgroup.api/list").status_code == 200


def test_connections_need_a_bearer_token(client):
    assert client.get("/sandbox/xero/connections").status_code == 401

"""The Add-ons page and the OAuth2 flow, with the providers faked by requests-mock."""

import base64
import json
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import requests_mock
from sqlalchemy import select, text

from portal import database
from portal import vault as vault_module
from portal.addons.providers import provider
from portal.addons.tokens import ConnectionTokens, NotConnected
from portal.models import AuditEvent, OAuthRequest, XpmConnection
from portal.vault import vault
from tests.conftest import make_user

IDENTITY = "https://identity.example"
CONNECTIONS = "https://api.example/connections"
PRACTICE = {
    "id": "conn-1",
    "tenantId": "tenant-1",
    "tenantType": "PRACTICEMANAGER",
    "tenantName": "Kōwhai Chartered Accountants",
}
ORGANISATION = {
    "id": "conn-2",
    "tenantId": "tenant-2",
    "tenantType": "ORGANISATION",
    "tenantName": "Kōwhai Ltd (accounting)",
}


def token_response(access="access-1", refresh="refresh-1", expires_in=1800):
    return {
        "access_token": access,
        "refresh_token": refresh,
        "expires_in": expires_in,
        "token_type": "Bearer",
        "scope": "openid practicemanager offline_access",
    }


@pytest.fixture
def app(app):
    app.config.update(
        XPM_CLIENT_ID="portal-test",
        XPM_CLIENT_SECRET="portal-test-secret",
        XERO_AUTHORIZE_URL=f"{IDENTITY}/connect/authorize",
        XERO_TOKEN_URL=f"{IDENTITY}/connect/token",
        XERO_REVOKE_URL=f"{IDENTITY}/connect/revocation",
        XERO_CONNECTIONS_URL=CONNECTIONS,
        WORKFLOWMAX_CLIENT_ID="wfm-test",
        WORKFLOWMAX_CLIENT_SECRET="wfm-test-secret",
        WORKFLOWMAX_AUTHORIZE_URL="https://wfm.example/oauth/authorize",
        WORKFLOWMAX_TOKEN_URL="https://wfm.example/oauth/token",
    )
    return app


@pytest.fixture
def mock():
    with requests_mock.Mocker() as mocker:
        yield mocker


def start(client, key="xpm"):
    response = client.post(f"/settings/addons/{key}/connect")
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    return location, {k: v[0] for k, v in parse_qs(location.query).items()}


def finish(client, params, key="xpm", **extra):
    query = {"state": params["state"], "code": "the-code", **extra}
    return client.get(f"/settings/addons/{key}/callback", query_string=query)


def stored(app):
    with app.app_context():
        return database.session().scalars(select(XpmConnection)).all()


def test_page_shows_both_providers_and_help(client, signed_in):
    page = client.get("/settings/addons/").get_data(as_text=True)
    assert "Xero Practice Manager" in page and "WorkflowMax" in page
    assert "Authorise 3rd Party Full Access" in page
    assert page.count("Not connected") >= 2


def test_connect_redirects_with_state_and_pkce(client, signed_in):
    location, params = start(client)
    assert (
        f"{location.scheme}://{location.netloc}{location.path}" == f"{IDENTITY}/connect/authorize"
    )
    assert params["code_challenge_method"] == "S256" and len(params["code_challenge"]) >= 43
    assert params["response_type"] == "code" and params["client_id"] == "portal-test"
    assert "practicemanager" in params["scope"] and "offline_access" in params["scope"]
    assert params["redirect_uri"].endswith("/settings/addons/xpm/callback")
    assert len(params["state"]) >= 32


def test_full_flow_stores_encrypted_tokens(app, client, signed_in, mock):
    _, params = start(client)
    mock.post(f"{IDENTITY}/connect/token", json=token_response())
    mock.get(CONNECTIONS, json=[ORGANISATION, PRACTICE])
    response = finish(client, params)
    assert response.status_code == 302 and response.headers["Location"] == "/settings/addons/"
    sent = mock.request_history[0]
    assert sent.headers["Authorization"].startswith("Basic ")
    form = parse_qs(sent.text)
    assert form["grant_type"] == ["authorization_code"] and form["code"] == ["the-code"]
    assert len(form["code_verifier"][0]) >= 43
    assert mock.request_history[1].headers["Authorization"] == "Bearer access-1"
    [row] = stored(app)
    assert (row.status, row.tenant_id, row.tenant_name) == (
        "connected",
        "tenant-1",
        "Kōwhai Chartered Accountants",
    )
    assert row.provider_connection_id == "conn-1"
    assert "access-1" not in row.access_token and "refresh-1" not in row.refresh_token
    with app.app_context():
        assert vault().open(row.refresh_token) == "refresh-1"
    page = client.get("/settings/addons/").get_data(as_text=True)
    assert "Connected to <strong>Kōwhai Chartered Accountants</strong>" in page
    assert "access-1" not in page and "refresh-1" not in page


def test_several_practices_ask_the_administrator_to_choose(app, client, signed_in, mock):
    _, params = start(client)
    mock.post(f"{IDENTITY}/connect/token", json=token_response())
    second = {**PRACTICE, "id": "conn-3", "tenantId": "tenant-3", "tenantName": "Rātā Tax"}
    mock.get(CONNECTIONS, json=[PRACTICE, second])
    response = finish(client, params)
    assert response.headers["Location"] == "/settings/addons/xpm/choose"
    page = client.get("/settings/addons/xpm/choose").get_data(as_text=True)
    assert "Rātā Tax" in page and "Kōwhai Chartered Accountants" in page
    assert (
        client.post("/settings/addons/xpm/choose", data={"tenant_id": "forged"}).status_code == 200
    )
    client.post("/settings/addons/xpm/choose", data={"tenant_id": "tenant-3"})
    [row] = stored(app)
    assert (row.status, row.tenant_name, row.tenant_choices) == ("connected", "Rātā Tax", [])


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("denied", "did not grant access"),
        ("state_mismatch", "could not be matched"),
        ("replayed_code", "refused the sign-in (invalid_grant"),
        ("provider_error", "could not be reached"),
        ("no_practice", "Authorise 3rd Party Full Access"),
    ],
)
def test_failures_show_a_clear_message_and_store_nothing(
    app, client, signed_in, mock, case, message
):
    _, params = start(client)
    extra = {}
    if case == "denied":
        extra = {"error": "access_denied", "code": ""}
    elif case == "state_mismatch":
        params = {**params, "state": "not-the-state"}
    elif case == "replayed_code":
        mock.post(f"{IDENTITY}/connect/token", status_code=400, json={"error": "invalid_grant"})
    elif case == "provider_error":
        mock.post(f"{IDENTITY}/connect/token", status_code=503, text="<html>down</html>")
    else:
        mock.post(f"{IDENTITY}/connect/token", json=token_response())
        mock.get(CONNECTIONS, json=[ORGANISATION])
    response = finish(client, params, **extra)
    assert response.status_code == 302, "the callback always answers with a redirect"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert message in page.replace("&#39;", "'").replace("&#34;", '"')
    assert stored(app) == []


def test_a_callback_works_only_once(app, client, signed_in, mock):
    _, params = start(client)
    mock.post(f"{IDENTITY}/connect/token", json=token_response())
    mock.get(CONNECTIONS, json=[PRACTICE])
    finish(client, params)
    with app.app_context():
        assert database.session().scalars(select(OAuthRequest)).all() == []
    token_calls = mock.call_count
    response = finish(client, params)
    assert "could not be matched" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert mock.call_count == token_calls


def test_staff_see_status_but_cannot_connect(app, client, auth):
    make_user(app, email="junior@kowhai.example", admin=False)
    auth.login(email="junior@kowhai.example")
    page = client.get("/settings/addons/").get_data(as_text=True)
    assert "only a firm administrator can connect" in page
    assert "Connect Xero Practice Manager" not in page
    assert client.post("/settings/addons/xpm/connect").status_code == 403
    assert client.post("/settings/addons/xpm/disconnect").status_code == 403


def test_unconfigured_provider_says_so(app, client, signed_in):
    app.config["XPM_CLIENT_ID"] = None
    response = client.post("/settings/addons/xpm/connect", follow_redirects=True)
    assert "is not set up on this server yet" in response.get_data(as_text=True)


def test_workflowmax_reads_the_organisation_from_the_token(app, client, signed_in, mock):
    location, params = start(client, "workflowmax")
    assert params["prompt"] == "consent"
    claims = base64.urlsafe_b64encode(json.dumps({"org_ids": ["org-42"]}).encode()).decode()
    jwt = f"eyJhbGciOiJIUzI1NiJ9.{claims.rstrip('=')}.signature"
    mock.post("https://wfm.example/oauth/token", json=token_response(access=jwt))
    finish(client, params, key="workflowmax")
    form = parse_qs(mock.request_history[0].text)
    assert form["client_id"] == ["wfm-test"] and form["client_secret"] == ["wfm-test-secret"]
    assert "Authorization" not in mock.request_history[0].headers
    [row] = stored(app)
    assert (row.provider, row.tenant_id) == ("workflowmax", "org-42")


# --- Tokens: refresh, rotation, revocation ----------------------------------------------------
@pytest.fixture
def connection(app, client, signed_in, mock):
    _, params = start(client)
    mock.post(f"{IDENTITY}/connect/token", json=token_response())
    mock.get(CONNECTIONS, json=[PRACTICE])
    finish(client, params)
    [row] = stored(app)
    return row.id


def expire(app, connection_id):
    with app.app_context():
        session = database.session()
        with database.writing(session):
            row = session.get(XpmConnection, connection_id)
            row.access_token_expires_at -= timedelta(minutes=29, seconds=30)


def tokens_for(app, connection_id):
    with app.app_context():
        return ConnectionTokens(
            app.extensions["portal.sessions"], vault(), provider(app.config, "xpm"), connection_id
        )


def test_a_fresh_token_is_used_without_refreshing(app, connection, mock):
    calls = mock.call_count
    with app.app_context():
        assert tokens_for(app, connection).access_token() == "access-1"
    assert mock.call_count == calls


def test_refresh_a_minute_before_expiry_rotates_and_stores(app, connection, mock):
    expire(app, connection)
    mock.post(f"{IDENTITY}/connect/token", json=token_response("access-2", "refresh-2"))
    with app.app_context():
        assert tokens_for(app, connection).access_token() == "access-2"
        row = database.session().get(XpmConnection, connection)
        assert vault().open(row.refresh_token) == "refresh-2"
    form = parse_qs(mock.last_request.text)
    assert form["grant_type"] == ["refresh_token"] and form["refresh_token"] == ["refresh-1"]


def test_invalid_grant_marks_the_connection_for_reconnecting(app, client, connection, mock):
    expire(app, connection)
    mock.post(
        f"{IDENTITY}/connect/token",
        status_code=400,
        json={"error": "invalid_grant", "error_description": "refresh token revoked"},
    )
    with app.app_context(), pytest.raises(NotConnected):
        tokens_for(app, connection).access_token()
    [row] = stored(app)
    assert row.status == "needs_reconnect" and "refresh token revoked" in row.last_error
    with app.app_context():
        actions = database.session().scalars(select(AuditEvent.action)).all()
    assert "token_refresh_failed" in actions
    page = client.get("/settings/addons/").get_data(as_text=True)
    assert "Needs reconnecting" in page and "refresh token revoked" in page
    assert "Reconnect Xero Practice Manager" in page


def test_disconnect_calls_the_provider_and_deletes_the_tokens(app, client, connection, mock):
    mock.delete(f"{CONNECTIONS}/conn-1", status_code=204)
    mock.post(f"{IDENTITY}/connect/revocation", status_code=200)
    response = client.post(
        "/settings/addons/xpm/disconnect", data={"confirm": "1"}, follow_redirects=True
    )
    assert "Disconnected from Xero Practice Manager" in response.get_data(as_text=True)
    assert mock.request_history[-2].method == "DELETE"
    assert parse_qs(mock.last_request.text)["token"] == ["refresh-1"]
    assert stored(app) == []


def test_disconnect_when_the_provider_already_revoked(app, client, connection, mock):
    mock.delete(f"{CONNECTIONS}/conn-1", status_code=401)
    mock.post(f"{IDENTITY}/connect/revocation", status_code=400, json={"error": "invalid_grant"})
    response = client.post(
        "/settings/addons/xpm/disconnect", data={"confirm": "1"}, follow_redirects=True
    )
    assert "Disconnected from Xero Practice Manager" in response.get_data(as_text=True)
    assert stored(app) == []


def test_tokens_rotate_re_encrypts_under_the_first_key(app, connection, runner):
    from cryptography.fernet import Fernet

    old_key = app.config["PORTAL_TOKEN_KEY"]
    new_key = Fernet.generate_key().decode()
    app.config["PORTAL_TOKEN_KEY"] = f"{new_key},{old_key}"
    vault_module.init_app(app)
    result = runner.invoke(args=["tokens", "rotate"])
    assert "Re-encrypted 2" in result.output
    [row] = stored(app)
    assert Fernet(new_key).decrypt(row.refresh_token.encode()) == b"refresh-1"


def test_no_token_text_in_the_database(app, connection):
    with app.app_context(), database.engine().connect() as connection_:
        dump = " ".join(
            str(value)
            for table in ("xpm_connections", "audit_events", "oauth_requests")
            for row in connection_.execute(text(f"SELECT * FROM {table}"))  # noqa: S608
            for value in row
        )
    assert "access-1" not in dump and "refresh-1" not in dump


def test_disconnect_asks_first_and_keeps_the_connection(app, client, connection, mock):
    """Without confirm=1 (no JavaScript, or a stale form) the same question comes as a page."""
    calls = len(mock.request_history)
    response = client.post("/settings/addons/xpm/disconnect")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "Disconnect Xero Practice Manager?" in page
    assert "Staff will no longer be able to import or refresh from Xero Practice Manager" in page
    assert 'name="confirm" value="1"' in page and "Profiles already imported stay." in page
    assert len(stored(app)) == 1 and len(mock.request_history) == calls


def test_the_disconnect_button_opens_the_confirmation(app, client, connection):
    page = client.get("/settings/addons/").get_data(as_text=True)
    assert 'data-confirm data-confirm-question="Disconnect Xero Practice Manager?"' in page
    assert '<input type="hidden" name="confirm" value="" data-confirm-field>' in page
    assert '<dialog id="confirm-dialog"' in page


# --- First run: the main path, and installer text for administrators only -----------------
def test_installer_text_is_for_administrators_outside_the_sandbox(app, client, auth):
    make_user(app, email="admin@kowhai.example", admin=True)
    make_user(app, email="junior@kowhai.example", admin=False)
    auth.login(email="admin@kowhai.example")
    admin = client.get("/settings/addons/").get_data(as_text=True)
    assert "XPM_CLIENT_ID" in admin and "/settings/addons/xpm/callback" in admin
    app.config["PORTAL_SANDBOX"] = True
    sandboxed = client.get("/settings/addons/").get_data(as_text=True)
    assert "XPM_CLIENT_ID" not in sandboxed and "/callback" not in sandboxed
    assert "Authorise 3rd Party Full Access" in sandboxed
    app.config["PORTAL_SANDBOX"] = False
    auth.logout()
    auth.login(email="junior@kowhai.example")
    staff = client.get("/settings/addons/").get_data(as_text=True)
    assert "XPM_CLIENT_ID" not in staff and "/callback" not in staff
    assert "client id" not in staff


def test_after_connecting_add_ons_offer_to_import_clients(app, client, connection):
    page = client.get("/settings/addons/").get_data(as_text=True)
    assert '<a class="button primary" href="/clients/add">Import clients now</a>' in page


def test_the_empty_clients_page_points_to_importing(app, client, signed_in):
    page = client.get("/clients/").get_data(as_text=True)  # an administrator, nothing connected
    assert '<a class="button primary" href="/settings/addons/">Connect XPM</a>' in page
    assert "data-opens-panel>Import from other system</a>" in page
    assert "add a client manually" in page


def test_the_empty_clients_page_once_connected_offers_the_import(app, client, connection):
    page = client.get("/clients/").get_data(as_text=True)
    assert "Connect XPM</a>" not in page
    assert 'class="button primary" href="/clients/add"' in page


def test_staff_are_told_to_ask_an_administrator_to_connect(app, client, auth):
    make_user(app, email="junior@kowhai.example", admin=False)
    auth.login(email="junior@kowhai.example")
    page = client.get("/clients/").get_data(as_text=True)
    assert "Connect XPM</a>" not in page
    assert "ask a firm administrator to connect it in Settings → Add-ons" in page

"""The whole add-on flow over real HTTP against the sandbox: connect, use, refresh, disconnect."""

from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from portal import database
from portal.addons.api import practice_api
from portal.models import XpmConnection
from tests.sandboxed import connect_portal


def connection(app):
    with app.app_context():
        return database.session().scalar(select(XpmConnection))


def test_connect_use_disconnect_reconnect(app, client, connected, sandbox_url, sandbox_control):
    row = connection(app)
    assert row.tenant_name == "Kōwhai Chartered Accountants (sandbox)"
    with app.app_context():
        api = practice_api(database.session(), row.firm_id)
        page = api.paged_list(page_size=10)
        assert len(page.clients) == 10
        found = api.search(page.clients[0].name[:6])
        assert any(c.uuid == page.clients[0].uuid for c in found)
    client.post("/settings/addons/xpm/disconnect", data={"confirm": "1"})
    assert connection(app) is None
    calls = sandbox_control.calls()
    assert any("connections" in name for name in calls), calls
    page = connect_portal(app, client, sandbox_url)
    assert "Connected to Kōwhai Chartered Accountants (sandbox)" in page


def test_workflowmax_mode(app, client, signed_in, sandbox_url, sandbox_control):
    page = connect_portal(app, client, sandbox_url, provider="workflowmax")
    assert "Connected to" in page
    row = connection(app)
    assert row.provider == "workflowmax" and row.tenant_id
    with app.app_context():
        api = practice_api(database.session(), row.firm_id, "workflowmax")
        listing = api.list_page(1, page_size=20)
        assert listing.total_records > 20 and len(listing.clients) == 20


def test_expired_access_token_is_refreshed_and_rotated(app, connected, sandbox_control):
    before = connection(app)
    with app.app_context():
        session = database.session()
        with database.writing(session):
            session.get(XpmConnection, before.id).access_token_expires_at -= timedelta(hours=1)
        api = practice_api(session, before.firm_id)
        assert api.paged_list(page_size=5).clients
    after = connection(app)
    assert after.refresh_token != before.refresh_token
    assert after.access_token_expires_at > before.access_token_expires_at


def test_revoked_grant_asks_for_reconnecting(app, client, connected, sandbox_url):
    import requests

    from portal.vault import vault

    row = connection(app)
    with app.app_context():
        refresh = vault().open(row.refresh_token)
    requests.post(
        f"{sandbox_url}/identity/connect/revocation",
        data={"token": refresh},
        auth=(app.config["XPM_CLIENT_ID"], app.config["XPM_CLIENT_SECRET"]),
        timeout=10,
    )
    with app.app_context():
        session = database.session()
        with database.writing(session):
            session.get(XpmConnection, row.id).access_token_expires_at -= timedelta(hours=1)
        api = practice_api(session, row.firm_id)
        try:
            api.paged_list(page_size=5)
        except Exception as error:  # noqa: BLE001 - the type is asserted below
            assert "Settings → Add-ons" in str(error)
        else:
            raise AssertionError("a revoked grant must not keep working")
    assert connection(app).status == "needs_reconnect"
    assert "Needs reconnecting" in client.get("/settings/addons/").get_data(as_text=True)


def test_no_token_text_in_the_database_file_or_pages(app, client, connected, caplog):
    from portal.vault import vault

    row = connection(app)
    with app.app_context():
        secrets = [vault().open(row.access_token), vault().open(row.refresh_token)]
        api = practice_api(database.session(), row.firm_id)
        api.paged_list(page_size=5)
    url = app.config["DATABASE_URL"]
    pages = client.get("/settings/addons/").get_data(as_text=True)
    logs = caplog.text
    for secret in secrets:
        assert secret not in pages and secret not in logs
        if url.startswith("sqlite:///"):
            database_file = Path(url.removeprefix("sqlite:///"))
            for path in (database_file, Path(f"{database_file}-wal")):
                if path.exists():
                    assert secret.encode() not in path.read_bytes()


def test_a_403_from_the_api_asks_for_reconnecting(app, client, connected, sandbox_control):
    from portal.xpm.errors import XpmForbidden

    sandbox_control("POST", "faults", json={"fault": "403", "endpoints": ["client.api/paged-list"]})
    row = connection(app)
    with app.app_context():
        api = practice_api(database.session(), row.firm_id)
        try:
            api.paged_list(page_size=5)
        except XpmForbidden:
            pass
        else:
            raise AssertionError("the fault was not injected")
    lost = connection(app)
    assert lost.status == "needs_reconnect"
    assert "Reconnect Xero Practice Manager" in client.get("/settings/addons/").get_data(
        as_text=True
    )


def test_a_401_that_survives_a_refresh_asks_for_reconnecting(app, connected, sandbox_control):
    from portal.xpm.errors import XpmAuthError

    sandbox_control("POST", "faults", json={"fault": "401", "endpoints": ["client.api/search"]})
    row = connection(app)
    with app.app_context():
        api = practice_api(database.session(), row.firm_id)
        try:
            api.search("Aroha")
        except XpmAuthError as error:
            assert "Settings → Add-ons" in str(error)
        else:
            raise AssertionError("the fault was not injected")
    # The code exchange when connecting, then exactly one refresh after the first 401.
    assert sandbox_control.calls()["identity/connect/token"] == 2
    assert sandbox_control.calls()["client.api/search"] == 2
    assert connection(app).status == "needs_reconnect"

"""Mounting in the portal, the seed command, automatic seeding, provider settings."""

import shutil

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import func, select

import portal.sandbox
from portal import create_app as create_portal
from portal.database import Base
from portal.sandbox import grants, runtime, store, tenants
from tests.sandbox.conftest import runtime_of
from tests.sandbox.flows import (
    REDIRECT_URI,
    api,
    authorize_params,
    connect,
    form_fields,
    parse,
    pkce,
)


def kowhai_clients(app) -> list[str]:
    with runtime_of(app).engine.connect() as connection:
        query = select(store.clients.c.uuid).where(store.clients.c.tenant == tenants.KOWHAI.id)
        return list(connection.scalars(query.order_by(store.clients.c.seq)))


def test_seed_command_rebuilds_the_same_practice_and_keeps_tokens(app, runner):
    xpm = connect(app.test_client())
    result = runner.invoke(args=["sandbox", "seed", "--clients", "120"])
    assert result.exit_code == 0, result.output
    assert "Kōwhai Chartered Accountants (sandbox): 1" in result.output
    first = kowhai_clients(app)
    assert len(first) >= 120
    assert runner.invoke(args=["sandbox", "seed", "--clients", "120"]).exit_code == 0
    assert kowhai_clients(app) == first
    assert api(app.test_client(), xpm, "client.api/get/" + first[0]).status_code == 200


@pytest.mark.parametrize("size", ["0", "50001", "many"])
def test_seed_command_refuses_bad_sizes(runner, size):
    result = runner.invoke(args=["sandbox", "seed", "--clients", size])
    assert result.exit_code != 0


def test_an_empty_database_is_seeded_on_first_use(tmp_path):
    app = portal.sandbox.create_app(
        {
            "TESTING": True,
            "SANDBOX_DATABASE_URL": f"sqlite:///{tmp_path / 'new.db'}",
            "SANDBOX_SEED_CLIENTS": 60,
        }
    )
    client = app.test_client()
    assert (
        client.get(
            "/sandbox/identity/connect/authorize", query_string=authorize_params()
        ).status_code
        == 200
    )
    assert len(kowhai_clients(app)) >= 60
    runtime_of(app).engine.dispose()


def test_default_database_lives_in_the_instance_folder():
    app = portal.sandbox.create_app({"TESTING": True})
    assert app.config["SANDBOX_DATABASE_URL"] == f"sqlite:///{app.instance_path}/sandbox.db"
    assert app.config["SANDBOX_SEED_CLIENTS"] == 2000


def test_provider_urls():
    urls = portal.sandbox.provider_urls("http://127.0.0.1:5000/sandbox/")
    assert urls["XERO_AUTHORIZE_URL"] == "http://127.0.0.1:5000/sandbox/identity/connect/authorize"
    assert urls["XERO_TOKEN_URL"] == "http://127.0.0.1:5000/sandbox/identity/connect/token"
    assert urls["XERO_REVOKE_URL"] == "http://127.0.0.1:5000/sandbox/identity/connect/revocation"
    assert urls["XERO_CONNECTIONS_URL"] == "http://127.0.0.1:5000/sandbox/xero/connections"
    assert urls["XPM_API_URL"] == "http://127.0.0.1:5000/sandbox/xero/practicemanager/3.1/"
    assert (
        urls["WORKFLOWMAX_AUTHORIZE_URL"]
        == "http://127.0.0.1:5000/sandbox/workflowmax/oauth/authorize"
    )
    assert urls["WORKFLOWMAX_TOKEN_URL"] == "http://127.0.0.1:5000/sandbox/workflowmax/oauth/token"
    assert urls["WORKFLOWMAX_API_URL"] == "http://127.0.0.1:5000/sandbox/workflowmax/api/"
    assert urls["XPM_CLIENT_ID"] == portal.sandbox.DEMO_CLIENT_ID
    assert urls["XPM_CLIENT_SECRET"] == portal.sandbox.DEMO_CLIENT_SECRET
    assert urls["WORKFLOWMAX_CLIENT_ID"] == portal.sandbox.WORKFLOWMAX_DEMO_CLIENT_ID
    assert urls["WORKFLOWMAX_CLIENT_SECRET"] == portal.sandbox.WORKFLOWMAX_DEMO_CLIENT_SECRET


@pytest.fixture
def portal_app(seeded_database, tmp_path):
    """The real portal with the sandbox mounted, CSRF protection on."""
    shutil.copy(seeded_database, tmp_path / "sandbox.db")
    app = create_portal(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret-key-that-is-long-enough-to-pass",
            "PORTAL_TOKEN_KEY": Fernet.generate_key().decode(),
            "DATABASE_URL": f"sqlite:///{tmp_path / 'portal.db'}",
            "RATELIMIT_STORAGE_URI": "memory://",
            "SANDBOX_DATABASE_URL": f"sqlite:///{tmp_path / 'sandbox.db'}",
        }
    )
    portal_tables = set(Base.metadata.tables)
    portal.sandbox.init_app(app)
    assert set(Base.metadata.tables) == portal_tables  # nothing added to the portal's schema
    assert not portal_tables & set(store.metadata.tables)
    yield app
    runtime_of(app).engine.dispose()


def test_mounted_in_the_portal_outside_its_csrf(portal_app):
    client = portal_app.test_client()
    assert portal_app.config["WTF_CSRF_ENABLED"] is not False
    verifier, challenge = pkce()
    page = client.get(
        "/sandbox/identity/connect/authorize", query_string=authorize_params(challenge)
    )
    assert page.status_code == 200
    assert page.headers["Content-Security-Policy"].startswith("default-src 'none'")
    assert (
        page.headers["X-Content-Type-Options"] == "nosniff"
    )  # the portal's baseline still applies
    nonce, offered = form_fields(page.get_data(as_text=True))
    answer = client.post(
        "/sandbox/identity/connect/authorize",
        data={"nonce": nonce, "decision": "approve", "tenant": offered},
    )
    assert answer.status_code == 302
    code = answer.headers["Location"].split("code=")[1].split("&")[0]
    tokens = client.post(
        "/sandbox/identity/connect/token",
        auth=(portal.sandbox.DEMO_CLIENT_ID, portal.sandbox.DEMO_CLIENT_SECRET),
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT_URI,
            "code_verifier": verifier,
        },
    )
    assert tokens.status_code == 200
    headers = {
        "Authorization": f"Bearer {tokens.json['access_token']}",
        "Xero-Tenant-Id": tenants.KOWHAI.id,
    }
    found = parse(
        client.get(
            "/sandbox/xero/practicemanager/3.1/client.api/search?query=Ngata", headers=headers
        )
    )
    assert found.findtext("Status") == "OK"


def test_seed_command_in_the_portal(portal_app):
    result = portal_app.test_cli_runner().invoke(args=["sandbox", "seed", "--clients", "80"])
    assert result.exit_code == 0, result.output
    with portal_app.app_context(), runtime.current().engine.connect() as connection:
        assert store.seeded_size(connection) == 80
        assert connection.scalar(select(func.count()).select_from(store.clients)) >= 80


def test_consent_scopes_are_checked_per_provider():
    assert grants.scopes_allowed("xero", "openid practicemanager.client.read offline_access")
    assert not grants.scopes_allowed("xero", "workflowmax")
    assert not grants.scopes_allowed("workflowmax", "practicemanager")
    assert not grants.scopes_allowed("xero", "")


def test_the_command_line_registers_redirect_uris_and_reads_the_token_from_the_environment():
    from portal.sandbox.__main__ import configuration, parse

    uris = ["http://127.0.0.1:8123/settings/addons/xpm/callback", "https://portal.example/cb"]
    args = parse(["--redirect-uri", uris[0], "--redirect-uri", uris[1]])
    config = configuration(args, environ={"SANDBOX_CONTROL_TOKEN": "from-the-environment"})
    assert config["SANDBOX_REDIRECT_URIS"] == uris
    assert config["SANDBOX_CONTROL_TOKEN"] == "from-the-environment"
    defaults = configuration(parse([]), environ={})
    assert "SANDBOX_REDIRECT_URIS" not in defaults and "SANDBOX_CONTROL_TOKEN" not in defaults


def test_redirect_uris_are_the_portals_callbacks():
    """The sandbox names the portal's callback paths itself: they must stay the portal's."""
    from flask import url_for

    from portal import create_app
    from tests.conftest import settings_for

    app = create_app(settings_for("sqlite://"))
    with app.test_request_context(base_url="http://127.0.0.1:5000"):
        callbacks = [
            url_for("addons.callback", key=key, _external=True) for key in ("xpm", "workflowmax")
        ]
    assert portal.sandbox.redirect_uris("http://127.0.0.1:5000") == callbacks
    assert set(callbacks) <= set(portal.sandbox.settings.defaults("")["SANDBOX_REDIRECT_URIS"])

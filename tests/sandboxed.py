"""Fixtures for tests that talk to the XPM sandbox over real HTTP, as the portal talks to Xero.

``sandbox_url`` serves a standalone sandbox (its own seeded dataset) on a free loopback
port for the whole session; ``connected`` runs the portal's real OAuth flow against it for
the signed-in firm. ``register_url`` serves the register sandbox the same way, its register
drawn from a practice of the same size, and ``register_control`` calls its control
endpoints. The root conftest loads this module as a plugin.
"""

import re
import threading
from urllib.parse import urlsplit

import pytest
import requests

from portal import register_sandbox, sandbox
from portal.sandbox import server
from tests.sandbox.flows import CONTROL, CONTROL_TOKEN

SANDBOX_CLIENTS = 400
REGISTER_CONTROL_TOKEN = "register-sandbox-control-token-for-the-tests-only"
REGISTER_CONTROL = {"Authorization": f"Bearer {REGISTER_CONTROL_TOKEN}"}
#: Where the portal is when Flask's test client drives it: url_for(_external=True) says so.
TEST_CLIENT_PORTAL = "http://localhost"


@pytest.fixture(scope="session")
def sandbox_url(tmp_path_factory):
    """A standalone sandbox with a seeded practice; returns its /sandbox base URL."""
    directory = tmp_path_factory.mktemp("sandbox")
    app = sandbox.create_app(
        {
            "SANDBOX_DATABASE_URL": f"sqlite:///{directory / 'sandbox.db'}",
            "SANDBOX_SEED_CLIENTS": SANDBOX_CLIENTS,
            "SANDBOX_CONTROL_TOKEN": CONTROL_TOKEN,
            "SANDBOX_REDIRECT_URIS": sandbox.redirect_uris(TEST_CLIENT_PORTAL),
        }
    )
    http = server.make(app, "127.0.0.1", 0)
    thread = threading.Thread(target=http.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{http.server_port}/sandbox"
    requests.get(f"{url}/_control/calls", headers=CONTROL, timeout=60)  # seeds it
    yield url
    http.shutdown()
    http.server_close()


@pytest.fixture
def sandbox_control(sandbox_url):
    """Call the sandbox's control endpoints; faults and counts are cleared around each test,
    and its practice is re-seeded after a test that added or changed clients."""

    class Control:
        changed_data = False

        def __call__(self, method, path, **kwargs):
            if path.startswith("clients") and method != "GET":
                self.changed_data = True
            response = requests.request(
                method, f"{sandbox_url}/_control/{path}", headers=CONTROL, timeout=60, **kwargs
            )
            response.raise_for_status()
            return response.json() if response.content else None

        def calls(self) -> dict:
            """Calls per endpoint since the last reset."""
            return self("GET", "calls")["calls"]

    control = Control()
    control("POST", "reset", json={})
    yield control
    control("POST", "reset", json={"data": True} if control.changed_data else {})


def serve(app) -> tuple[object, str]:
    """Serve ``app`` on a free loopback port in a thread; (server, http://127.0.0.1:port)."""
    http = server.make(app, "127.0.0.1", 0)
    thread = threading.Thread(target=http.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    return http, f"http://127.0.0.1:{http.server_port}"


@pytest.fixture(scope="session")
def register_url():
    """A standalone register sandbox matching ``sandbox_url``'s practice; returns its
    /register-sandbox base URL (``register_sandbox.provider_urls`` points the portal at it)."""
    app = register_sandbox.create_app(
        {
            "TESTING": True,
            "REGISTER_SANDBOX_CLIENTS": SANDBOX_CLIENTS,
            "REGISTER_SANDBOX_CONTROL_TOKEN": REGISTER_CONTROL_TOKEN,
        }
    )
    http, origin = serve(app)
    yield f"{origin}{register_sandbox.URL_PREFIX}"
    http.shutdown()
    http.server_close()


@pytest.fixture
def register_control(register_url):
    """Call the register sandbox's control endpoints; cleared around each test."""

    def call(method, path, **kwargs):
        response = requests.request(
            method,
            f"{register_url}/_control/{path}",
            headers=REGISTER_CONTROL,
            timeout=30,
            **kwargs,
        )
        response.raise_for_status()
        return response.json()

    call("POST", "reset")
    yield call
    call("POST", "reset")


def approve_consent(authorize_url: str, decision: str = "approve") -> str:
    """Do what the administrator does on the consent page; returns the callback URL."""
    browser = requests.Session()
    page = browser.get(authorize_url, timeout=30)
    page.raise_for_status()
    nonce = re.search(r'name="nonce" value="([^"]+)"', page.text).group(1)
    tenants = re.findall(r'name="tenant" value="([^"]+)"', page.text)
    answer = browser.post(
        page.url,
        data={"nonce": nonce, "decision": decision, "tenant": tenants},
        allow_redirects=False,
        timeout=30,
    )
    assert answer.status_code == 302, answer.text
    return answer.headers["Location"]


def connect_portal(app, client, sandbox_url, provider="xpm"):
    """Run the portal's Connect → consent → callback against the sandbox; returns the page."""
    app.config.update(sandbox.provider_urls(sandbox_url))
    started = client.post(f"/settings/addons/{provider}/connect")
    assert started.status_code == 302, started.get_data(as_text=True)
    callback = urlsplit(approve_consent(started.headers["Location"]))
    finished = client.get(f"{callback.path}?{callback.query}")
    assert finished.status_code == 302
    return client.get(finished.headers["Location"]).get_data(as_text=True)


@pytest.fixture
def connected(app, client, signed_in, sandbox_url, sandbox_control):
    """The signed-in firm, connected to the sandbox's XPM through the real OAuth flow."""
    page = connect_portal(app, client, sandbox_url)
    assert "Connected to" in page, page
    return signed_in

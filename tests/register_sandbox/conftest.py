"""The register sandbox on a free loopback port, as the portal reaches MBIE's gateway."""

import threading

import pytest
import requests

from portal import register_sandbox
from portal.nzbn import RegisterApi
from portal.register_sandbox import DEMO_SUBSCRIPTION_KEY
from portal.sandbox import server

#: The XPM sandbox practice the register is drawn from (tests/sandboxed.py's size).
CLIENTS = 400
CONTROL_TOKEN = "register-sandbox-control-token-for-the-tests-only"
CONTROL = {"Authorization": f"Bearer {CONTROL_TOKEN}"}


@pytest.fixture(scope="session")
def register_url():
    """A standalone register sandbox; returns its /register-sandbox base URL."""
    app = register_sandbox.create_app(
        {
            "TESTING": True,
            "REGISTER_SANDBOX_CLIENTS": CLIENTS,
            "REGISTER_SANDBOX_CONTROL_TOKEN": CONTROL_TOKEN,
        }
    )
    http = server.make(app, "127.0.0.1", 0)
    thread = threading.Thread(target=http.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{http.server_port}/register-sandbox"
    http.shutdown()
    http.server_close()


@pytest.fixture
def control(register_url):
    """Call the control endpoints; faults and counts are cleared around each test."""

    def call(method, path, **kwargs):
        response = requests.request(
            method, f"{register_url}/_control/{path}", headers=CONTROL, timeout=30, **kwargs
        )
        response.raise_for_status()
        return response.json()

    call("POST", "reset")
    yield call
    call("POST", "reset")


@pytest.fixture
def api_url(register_url):
    return register_sandbox.provider_urls(register_url)["NZBN_API_URL"]


@pytest.fixture
def register(api_url, control):
    """The portal's register client pointed at the sandbox, quick to give up."""
    return RegisterApi(
        api_url, DEMO_SUBSCRIPTION_KEY, read_timeout=2, call_deadline=3, sleep=lambda s: None
    )


@pytest.fixture
def key():
    return {"Ocp-Apim-Subscription-Key": DEMO_SUBSCRIPTION_KEY}

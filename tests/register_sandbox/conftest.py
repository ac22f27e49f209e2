"""The register client pointed at the session's register sandbox (``tests/sandboxed.py``)."""

import pytest

from portal import register_sandbox
from portal.nzbn import RegisterApi
from portal.register_sandbox import DEMO_SUBSCRIPTION_KEY


@pytest.fixture
def control(register_control):
    return register_control


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

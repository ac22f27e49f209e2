"""Fakes for the XPM client's tests: a clock that only moves when told, a token source,
a limiter that lives in the fake clock's time, and a client wired to requests-mock."""

import os
import threading
import uuid

import pytest
import redis

from portal.xpm import TenantLimiter, XpmApi
from portal.xpm.limiter_redis import RedisBackend

XPM_URL = "https://api.xero.com/practicemanager/3.1/"
WORKFLOWMAX_URL = "https://api.workflowmax2.com/"
TENANT = "7a1c6f1e-0d2b-4c1e-9a57-3f2b1d0c9e11"
REDIS_URL = os.environ.get("PORTAL_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


class FakeClock:
    """Time that passes only through ``sleep``, so waiting costs no real time."""

    def __init__(self, start: float = 1_000_000.0):
        self.now = start
        self.sleeps: list[float] = []
        self._lock = threading.Lock()

    def __call__(self) -> float:
        with self._lock:
            return self.now

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.sleeps.append(seconds)
            self.now += max(0.0, seconds)

    def advance(self, seconds: float) -> None:
        with self._lock:
            self.now += seconds


class FakeTokens:
    """A token source whose tokens are easy to spot in logs and headers."""

    def __init__(self):
        self.current = "SECRET-ACCESS-TOKEN-1"
        self.refreshes = 0

    def access_token(self) -> str:
        return self.current

    def refresh(self) -> str:
        self.refreshes += 1
        self.current = f"SECRET-ACCESS-TOKEN-{self.refreshes + 1}"
        return self.current


def response_xml(inner: str, status: str = "OK", method: str = "Get") -> str:
    """An XPM envelope around ``inner``."""
    return f'<Response api-method="{method}"><Status>{status}</Status>{inner}</Response>'


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def tokens():
    return FakeTokens()


@pytest.fixture
def limiter(clock):
    return TenantLimiter(clock=clock, sleep=clock.sleep)


@pytest.fixture
def api(tokens, limiter, clock):
    return XpmApi(XPM_URL, "xpm", TENANT, tokens, limiter, sleep=clock.sleep)


@pytest.fixture
def redis_client():
    """The local Redis (database 15), or a skip that says why."""
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=0.5, socket_timeout=2)
    try:
        client.ping()
    except redis.RedisError as error:
        pytest.skip(f"Redis is not reachable at {REDIS_URL} ({error}); Redis limiter untested")
    yield client
    client.close()


@pytest.fixture
def redis_prefix(redis_client):
    """A key prefix of this test's own, removed afterwards."""
    prefix = f"test:xpm:{uuid.uuid4().hex}"
    yield prefix
    for key in redis_client.scan_iter(f"{prefix}:*"):
        redis_client.delete(key)


@pytest.fixture(params=["memory", "redis"])
def make_backend(request, clock):
    """Builds limiter backends of one kind; Redis ones share this test's key prefix."""
    if request.param == "memory":
        from portal.xpm import MemoryBackend

        shared = MemoryBackend(clock)
        return lambda: shared
    request.getfixturevalue("redis_client")
    prefix = request.getfixturevalue("redis_prefix")
    # Each call is a worker of its own: its own connections, the same keys.
    return lambda: RedisBackend(redis.Redis.from_url(REDIS_URL), key_prefix=prefix, clock=clock)

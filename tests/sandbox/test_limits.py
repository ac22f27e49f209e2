"""Xero's rate limits per tenant: 5 in flight, 60 per rolling minute, 5,000 per rolling day."""

import concurrent.futures

import requests

from portal.sandbox import tenants
from portal.sandbox.limits import RateLimiter
from tests.sandbox.conftest import runtime_of
from tests.sandbox.flows import api, connect


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def test_minute_window_rolls():
    clock = Clock()
    limiter = RateLimiter(concurrent=100, minute=3, day=100, clock=clock)
    for _ in range(3):
        assert limiter.acquire("t").allowed
        limiter.release("t")
    refused = limiter.acquire("t")
    assert not refused.allowed and refused.problem == "minute" and refused.retry_after == 60
    clock.now += 30
    assert limiter.acquire("t").problem == "minute"
    assert limiter.acquire("t").retry_after == 30
    clock.now += 30.5
    assert limiter.acquire("t").allowed
    assert limiter.acquire("other tenant").allowed


def test_day_limit_and_remaining_counts():
    clock = Clock()
    limiter = RateLimiter(concurrent=100, minute=100, day=4, clock=clock)
    decisions = [limiter.acquire("t") for _ in range(4)]
    assert [d.day_remaining for d in decisions] == [3, 2, 1, 0]
    clock.now += 3600
    refused = limiter.acquire("t")
    assert refused.problem == "day" and refused.retry_after == 86_400 - 3600
    assert limiter.remaining("t").minute_remaining == 100


def test_calls_in_flight():
    limiter = RateLimiter(concurrent=2, clock=Clock())
    assert limiter.acquire("t").allowed and limiter.acquire("t").allowed
    refused = limiter.acquire("t")
    assert refused.problem == "concurrent" and refused.retry_after == 1
    limiter.release("t")
    assert limiter.acquire("t").allowed


def test_sixty_one_calls_in_a_minute(make_app):
    client = make_app().test_client()
    xpm = connect(client)
    statuses = [api(client, xpm, "clientgroup.api/list").status_code for _ in range(61)]
    assert statuses[:60] == [200] * 60
    refused = api(client, xpm, "clientgroup.api/list")
    assert refused.status_code == 429 and refused.data == b""
    assert refused.headers["X-Rate-Limit-Problem"] == "minute"
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert refused.headers["X-MinLimit-Remaining"] == "0"


def test_limits_are_per_tenant_and_configurable(make_app):
    client = make_app(
        SANDBOX_PRACTICES=2, SANDBOX_LIMITS={"concurrent": 5, "minute": 3, "day": 4}
    ).test_client()
    xpm = connect(client)
    assert [api(client, xpm, "clientgroup.api/list").status_code for _ in range(4)] == [
        200,
        200,
        200,
        429,
    ]
    assert api(client, xpm, "clientgroup.api/list", tenant=tenants.TOTARA.id).status_code == 200


def test_day_limit_over_the_api(make_app):
    client = make_app(SANDBOX_LIMITS={"concurrent": 5, "minute": 60, "day": 2}).test_client()
    xpm = connect(client)
    api(client, xpm, "clientgroup.api/list")
    api(client, xpm, "clientgroup.api/list")
    refused = api(client, xpm, "clientgroup.api/list")
    assert refused.status_code == 429 and refused.headers["X-Rate-Limit-Problem"] == "day"


def test_five_calls_in_flight_over_real_http(make_app, live_server):
    app = make_app(SANDBOX_LATENCY_MS=500)  # the eight calls all arrive while five run
    xpm = connect(app.test_client())
    base = live_server(app)

    def call(_):
        response = requests.get(
            f"{base}/xero/practicemanager/3.1/clientgroup.api/list",
            headers=xpm.headers(),
            timeout=10,
        )
        return response.status_code, response.headers.get("X-Rate-Limit-Problem")

    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(call, range(8)))
    assert sorted(results, key=str) == [(200, None)] * 5 + [(429, "concurrent")] * 3
    assert (
        requests.get(
            f"{base}/xero/practicemanager/3.1/clientgroup.api/list",
            headers=xpm.headers(),
            timeout=10,
        ).status_code
        == 200
    )


def test_a_streamed_list_frees_its_slot_when_sent(make_app, live_server):
    app = make_app(SANDBOX_LIMITS={"concurrent": 1, "minute": 60, "day": 5000})
    xpm = connect(app.test_client())
    base = live_server(app)
    for _ in range(3):
        response = requests.get(
            f"{base}/xero/practicemanager/3.1/client.api/list",
            params={"detailed": "true"},
            headers=xpm.headers(),
            timeout=10,
        )
        assert response.status_code == 200 and response.content.endswith(b"</Response>")
    assert runtime_of(app).limits.in_flight(tenants.KOWHAI.id) == 0

"""The rate limiter's statistics, as a benchmark reads them from GET /_control/stats."""

import concurrent.futures
import threading

import requests

from portal.sandbox import tenants
from portal.sandbox.limits import RateLimiter
from tests.sandbox.flows import CONTROL, api, connect

STATS = "/sandbox/_control/stats"


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def call(limiter, tenant="t"):
    decision = limiter.acquire(tenant)
    if decision.allowed:
        limiter.release(tenant)
    return decision


def test_admitted_refused_and_the_busiest_rolling_minute():
    clock = Clock()
    limiter = RateLimiter(concurrent=100, minute=3, day=100, clock=clock)
    for _ in range(2):
        call(limiter)
    clock.now += 59
    for _ in range(2):
        call(limiter)  # the second is the 4th call of the window: refused
    clock.now += 1.5  # the first two have left the window
    for _ in range(2):
        call(limiter)
    stats = limiter.stats()["t"]
    assert stats["admitted"] == 5
    assert stats["refused"] == {"concurrent": 0, "minute": 1, "day": 0, "appminute": 0}
    assert stats["refused_total"] == 1 and stats["refused_by_endpoint"] == {"?": 1}
    assert stats["max_rolling_minute"] == 3
    assert stats["per_minute"] == [3, 2]


def test_per_minute_counts_whole_minutes_since_the_reset_with_empty_ones():
    clock = Clock()
    limiter = RateLimiter(concurrent=100, minute=100, day=1000, clock=clock)
    call(limiter)
    clock.now += 59.9
    call(limiter)
    clock.now += 125  # minute 3
    call(limiter)
    clock.now += 60  # minute 4, nothing called in it yet
    assert limiter.stats()["t"]["per_minute"] == [2, 0, 0, 1, 0]
    limiter.reset()
    assert limiter.stats() == {}
    call(limiter)
    assert limiter.stats()["t"]["per_minute"] == [1]


def test_most_calls_in_flight_and_concurrent_refusals():
    limiter = RateLimiter(concurrent=3, clock=Clock())
    for _ in range(3):
        assert limiter.acquire("t").allowed
    assert limiter.acquire("t").problem == "concurrent"
    stats = limiter.stats()["t"]
    assert stats["in_flight"] == 3 and stats["max_in_flight"] == 3
    assert stats["refused"]["concurrent"] == 1
    for _ in range(3):
        limiter.release("t")
    call(limiter)
    stats = limiter.stats()["t"]
    assert stats["in_flight"] == 0 and stats["max_in_flight"] == 3 and stats["admitted"] == 4


def test_day_and_app_limits_are_counted_per_tenant():
    clock = Clock()
    limiter = RateLimiter(concurrent=10, minute=100, day=2, app_minute=3, clock=clock)
    call(limiter, "a"), call(limiter, "a")
    assert call(limiter, "a").problem == "day"
    call(limiter, "b")
    assert call(limiter, "b").problem == "appminute"
    stats = limiter.stats()
    assert stats["a"]["admitted"] == 2 and stats["a"]["refused"]["day"] == 1
    assert stats["b"]["admitted"] == 1 and stats["b"]["refused"]["appminute"] == 1
    assert stats["a"]["max_rolling_minute"] == 2 and stats["b"]["max_rolling_minute"] == 1


def test_counts_stay_exact_under_many_threads():
    limiter = RateLimiter(concurrent=4, minute=10_000, day=100_000)
    start = threading.Barrier(16)
    admitted = []

    def work(_):
        start.wait()
        mine = 0
        for _ in range(200):
            decision = limiter.acquire("t")
            if decision.allowed:
                mine += 1
                limiter.release("t")
        return mine

    with concurrent.futures.ThreadPoolExecutor(max_workers=16) as pool:
        admitted = list(pool.map(work, range(16)))
    stats = limiter.stats()["t"]
    assert stats["admitted"] == sum(admitted)
    assert stats["admitted"] + stats["refused"]["concurrent"] == 16 * 200
    assert 1 <= stats["max_in_flight"] <= 4 and stats["in_flight"] == 0
    assert sum(stats["per_minute"]) == stats["admitted"]


def test_stats_over_the_control_endpoint(make_app):
    client = make_app(SANDBOX_PRACTICES=2).test_client()
    xpm = connect(client)
    assert client.get(STATS).status_code == 401  # the control token is required
    client.post("/sandbox/_control/reset", json={}, headers=CONTROL)
    for _ in range(61):
        api(client, xpm, "clientgroup.api/list")
    api(client, xpm, "clientgroup.api/list", tenant=tenants.TOTARA.id)
    answer = client.get(STATS, headers=CONTROL)
    assert answer.status_code == 200
    kowhai, totara = answer.json[tenants.KOWHAI.id], answer.json[tenants.TOTARA.id]
    assert kowhai["admitted"] == 60 and kowhai["refused"]["minute"] == 1
    assert kowhai["refused_by_endpoint"] == {"clientgroup.api/list": 1}
    assert kowhai["max_rolling_minute"] == 60 and kowhai["max_in_flight"] == 1
    assert kowhai["per_minute"] == [60] and kowhai["in_flight"] == 0
    assert totara["admitted"] == 1 and totara["refused_total"] == 0
    client.post("/sandbox/_control/reset", json={}, headers=CONTROL)
    assert client.get(STATS, headers=CONTROL).json == {}


def test_calls_refused_before_the_limiter_are_not_counted(make_app):
    client = make_app().test_client()
    xpm = connect(client)
    client.get(
        "/sandbox/xero/practicemanager/3.1/clientgroup.api/list",
        headers={"Authorization": "Bearer nonsense", "Xero-Tenant-Id": xpm.tenant},
    )
    assert client.get(STATS, headers=CONTROL).json == {}


def test_most_in_flight_over_real_http(make_app, live_server):
    app = make_app(SANDBOX_LATENCY_MS=500)
    xpm = connect(app.test_client())
    base = live_server(app)

    def get(_):
        return requests.get(
            f"{base}/xero/practicemanager/3.1/clientgroup.api/list",
            headers=xpm.headers(),
            timeout=10,
        ).status_code

    with concurrent.futures.ThreadPoolExecutor(max_workers=7) as pool:
        statuses = list(pool.map(get, range(7)))
    stats = requests.get(f"{base}/_control/stats", headers=CONTROL, timeout=10).json()
    kowhai = stats[tenants.KOWHAI.id]
    assert statuses.count(200) == kowhai["admitted"] == 5
    assert kowhai["refused"]["concurrent"] == statuses.count(429) == 2
    assert kowhai["max_in_flight"] == 5 and kowhai["in_flight"] == 0

"""The per-tenant limiter, in-process and in Redis: never more than Xero allows.

Time is a fake clock that moves only when a waiting caller sleeps, so a burst that spans
several minutes of limiter time runs in well under a second of real time.
"""

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from portal.xpm import (
    BACKGROUND,
    IMPORT,
    INTERACTIVE,
    SEARCH,
    CallAbandoned,
    LimiterBusy,
    LimiterUnavailable,
    Limits,
    TenantLimiter,
)
from portal.xpm.factory import limiter_from_url
from portal.xpm.limiter_redis import RedisBackend

NEVER = 1e9  # a lease or timeout long enough never to matter in the test


def take(limiter, timeout=None, tenant="tenant-a"):
    """Take a slot and hand it straight back."""
    with limiter.slot(tenant, timeout=timeout) as slot:
        return slot


def limiter_on(backend, clock, **limits):
    return TenantLimiter(
        backend, limits=Limits(**limits), clock=clock, sleep=clock.sleep, timeout=NEVER
    )


def test_a_burst_never_exceeds_5_in_flight_or_60_a_minute(make_backend, clock):
    # Two workers (limiters) with their own backends, sharing the counts when in Redis.
    workers = [limiter_on(make_backend(), clock, lease_seconds=NEVER) for _ in range(2)]
    lock = threading.Lock()
    in_flight, peak, started = 0, 0, []

    def call(number: int) -> None:
        nonlocal in_flight, peak
        with workers[number % 2].slot("tenant-a") as slot:
            with lock:
                in_flight += 1
                peak = max(peak, in_flight)
                started.append(slot.acquired_at)
            time.sleep(0.001)  # a real, if short, call
            with lock:
                in_flight -= 1

    real_start = time.monotonic()
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(call, range(200)))
    assert time.monotonic() - real_start < 20
    assert len(started) == 200
    assert 1 < peak <= 5
    started.sort()
    # Any 61 consecutive calls span at least a minute of (limiter) time.
    assert all(later - earlier >= 60 for earlier, later in zip(started, started[60:], strict=False))
    assert started[-1] - started[0] >= 3 * 60  # 200 calls need at least 4 minutes


def test_the_day_limit_refuses_at_once_with_when_to_come_back(make_backend, clock):
    limiter = limiter_on(make_backend(), clock, per_day=3)
    for _ in range(3):
        with limiter.slot("tenant-a"):
            clock.advance(60)
    with pytest.raises(LimiterBusy) as raised:
        take(limiter, timeout=30)
    assert raised.value.problem == "day" and raised.value.retryable
    assert raised.value.retry_after >= 86_400 - 3 * 60
    with limiter.slot("tenant-b"):  # another practice has its own budget
        pass


def test_a_full_minute_waits_for_the_window_to_roll(make_backend, clock):
    limiter = limiter_on(make_backend(), clock, per_minute=3)
    first = None
    for _ in range(3):
        with limiter.slot("tenant-a") as slot:
            first = first or slot.acquired_at
    with limiter.slot("tenant-a", timeout=120) as slot:
        assert slot.acquired_at - first >= 60
    with pytest.raises(LimiterBusy) as raised:
        for _ in range(3):
            with limiter.slot("tenant-a", timeout=1):
                pass
    assert raised.value.problem == "minute"


def test_waiting_for_a_call_in_flight_gives_up_after_the_timeout(make_backend, clock):
    limiter = limiter_on(make_backend(), clock, in_flight=1)
    with limiter.slot("tenant-a"):
        started = clock()
        with pytest.raises(LimiterBusy) as raised:
            take(limiter, timeout=2)
        assert 2 <= clock() - started < 3
    assert raised.value.problem == "concurrent"
    with limiter.slot("tenant-a", timeout=0):  # free again once the first call ended
        pass


def test_a_crashed_worker_cannot_hold_a_slot_for_ever(make_backend, clock):
    crashed = make_backend()
    limits = Limits(in_flight=1, lease_seconds=30)
    assert crashed.acquire("tenant-a", "lease-of-a-dead-worker", limits).granted
    limiter = TenantLimiter(make_backend(), limits=limits, clock=clock, sleep=clock.sleep)
    with pytest.raises(LimiterBusy):
        take(limiter, timeout=1)
    clock.advance(30)
    with limiter.slot("tenant-a", timeout=0):
        pass


def test_xpm_remaining_counts_win_when_lower(make_backend, clock):
    limiter = limiter_on(make_backend(), clock)
    limiter.record_remaining("tenant-a", minute_remaining=2, day_remaining=None)
    for _ in range(2):
        with limiter.slot("tenant-a", timeout=0):
            pass
    with pytest.raises(LimiterBusy):
        take(limiter, timeout=1)
    clock.advance(60)
    limiter.record_remaining("tenant-a", minute_remaining=None, day_remaining=0)
    with pytest.raises(LimiterBusy) as raised:
        take(limiter, timeout=1)
    assert raised.value.problem == "day"


def test_higher_remaining_counts_change_nothing(make_backend, clock):
    limiter = limiter_on(make_backend(), clock, per_minute=2)
    limiter.record_remaining("tenant-a", minute_remaining=59, day_remaining=4999)
    for _ in range(2):
        with limiter.slot("tenant-a", timeout=0):
            pass


def test_retry_after_pauses_the_whole_tenant(make_backend, clock):
    worker_one = limiter_on(make_backend(), clock)
    worker_two = limiter_on(make_backend(), clock)
    worker_one.pause("tenant-a", 30, "minute")
    with pytest.raises(LimiterBusy) as raised:
        take(worker_two, timeout=5)
    assert raised.value.retry_after >= 25
    with worker_two.slot("tenant-a", timeout=40) as slot:
        assert slot.acquired_at >= clock() - 1


def test_an_unreachable_redis_is_a_clear_error(clock):
    # Port 1 on this machine: nothing listens there, so the connection is refused at once.
    backend = RedisBackend.from_url("redis://127.0.0.1:1/0", clock=clock)
    limiter = TenantLimiter(backend, clock=clock, sleep=clock.sleep)
    started = time.monotonic()
    with pytest.raises(LimiterUnavailable) as raised:
        take(limiter)
    assert time.monotonic() - started < 2
    assert raised.value.retryable and "Redis" in str(raised.value)


def test_redis_keys_expire_on_their_own(redis_client, redis_prefix, clock):
    backend = RedisBackend(redis_client, key_prefix=redis_prefix, clock=clock)
    assert backend.acquire("tenant-a", "lease", Limits()).granted
    ttls = {name: redis_client.ttl(key) for name, key in backend.keys("tenant-a").items()}
    assert all(ttl > 0 for ttl in ttls.values()), ttls


def test_from_url_picks_the_backend(redis_client, redis_prefix):
    """Two workers' limiters on one Redis share the counts; without Redis each counts alone."""
    url, one_at_a_time = "redis://127.0.0.1:6379/15", Limits(in_flight=1)
    shared = [limiter_from_url(url, key_prefix=redis_prefix, limits=one_at_a_time) for _ in "ab"]
    # The server's own clock is used; the second worker finds the one slot taken.
    with shared[0].slot("tenant-a", timeout=1), pytest.raises(LimiterBusy):
        take(shared[1], timeout=0)
    alone = [limiter_from_url(None, limits=one_at_a_time) for _ in "ab"]
    with alone[0].slot("tenant-a", timeout=1):
        take(alone[1], timeout=0)


# --- The portal's pacing: a margin on Xero's minute, and priorities --------------------------
def portal_limiter(backend, clock):
    return TenantLimiter(
        backend, limits=Limits.for_portal(lease_seconds=NEVER), clock=clock, sleep=clock.sleep
    )


def granted_in_a_minute(limiter, priority, tenant="tenant-a") -> int:
    count = 0
    while True:
        try:
            with limiter.slot(tenant, timeout=0, priority=priority):
                count += 1
        except LimiterBusy:
            return count


@pytest.mark.parametrize(
    ("priority", "calls"), [(IMPORT, 58), (INTERACTIVE, 57), (SEARCH, 56), (BACKGROUND, 54)]
)
def test_each_priority_leaves_calls_to_those_above_it(make_backend, clock, priority, calls):
    assert granted_in_a_minute(portal_limiter(make_backend(), clock), priority) == calls


def test_while_staff_wait_the_others_leave_them_much_more(make_backend, clock):
    limiter = portal_limiter(make_backend(), clock)
    with limiter.slot("tenant-a", timeout=0, priority=INTERACTIVE):
        pass  # a form being read: staff's demand, for a minute
    assert granted_in_a_minute(limiter, BACKGROUND) == 28 - 1
    assert granted_in_a_minute(limiter, SEARCH) == 38 - 28
    assert granted_in_a_minute(limiter, INTERACTIVE) == 57 - 38
    assert granted_in_a_minute(limiter, IMPORT) == 58 - 57
    clock.advance(63)
    assert granted_in_a_minute(limiter, BACKGROUND) == 54  # no demand any more


def test_an_import_waiting_makes_the_forms_leave_it_calls(make_backend, clock):
    limiter = portal_limiter(make_backend(), clock)
    with limiter.slot("tenant-a", timeout=0, priority=IMPORT):
        pass
    assert granted_in_a_minute(limiter, INTERACTIVE) == 42 - 1


def test_a_call_counts_a_little_longer_than_xeros_minute(make_backend, clock):
    limiter = portal_limiter(make_backend(), clock)
    first = clock()
    granted_in_a_minute(limiter, INTERACTIVE)
    with limiter.slot("tenant-a", timeout=120) as slot:  # waits for the oldest to age out
        assert slot.acquired_at - first >= 62


def test_a_lower_priority_is_told_when_its_own_slot_frees(make_backend, clock):
    limiter = portal_limiter(make_backend(), clock)
    first = clock()
    granted_in_a_minute(limiter, INTERACTIVE)  # 58 calls at once
    with pytest.raises(LimiterBusy) as raised:
        take(limiter, timeout=1)
    assert raised.value.problem == "minute" and raised.value.retry_after >= 61
    clock.advance(70)  # staff's demand is over, and so is that minute
    with limiter.slot("tenant-a", timeout=0, priority=BACKGROUND) as slot:
        assert slot.acquired_at - first >= 62


def test_a_call_nobody_waits_for_any_more_is_given_up(make_backend, clock):
    limiter = portal_limiter(make_backend(), clock)
    granted_in_a_minute(limiter, IMPORT)  # the minute is spent
    asked = []

    def wanted():
        asked.append(clock())
        return len(asked) < 4  # the page stopped asking after a few seconds

    waiting = limiter.slot("tenant-a", timeout=120, priority=INTERACTIVE, wanted=wanted)
    with pytest.raises(CallAbandoned), waiting:
        pass
    assert len(asked) == 4 and asked[-1] - asked[0] <= 4  # it looked again each second

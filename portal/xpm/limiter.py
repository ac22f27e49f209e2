"""Pacing calls per practice so that the portal itself never earns a 429 from XPM.

Xero allows each connected practice (tenant) 5 calls in flight, 60 a minute and 5,000 a
day, shared by every member of staff and every worker process. A call first takes a
*slot*: a lease that counts against all three limits and is handed back when the call
ends. Leases expire on their own, so a worker that dies mid-call cannot hold a slot for
ever. Counts live in Redis when the portal runs several workers (``limiter_redis``),
otherwise in this process (``factory.limiter_from_url`` chooses).

XPM's own counts (``X-MinLimit-Remaining``, ``X-DayLimit-Remaining``) win when they are
lower than the portal's, and a 429's ``Retry-After`` pauses the whole practice.

Calls have a priority: an import staff pressed Create for, then what a person is looking
at (a form), then confirming a search, then background work (reading the client list).
Each leaves a few calls of every minute to those above it, and many more while those are
waiting for XPM (a call of theirs in the last minute): background work yields when the
minute runs low, and a Create is not held up by forms opened and left. The portal
counts a call from the moment it grants the slot, XPM from the moment the call arrives: a
margin (``Limits.for_portal``) keeps the two from disagreeing about a rolling minute.
"""

import math
import random
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Protocol

from portal.xpm.errors import CallAbandoned, LimiterBusy

Clock = Callable[[], float]
MAX_SLEEP = 1.0  # seconds a waiting call sleeps before it looks again


#: Priorities, highest first: an import (Create), what a person is looking at, a search to
#: confirm, background work.
IMPORT, INTERACTIVE, SEARCH, BACKGROUND = "import", "interactive", "search", "background"
PRIORITIES = (IMPORT, INTERACTIVE, SEARCH, BACKGROUND)


@dataclass(frozen=True)
class Limits:
    """Xero's per-tenant limits; lower them to leave room for other apps, or in tests."""

    in_flight: int = 5
    per_minute: int = 60
    per_day: int = 5000
    lease_seconds: float = 180.0  # longer than any call may last: its deadline + a read timeout
    minute_seconds: float = 60.0
    day_seconds: float = 86_400.0  # a rolling day: stricter than a calendar day
    #: Calls of each minute never used, and seconds a call counts beyond the minute: the
    #: margin between the portal's count (from the grant) and XPM's (from the arrival).
    spare_calls: int = 0
    spare_seconds: float = 0.0
    #: What each priority leaves to those above it: (calls a minute, in flight, a day, and
    #: calls a minute while staff are waiting for XPM).
    held_back: tuple[tuple[str, int, int, int, int], ...] = ()
    #: Seconds a call counts as its priority's demand, making those below hold back.
    demand_seconds: float = 60.0
    #: Set by ``share``: the call's priority, those above it, and its cap while they wait.
    priority: str = ""
    above: tuple[str, ...] = ()
    per_minute_in_demand: int | None = None

    @classmethod
    def for_portal(cls, **overrides) -> "Limits":
        """Xero's limits as the portal paces itself against them."""
        return cls(
            spare_calls=2,
            spare_seconds=2.0,
            # Each a little under the one above when nobody above is waiting (so a full
            # read of a large practice goes at nearly the full rate), much less while one is.
            held_back=(
                (INTERACTIVE, 1, 0, 0, 16),
                (SEARCH, 2, 1, 200, 20),
                (BACKGROUND, 4, 2, 500, 30),
            ),
            **overrides,
        )

    def share(self, priority: str = INTERACTIVE) -> "Limits":
        """The limits a call of ``priority`` is held to."""
        minute, flight, day, in_demand = next(
            (rest for name, *rest in self.held_back if name == priority), (0, 0, 0, 0)
        )
        usable = self.per_minute - self.spare_calls
        return replace(
            self,
            per_minute=max(1, usable - minute),
            in_flight=max(1, self.in_flight - flight),
            per_day=max(1, self.per_day - day),
            minute_seconds=self.minute_seconds + self.spare_seconds,
            priority=priority,
            above=PRIORITIES[: PRIORITIES.index(priority)] if priority in PRIORITIES else (),
            per_minute_in_demand=max(1, usable - in_demand) if in_demand else None,
        )

    def minute_cap(self, demand: dict[str, float], now: float) -> int:
        """Calls this minute allows such a call, given when each priority last asked."""
        waiting = any(
            now - demand.get(name, -math.inf) < self.demand_seconds for name in self.above
        )
        if self.per_minute_in_demand is not None and waiting:
            return self.per_minute_in_demand
        return self.per_minute


@dataclass(frozen=True)
class Grant:
    """A backend's answer: a slot now (``at`` its time), or how long until one may be free."""

    granted: bool
    at: float
    wait: float = 0.0
    problem: str = ""  # "concurrent", "minute" or "day" when refused


@dataclass(frozen=True)
class Slot:
    """A call's place among the tenant's limits, held for the duration of a ``with`` block."""

    tenant_id: str
    lease_id: str
    acquired_at: float


class LimiterBackend(Protocol):
    """Where the counts live: this process (``MemoryBackend``) or Redis (``RedisBackend``)."""

    def acquire(self, tenant_id: str, lease_id: str, limits: Limits) -> Grant: ...
    def release(self, tenant_id: str, lease_id: str) -> None: ...
    def reserve(self, tenant_id: str, minute_used: int, day_used: int, limits: Limits) -> None: ...
    def pause(self, tenant_id: str, seconds: float, problem: str, limits: Limits) -> None: ...


@dataclass
class _TenantCounts:
    leases: dict[str, float] = field(default_factory=dict)  # lease id -> expiry
    minute: deque[float] = field(default_factory=deque)
    day: deque[float] = field(default_factory=deque)
    paused_until: float = 0.0
    paused_problem: str = "minute"
    now: float = 0.0  # the latest time seen, so the clock never runs backwards
    demand: dict[str, float] = field(default_factory=dict)  # priority -> when it last asked


class MemoryBackend:
    """Counts kept in this process, for a single worker (threads share them)."""

    def __init__(self, clock: Clock = time.monotonic):
        self._clock = clock
        self._lock = threading.Lock()
        self._tenants: dict[str, _TenantCounts] = {}

    def _counts(self, tenant_id: str, limits: Limits) -> tuple[_TenantCounts, float]:
        counts = self._tenants.setdefault(tenant_id, _TenantCounts())
        counts.now = now = max(self._clock(), counts.now)
        _forget(counts.minute, now - limits.minute_seconds)
        _forget(counts.day, now - limits.day_seconds)
        counts.leases = {lease: end for lease, end in counts.leases.items() if end > now}
        return counts, now

    def acquire(self, tenant_id: str, lease_id: str, limits: Limits) -> Grant:
        """Take a slot if every limit allows it, else say how long to wait."""
        with self._lock:
            counts, now = self._counts(tenant_id, limits)
            if limits.priority:
                counts.demand[limits.priority] = now
            if counts.paused_until > now:
                return Grant(False, now, counts.paused_until - now, counts.paused_problem)
            if len(counts.day) >= limits.per_day:
                return Grant(False, now, counts.day[0] + limits.day_seconds - now, "day")
            cap = limits.minute_cap(counts.demand, now)
            if len(counts.minute) >= cap:
                # This call's slot frees when enough of the minute's calls have aged out.
                frees = counts.minute[len(counts.minute) - cap] + limits.minute_seconds
                return Grant(False, now, frees - now, "minute")
            if len(counts.leases) >= limits.in_flight:
                return Grant(False, now, min(counts.leases.values()) - now, "concurrent")
            counts.leases[lease_id] = now + limits.lease_seconds
            counts.minute.append(now)
            counts.day.append(now)
            return Grant(True, now)

    def release(self, tenant_id: str, lease_id: str) -> None:
        """Hand a slot back."""
        with self._lock:
            self._tenants.get(tenant_id, _TenantCounts()).leases.pop(lease_id, None)

    def reserve(self, tenant_id: str, minute_used: int, day_used: int, limits: Limits) -> None:
        """Count calls XPM has seen but this process has not, so its totals are no lower."""
        with self._lock:
            counts, now = self._counts(tenant_id, limits)
            counts.minute.extend([now] * max(0, minute_used - len(counts.minute)))
            counts.day.extend([now] * max(0, day_used - len(counts.day)))

    def pause(self, tenant_id: str, seconds: float, problem: str, limits: Limits) -> None:
        """Refuse every slot for ``seconds``."""
        with self._lock:
            counts, now = self._counts(tenant_id, limits)
            if now + seconds > counts.paused_until:
                counts.paused_until, counts.paused_problem = now + seconds, problem


def _forget(times: deque[float], cutoff: float) -> None:
    while times and times[0] <= cutoff:
        times.popleft()


class TenantLimiter:
    """Hands out call slots per tenant within Xero's limits, waiting a bounded time for one."""

    def __init__(
        self,
        backend: LimiterBackend | None = None,
        *,
        limits: Limits | None = None,
        timeout: float = 10.0,
        poll_seconds: float = 0.05,
        clock: Clock | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.limits = limits or Limits()
        self.timeout = timeout
        self._backend = backend or MemoryBackend(clock or time.monotonic)
        self._poll = poll_seconds
        self._clock = clock or time.monotonic
        self._sleep = sleep

    @contextmanager
    def slot(
        self,
        tenant_id: str,
        timeout: float | None = None,
        priority: str = INTERACTIVE,
        wanted: Callable[[], bool] | None = None,
    ) -> Iterator[Slot]:
        """Hold one of the tenant's call slots for the block; raise ``LimiterBusy`` if none
        comes free within ``timeout`` seconds for a call of ``priority``, and
        ``CallAbandoned`` as soon as ``wanted()`` says nobody waits for the call any more."""
        lease_id = uuid.uuid4().hex
        limits = self.limits.share(priority)
        grant = self._wait_for_grant(
            tenant_id, lease_id, self.timeout if timeout is None else timeout, limits, wanted
        )
        try:
            yield Slot(tenant_id, lease_id, grant.at)
        finally:
            self._backend.release(tenant_id, lease_id)

    def _wait_for_grant(
        self, tenant_id: str, lease_id: str, timeout: float, limits: Limits, wanted=None
    ) -> Grant:
        deadline = self._clock() + timeout
        while True:
            if wanted is not None and not wanted():
                raise CallAbandoned("nobody waits for the call any more")
            grant = self._backend.acquire(tenant_id, lease_id, limits)
            if grant.granted:
                return grant
            remaining = deadline - self._clock()
            if grant.problem == "concurrent":
                # A call in flight usually ends long before its lease would expire: poll,
                # with jitter so that waiting workers do not wake in step.
                wait = min(grant.wait, self._poll * (0.5 + random.random()))
            else:
                wait = grant.wait
            if remaining <= 0 or (grant.problem != "concurrent" and wait > remaining):
                retry_after = 1.0 if grant.problem == "concurrent" else max(grant.wait, 1.0)
                raise LimiterBusy(retry_after=math.ceil(retry_after), problem=grant.problem)
            # Asked again each second at least: whether the call is still wanted, and the
            # share of the minute, which changes as the other priorities' demand does.
            self._sleep(max(0.0, min(wait, remaining, MAX_SLEEP)))

    def record_remaining(
        self, tenant_id: str, minute_remaining: int | None, day_remaining: int | None
    ) -> None:
        """Believe XPM when it says fewer calls remain than the portal has counted."""
        limits = self.limits
        minute_used = 0 if minute_remaining is None else limits.per_minute - minute_remaining
        day_used = 0 if day_remaining is None else limits.per_day - day_remaining
        minute_used, day_used = min(minute_used, limits.per_minute), min(day_used, limits.per_day)
        if minute_used > 0 or day_used > 0:
            # The windows as every priority keeps them (the margin included).
            self._backend.reserve(tenant_id, minute_used, day_used, limits.share())

    def pause(self, tenant_id: str, seconds: float, problem: str = "minute") -> None:
        """Hold back every call for the tenant, as a 429's ``Retry-After`` asks."""
        if seconds > 0:
            self._backend.pause(tenant_id, seconds, problem, self.limits.share())

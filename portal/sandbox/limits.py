"""Xero's rate limits, per tenant: calls in flight, per rolling minute, per rolling day.

In-process and thread-safe; a portal running several workers with the sandbox mounted
in each sees each worker's own counters (run the standalone sandbox to share them).
"""

import math
import threading
import time
from collections import Counter, defaultdict, deque
from dataclasses import dataclass

MINUTE, DAY = 60.0, 86_400.0


@dataclass(frozen=True)
class Decision:
    """Whether a call may proceed, and what the response headers should say."""

    allowed: bool
    problem: str | None = None  # "concurrent", "minute", "day" or "appminute"
    retry_after: int = 0
    minute_remaining: int = 0
    day_remaining: int = 0
    app_minute_remaining: int = 0


class RateLimiter:
    """Counts calls per tenant and refuses those over a limit."""

    def __init__(self, concurrent=5, minute=60, day=5000, app_minute=10_000, clock=time.monotonic):
        self.concurrent, self.minute, self.day, self.app_minute = (
            concurrent,
            minute,
            day,
            app_minute,
        )
        self._clock = clock
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        """Forget every call made so far."""
        with self._lock:
            self._in_flight: Counter = Counter()
            self._minute_calls: defaultdict[str, deque] = defaultdict(deque)
            self._day_calls: defaultdict[str, deque] = defaultdict(deque)
            self._app_calls: deque = deque()

    def acquire(self, tenant: str) -> Decision:
        """Start a call for ``tenant`` if every limit allows it; pair with ``release``."""
        with self._lock:
            now = self._clock()
            minute_calls, day_calls = self._windows(tenant, now)
            problem, retry = None, 0
            if len(day_calls) >= self.day:
                problem, retry = "day", day_calls[0] + DAY - now
            elif len(minute_calls) >= self.minute:
                problem, retry = "minute", minute_calls[0] + MINUTE - now
            elif len(self._app_calls) >= self.app_minute:
                problem, retry = "appminute", self._app_calls[0] + MINUTE - now
            elif self._in_flight[tenant] >= self.concurrent:
                problem, retry = "concurrent", 1
            if problem is None:
                self._in_flight[tenant] += 1
                for calls in (minute_calls, day_calls, self._app_calls):
                    calls.append(now)
            return Decision(
                allowed=problem is None,
                problem=problem,
                retry_after=max(1, math.ceil(retry)),
                **self._remaining(minute_calls, day_calls),
            )

    def release(self, tenant: str) -> None:
        """End a call started by a successful ``acquire``."""
        with self._lock:
            self._in_flight[tenant] = max(0, self._in_flight[tenant] - 1)

    def remaining(self, tenant: str) -> Decision:
        """What is left for ``tenant`` now, without making a call."""
        with self._lock:
            minute_calls, day_calls = self._windows(tenant, self._clock())
            return Decision(allowed=True, **self._remaining(minute_calls, day_calls))

    def in_flight(self, tenant: str) -> int:
        """Calls of ``tenant`` under way now."""
        with self._lock:
            return self._in_flight[tenant]

    def _windows(self, tenant: str, now: float) -> tuple[deque, deque]:
        minute_calls, day_calls = self._minute_calls[tenant], self._day_calls[tenant]
        for calls, span in ((minute_calls, MINUTE), (day_calls, DAY), (self._app_calls, MINUTE)):
            while calls and calls[0] <= now - span:
                calls.popleft()
        return minute_calls, day_calls

    def _remaining(self, minute_calls: deque, day_calls: deque) -> dict:
        return {
            "minute_remaining": max(0, self.minute - len(minute_calls)),
            "day_remaining": max(0, self.day - len(day_calls)),
            "app_minute_remaining": max(0, self.app_minute - len(self._app_calls)),
        }

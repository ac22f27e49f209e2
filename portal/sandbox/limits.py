"""Xero's rate limits, per tenant: calls in flight, per rolling minute, per rolling day.

In-process and thread-safe; a portal running several workers with the sandbox mounted
in each sees each worker's own counters (run the standalone sandbox to share them).
Beside the windows it keeps statistics since start or the last reset (``stats``), so a
benchmark can show the calls as the API saw them: admitted, refused by problem, the
highest in flight and in any rolling minute, and admitted per whole minute.
"""

import math
import threading
import time
from collections import Counter, defaultdict, deque
from dataclasses import dataclass, field

MINUTE, DAY = 60.0, 86_400.0


PROBLEMS = ("concurrent", "minute", "day", "appminute")


@dataclass
class TenantStats:
    """What one tenant's calls looked like to the API since start or the last reset."""

    admitted: int = 0
    refused: Counter = field(default_factory=Counter)  # problem -> 429s
    refused_calls: Counter = field(default_factory=Counter)  # endpoint -> 429s
    max_in_flight: int = 0
    max_rolling_minute: int = 0
    per_minute: list[int] = field(default_factory=list)  # admitted in whole minute i

    def as_dict(self, in_flight: int, minutes: int) -> dict:
        """JSON-ready, with ``per_minute`` padded to the ``minutes`` begun since the reset."""
        per_minute = self.per_minute + [0] * (minutes - len(self.per_minute))
        return {
            "admitted": self.admitted,
            "refused": {problem: self.refused[problem] for problem in PROBLEMS},
            "refused_total": sum(self.refused.values()),
            "refused_by_endpoint": dict(sorted(self.refused_calls.items())),
            "in_flight": in_flight,
            "max_in_flight": self.max_in_flight,
            "max_rolling_minute": self.max_rolling_minute,
            "per_minute": per_minute,
        }


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
            self._stats: defaultdict[str, TenantStats] = defaultdict(TenantStats)
            self._started = self._clock()

    def acquire(self, tenant: str, endpoint: str = "") -> Decision:
        """Start a call for ``tenant`` if every limit allows it; pair with ``release``.
        ``endpoint`` names the call in the statistics of refusals."""
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
            stats = self._stats[tenant]
            if problem is None:
                self._in_flight[tenant] += 1
                for calls in (minute_calls, day_calls, self._app_calls):
                    calls.append(now)
                self._admitted(stats, now, self._in_flight[tenant], len(minute_calls))
            else:
                stats.refused[problem] += 1
                stats.refused_calls[endpoint or "?"] += 1
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

    def stats(self) -> dict[str, dict]:
        """Per tenant that has called since start or the last reset: calls admitted, 429s
        by problem, calls in flight now and at most, the most admitted in any rolling
        minute, and admitted per whole minute since the reset (the current one last)."""
        with self._lock:
            minutes = int((self._clock() - self._started) // MINUTE) + 1
            return {
                tenant: stats.as_dict(self._in_flight[tenant], minutes)
                for tenant, stats in sorted(self._stats.items())
            }

    def _admitted(self, stats: TenantStats, now: float, in_flight: int, in_minute: int) -> None:
        stats.admitted += 1
        stats.max_in_flight = max(stats.max_in_flight, in_flight)
        # The window (now - 60 s, now] ends at this call: the busiest windows end at a call.
        stats.max_rolling_minute = max(stats.max_rolling_minute, in_minute)
        minute = int((now - self._started) // MINUTE)
        if minute >= len(stats.per_minute):
            stats.per_minute.extend([0] * (minute + 1 - len(stats.per_minute)))
        stats.per_minute[minute] += 1

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

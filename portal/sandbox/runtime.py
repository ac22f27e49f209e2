"""The sandbox's state in one application: database, clock, call counts, limits, faults."""

import threading
import time
from collections import Counter

from flask import current_app

from portal.sandbox import store
from portal.sandbox.faults import Faults
from portal.sandbox.limits import RateLimiter

EXTENSION = "portal.sandbox"


class CallCounts:
    """Calls per endpoint, counted from every request thread (a sandbox's base)."""

    def __init__(self):
        self._calls: Counter = Counter()
        self._lock = threading.Lock()

    def count(self, label: str) -> None:
        """Count one call of an endpoint."""
        with self._lock:
            self._calls[label] += 1

    def calls(self) -> dict[str, int]:
        """Calls per endpoint since start or the last reset."""
        with self._lock:
            return dict(sorted(self._calls.items()))

    def forget_calls(self) -> None:
        """Start counting again from nothing."""
        with self._lock:
            self._calls.clear()


class Sandbox(CallCounts):
    """Everything the sandbox keeps between requests, created once per application."""

    def __init__(self, config):
        super().__init__()
        self.config = config
        self.engine = store.create_engine_for(config["SANDBOX_DATABASE_URL"])
        self.limits = RateLimiter(**config["SANDBOX_LIMITS"])
        self.faults = Faults(config["SANDBOX_LATENCY_MS"], config["SANDBOX_FAULTS"])
        self.clock_offset = 0.0  # moved by the control endpoint, so tests need not sleep
        self._signing_key: str | None = None

    def now(self) -> float:
        """The sandbox's idea of the time (Unix seconds), for token lifetimes."""
        return time.time() + self.clock_offset

    def ready(self) -> None:
        """Create the tables and seed the default practice on first use."""
        if self._signing_key is not None:
            return
        with self._lock:
            if self._signing_key is None:
                key = store.create_tables(self.engine)
                store.ensure_seeded(self.engine, int(self.config["SANDBOX_SEED_CLIENTS"]))
                self._signing_key = key

    @property
    def signing_key(self) -> str:
        """The key access tokens are signed with (kept in the database)."""
        self.ready()
        return self._signing_key

    def reset(self) -> None:
        """Forget calls, rate-limit windows, runtime faults and clock moves."""
        self.forget_calls()
        self.limits.reset()
        self.faults.reset(self.config["SANDBOX_LATENCY_MS"], self.config["SANDBOX_FAULTS"])
        self.clock_offset = 0.0


def current() -> Sandbox:
    """The sandbox of the current application."""
    return current_app.extensions[EXTENSION]

"""The register sandbox's state in one application: the register, call counts, faults."""

import threading
from collections import Counter

from flask import current_app

from portal.register_sandbox import records, register
from portal.register_sandbox.faults import Faults

EXTENSION = "portal.register_sandbox"


class RegisterSandbox:
    """Everything the register sandbox keeps between requests, created once per app."""

    def __init__(self, config):
        self.config = config
        self.size = int(config["REGISTER_SANDBOX_CLIENTS"])
        self.faults = Faults(
            config["REGISTER_SANDBOX_LATENCY_MS"], config["REGISTER_SANDBOX_FAULTS"]
        )
        self._calls: Counter = Counter()
        self._lock = threading.Lock()

    @property
    def register(self) -> records.Register:
        """The register (built on first use, then cached for the process)."""
        return register.build(self.size)

    def count(self, label: str) -> None:
        """Count one call of an endpoint."""
        with self._lock:
            self._calls[label] += 1

    def calls(self) -> dict[str, int]:
        """Calls per endpoint since start or the last reset."""
        with self._lock:
            return dict(sorted(self._calls.items()))

    def reset(self) -> None:
        """Forget calls and runtime faults."""
        with self._lock:
            self._calls.clear()
        self.faults.reset(
            self.config["REGISTER_SANDBOX_LATENCY_MS"], self.config["REGISTER_SANDBOX_FAULTS"]
        )


def current() -> RegisterSandbox:
    """The register sandbox of the current application."""
    return current_app.extensions[EXTENSION]

"""The register sandbox's state in one application: the register, call counts, faults."""

from flask import current_app

from portal.register_sandbox import records, register
from portal.register_sandbox.faults import Faults
from portal.sandbox.runtime import CallCounts

EXTENSION = "portal.register_sandbox"


class RegisterSandbox(CallCounts):
    """Everything the register sandbox keeps between requests, created once per app."""

    def __init__(self, config):
        super().__init__()
        self.config = config
        self.size = int(config["REGISTER_SANDBOX_CLIENTS"])
        self.faults = Faults(
            config["REGISTER_SANDBOX_LATENCY_MS"], config["REGISTER_SANDBOX_FAULTS"]
        )

    @property
    def register(self) -> records.Register:
        """The register (built on first use, then cached for the process)."""
        return register.build(self.size)

    def reset(self) -> None:
        """Forget calls and runtime faults."""
        self.forget_calls()
        self.faults.reset(
            self.config["REGISTER_SANDBOX_LATENCY_MS"], self.config["REGISTER_SANDBOX_FAULTS"]
        )


def current() -> RegisterSandbox:
    """The register sandbox of the current application."""
    return current_app.extensions[EXTENSION]

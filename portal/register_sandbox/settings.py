"""The register sandbox's settings: the demo subscription key and ``REGISTER_SANDBOX_*``."""

import secrets

from portal.config import instance_secret

#: The demo subscription key. Public on purpose: the register sandbox serves invented data.
DEMO_SUBSCRIPTION_KEY = "register-sandbox-demo-key-5c8e2a91d4b7"
DEFAULT_CLIENTS = 2_000  # the XPM sandbox's default practice size
MAX_CLIENTS = 50_000
#: The control token's file in the instance folder.
CONTROL_TOKEN_FILE = "register_sandbox_control_token"
#: What ``page-size`` accepts. The service's own limits are not published; third-party
#: clients report a maximum of 100 to 200, so the sandbox takes the stricter one.
DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE = 50, 100


def defaults(config) -> dict:
    """Every ``REGISTER_SANDBOX_*`` setting with the value it has unless the app sets it."""
    return {
        # The size of the XPM sandbox practice the register is drawn from: the same one.
        "REGISTER_SANDBOX_CLIENTS": config.get("SANDBOX_SEED_CLIENTS", DEFAULT_CLIENTS),
        "REGISTER_SANDBOX_KEYS": [DEMO_SUBSCRIPTION_KEY],
        "REGISTER_SANDBOX_LATENCY_MS": 0,
        # Fault rules applied from start-up, in the shape POST /_control/faults takes.
        "REGISTER_SANDBOX_FAULTS": [],
        "REGISTER_SANDBOX_CONTROL": True,
        # Unset: the XPM sandbox's SANDBOX_CONTROL_TOKEN when mounted beside it, else one
        # generated into the instance folder (see control_token()).
        "REGISTER_SANDBOX_CONTROL_TOKEN": None,
    }


def apply_defaults(app) -> None:
    """Fill in every ``REGISTER_SANDBOX_*`` setting the application has not set."""
    for name, value in defaults(app.config).items():
        app.config.setdefault(name, value)
    clients = int(app.config["REGISTER_SANDBOX_CLIENTS"])
    if not 1 <= clients <= MAX_CLIENTS:
        raise ValueError(f"REGISTER_SANDBOX_CLIENTS must be between 1 and {MAX_CLIENTS}.")
    app.config["REGISTER_SANDBOX_CLIENTS"] = clients
    app.config["REGISTER_SANDBOX_CONTROL_TOKEN"] = (
        app.config["REGISTER_SANDBOX_CONTROL_TOKEN"]
        or app.config.get("SANDBOX_CONTROL_TOKEN")
        or control_token(app)
    )


def control_token(app) -> str:
    """A new token under tests, otherwise one kept in the instance folder across restarts."""
    if app.testing:
        return secrets.token_urlsafe(32)
    return instance_secret(app.instance_path, CONTROL_TOKEN_FILE, lambda: secrets.token_urlsafe(32))

"""The sandbox's settings: demo credentials and the ``SANDBOX_*`` configuration defaults."""

import re
import secrets
from pathlib import Path
from urllib.parse import urlsplit

from portal.config import instance_secret

#: The demo Xero app. The secret is public on purpose: the sandbox only serves invented data.
DEMO_CLIENT_ID = "portal-demo"
DEMO_CLIENT_SECRET = "sandbox-demo-secret-3f9c1e7a5b2d4c6e"

#: The demo WorkflowMax (BlueRock) app.
WORKFLOWMAX_DEMO_CLIENT_ID = "portal-demo-wfm"
WORKFLOWMAX_DEMO_CLIENT_SECRET = "sandbox-wfm-demo-secret-8a4d2f6b1c3e5a7d"

MAX_CLIENTS = 50_000
DEFAULT_CLIENTS = 2_000

#: Where the portal receives the providers' answers (``addons.callback``, for xpm and workflowmax).
CALLBACK_PATHS = ("/settings/addons/xpm/callback", "/settings/addons/workflowmax/callback")
#: Where ``make run`` serves the portal, by both names a browser may give it.
DEVELOPMENT_PORTALS = ("http://127.0.0.1:5000", "http://localhost:5000")
#: The control token's file in the instance folder, beside the portal's development secrets.
CONTROL_TOKEN_FILE = "sandbox_control_token"


def redirect_uris(*portals: str) -> list[str]:
    """The callback addresses of a portal served at each of ``portals`` (scheme://host:port),
    as its administrator registers them with Xero and BlueRock."""
    return [f"{portal.rstrip('/')}{path}" for portal in portals for path in CALLBACK_PATHS]


def defaults(instance_path: str) -> dict:
    """Every ``SANDBOX_*`` setting with the value it has unless the application sets it."""
    return {
        "SANDBOX_DATABASE_URL": f"sqlite:///{Path(instance_path) / 'sandbox.db'}",
        # Size of the practice seeded automatically when the database is empty.
        "SANDBOX_SEED_CLIENTS": DEFAULT_CLIENTS,
        # Apps allowed to connect: client id -> secret, name, provider, and optionally
        # redirect_uris of their own instead of SANDBOX_REDIRECT_URIS.
        "SANDBOX_CLIENTS": {
            DEMO_CLIENT_ID: {
                "secret": DEMO_CLIENT_SECRET,
                "name": "Portal (demo)",
                "provider": "xero",
            },
            WORKFLOWMAX_DEMO_CLIENT_ID: {
                "secret": WORKFLOWMAX_DEMO_CLIENT_SECRET,
                "name": "Portal (demo)",
                "provider": "workflowmax",
            },
        },
        # The redirect URIs registered for the demo apps, matched exactly as Xero does: a
        # list, or one string of addresses separated by spaces or commas (the environment).
        "SANDBOX_REDIRECT_URIS": redirect_uris(*DEVELOPMENT_PORTALS),
        # How many practices (PRACTICEMANAGER tenants) the consent page offers: 1 or 2.
        "SANDBOX_PRACTICES": 1,
        "SANDBOX_ACCESS_TOKEN_SECONDS": 30 * 60,
        "SANDBOX_REFRESH_GRACE_SECONDS": 30 * 60,
        "SANDBOX_REFRESH_TOKEN_SECONDS": 60 * 24 * 3600,
        "SANDBOX_CODE_SECONDS": 5 * 60,
        # Xero's limits per tenant, plus its per-app limit across tenants.
        "SANDBOX_LIMITS": {"concurrent": 5, "minute": 60, "day": 5000, "app_minute": 10_000},
        "SANDBOX_LATENCY_MS": 0,
        # Fault rules applied from start-up, in the shape POST /_control/faults takes.
        "SANDBOX_FAULTS": [],
        # Werkzeug's and gunicorn's servers drop headers with underscores, WorkflowMax's
        # account_id among them; when the sandbox is mounted behind one, this lets a token
        # that reaches exactly one organisation stand in for the missing header.
        "SANDBOX_ACCOUNT_ID_FALLBACK": False,
        # The control endpoints exist for tests and benchmarks; a deployment may turn them off.
        "SANDBOX_CONTROL": True,
        # What they take as "Authorization: Bearer …"; unset, see control_token().
        "SANDBOX_CONTROL_TOKEN": None,
    }


def apply_defaults(app) -> None:
    """Fill in every ``SANDBOX_*`` setting the application has not set."""
    for name, value in defaults(app.instance_path).items():
        app.config.setdefault(name, value)
    clients = int(app.config["SANDBOX_SEED_CLIENTS"])
    if not 1 <= clients <= MAX_CLIENTS:
        raise ValueError(f"SANDBOX_SEED_CLIENTS must be between 1 and {MAX_CLIENTS}.")
    app.config["SANDBOX_REDIRECT_URIS"] = registered_uris(app.config["SANDBOX_REDIRECT_URIS"])
    app.config["SANDBOX_CONTROL_TOKEN"] = app.config["SANDBOX_CONTROL_TOKEN"] or control_token(app)


def registered_uris(value) -> list[str]:
    """The redirect URIs as a list; a start-up error for one an app could never be sent to."""
    uris = re.split(r"[\s,]+", value) if isinstance(value, str) else list(value)
    uris = [uri for uri in uris if uri]
    for uri in uris:
        parts = urlsplit(uri)
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.fragment:
            raise ValueError(
                f"SANDBOX_REDIRECT_URIS must be absolute http(s) addresses without a "
                f"fragment, not {uri!r}."
            )
    return uris


def control_token(app) -> str:
    """A token for the control endpoints when none is set: under tests a new one each time
    (they read it from the configuration), otherwise one generated into the instance folder
    once, so ``make run`` and ``python -m portal.sandbox`` share it across restarts."""
    if app.testing:
        return secrets.token_urlsafe(32)
    return instance_secret(app.instance_path, CONTROL_TOKEN_FILE, lambda: secrets.token_urlsafe(32))

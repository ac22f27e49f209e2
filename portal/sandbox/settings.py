"""The sandbox's settings: demo credentials and the ``SANDBOX_*`` configuration defaults."""

from pathlib import Path

#: The demo Xero app. The secret is public on purpose: the sandbox only serves invented data.
DEMO_CLIENT_ID = "portal-demo"
DEMO_CLIENT_SECRET = "sandbox-demo-secret-3f9c1e7a5b2d4c6e"

#: The demo WorkflowMax (BlueRock) app.
WORKFLOWMAX_DEMO_CLIENT_ID = "portal-demo-wfm"
WORKFLOWMAX_DEMO_CLIENT_SECRET = "sandbox-wfm-demo-secret-8a4d2f6b1c3e5a7d"

MAX_CLIENTS = 50_000
DEFAULT_CLIENTS = 2_000


def defaults(instance_path: str) -> dict:
    """Every ``SANDBOX_*`` setting with the value it has unless the application sets it."""
    return {
        "SANDBOX_DATABASE_URL": f"sqlite:///{Path(instance_path) / 'sandbox.db'}",
        # Size of the practice seeded automatically when the database is empty.
        "SANDBOX_SEED_CLIENTS": DEFAULT_CLIENTS,
        # Apps allowed to connect: client id -> secret, name, provider, redirect URIs
        # (None accepts any http(s) address, which is what a demo on any host needs).
        "SANDBOX_CLIENTS": {
            DEMO_CLIENT_ID: {
                "secret": DEMO_CLIENT_SECRET,
                "name": "Portal (demo)",
                "provider": "xero",
                "redirect_uris": None,
            },
            WORKFLOWMAX_DEMO_CLIENT_ID: {
                "secret": WORKFLOWMAX_DEMO_CLIENT_SECRET,
                "name": "Portal (demo)",
                "provider": "workflowmax",
                "redirect_uris": None,
            },
        },
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
    }


def apply_defaults(app) -> None:
    """Fill in every ``SANDBOX_*`` setting the application has not set."""
    for name, value in defaults(app.instance_path).items():
        app.config.setdefault(name, value)
    clients = int(app.config["SANDBOX_SEED_CLIENTS"])
    if not 1 <= clients <= MAX_CLIENTS:
        raise ValueError(f"SANDBOX_SEED_CLIENTS must be between 1 and {MAX_CLIENTS}.")

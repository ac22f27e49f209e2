"""What every benchmark starts from: a migrated SQLite portal, one firm and its administrator;
and how a benchmark starts the sandbox and calls its control endpoints."""

import os
import secrets
import socket
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cryptography.fernet import Fernet  # noqa: E402
from sqlalchemy import select  # noqa: E402

from portal import create_app, database  # noqa: E402
from portal.auth import service as auth_service  # noqa: E402
from portal.migrate import upgrade  # noqa: E402
from portal.models import SubscriptionPlan  # noqa: E402
from portal.sandbox import redirect_uris  # noqa: E402

EMAIL, PASSWORD = "bench@example.nz", "benchmark password 1"
#: The sandbox's control token for this run, new each time: the sandbox's process gets it in
#: its environment (a command line is visible to every user), control requests send it.
CONTROL_TOKEN = secrets.token_urlsafe(32)
CONTROL = {"Authorization": f"Bearer {CONTROL_TOKEN}"}
#: Where the portal is when Flask's test client drives it (what url_for(_external=True) says).
TEST_CLIENT_PORTAL = "http://localhost"


def bench_portal(directory: str, url: str | None = None, **settings):
    """(app, firm id, first plan id) for a fresh portal database in ``directory`` (or at
    ``url``, which must be empty)."""
    url = url or f"sqlite:///{directory}/portal.db"
    upgrade(url)
    app = create_app(
        {
            "SECRET_KEY": "benchmark-secret-key-long-enough-to-pass-checks",
            "PORTAL_TOKEN_KEY": Fernet.generate_key().decode(),
            "DATABASE_URL": url,
            "WTF_CSRF_ENABLED": False,
            **settings,
        }
    )
    with app.app_context():
        session = database.session()
        with database.writing(session):
            firm = auth_service.get_or_create_firm(session, "Bench Practice")
            auth_service.create_user(session, firm, EMAIL, PASSWORD, True)
        plan = session.scalar(
            select(SubscriptionPlan.id)
            .where(SubscriptionPlan.firm_id == firm.id)
            .order_by(SubscriptionPlan.position)
        )
    return app, firm.id, plan


def signed_in_client(app):
    """A test client signed in as the benchmark's administrator."""
    client = app.test_client()
    client.post("/login", data={"email": EMAIL, "password": PASSWORD})
    return client


def free_port() -> int:
    """A loopback port nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def sandbox_command(
    port: int, clients: int, latency_ms: int, database_url: str, portal: str = TEST_CLIENT_PORTAL
) -> list[str]:
    """``python -m portal.sandbox`` on ``port``, as a benchmark starts it in its own process
    (with ``sandbox_environment()``), accepting the callbacks of the portal at ``portal``."""
    command = [
        sys.executable,
        "-m",
        "portal.sandbox",
        "--port",
        str(port),
        "--clients",
        str(clients),
        "--latency-ms",
        str(latency_ms),
        "--database",
        database_url,
    ]
    for uri in redirect_uris(portal):
        command += ["--redirect-uri", uri]
    return command


def sandbox_environment() -> dict:
    """This process's environment and the control token, for the sandbox's process."""
    return {**os.environ, "SANDBOX_CONTROL_TOKEN": CONTROL_TOKEN}


def sandbox_settings() -> dict:
    """The same for a sandbox application a benchmark runs in one of its own threads."""
    return {
        "SANDBOX_CONTROL_TOKEN": CONTROL_TOKEN,
        "SANDBOX_REDIRECT_URIS": redirect_uris(TEST_CLIENT_PORTAL),
    }

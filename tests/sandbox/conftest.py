"""Fixtures for the sandbox's tests: a practice seeded once per session and copied for each
test, the standalone application on it, and a real threaded server when HTTP must be real.
"""

import shutil
import threading
from itertools import count

import pytest

from portal.sandbox import create_app, runtime, server
from tests.sandbox.flows import CONTROL_TOKEN

SIZE = 300
_numbers = count()


@pytest.fixture(scope="session")
def seeded_database(tmp_path_factory):
    """A sandbox database seeded with a practice of SIZE clients, built once."""
    path = tmp_path_factory.mktemp("sandbox") / "seeded.db"
    app = create_app(
        {"TESTING": True, "SANDBOX_DATABASE_URL": f"sqlite:///{path}", "SANDBOX_SEED_CLIENTS": SIZE}
    )
    with app.app_context():
        runtime.current().ready()
    runtime_of(app).engine.dispose()  # checkpoints the WAL, so one file holds everything
    return path


def runtime_of(app) -> runtime.Sandbox:
    return app.extensions[runtime.EXTENSION]


@pytest.fixture
def make_app(seeded_database, tmp_path):
    """Build standalone sandbox apps, each on its own copy of the seeded database."""
    apps = []

    def make(**config):
        path = tmp_path / f"sandbox-{next(_numbers)}.db"
        shutil.copy(seeded_database, path)
        app = create_app(
            {
                "TESTING": True,
                "SANDBOX_DATABASE_URL": f"sqlite:///{path}",
                "SANDBOX_SEED_CLIENTS": SIZE,
                "SANDBOX_CONTROL_TOKEN": CONTROL_TOKEN,
                **config,
            }
        )
        apps.append(app)
        return app

    yield make
    for app in apps:
        runtime_of(app).engine.dispose()


@pytest.fixture
def app(make_app):
    return make_app()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def live_server():
    """Serve an app on a free loopback port in a thread; returns the base URL of /sandbox."""
    servers = []

    def start(app) -> str:
        http = server.make(app, "127.0.0.1", 0)
        # Polled often, so that shutting it down takes a moment, not half a second.
        thread = threading.Thread(target=http.serve_forever, args=(0.05,), daemon=True)
        thread.start()
        servers.append(http)
        return f"http://127.0.0.1:{http.server_port}/sandbox"

    yield start
    for http in servers:
        http.shutdown()
        http.server_close()

"""Fixtures for the "Add client" panel: its background XPM work drained after each test, and
a firm whose directory has been read from the sandbox."""

import pytest

HX = {"HX-Request": "true"}


def drain(app) -> None:
    """Wait for the panel's background XPM work (refreshes, confirmations) to finish."""
    jobs = app.extensions.get("portal.jobs")
    if jobs is not None:
        jobs.drain()


def fragment(client, url, **params):
    """An htmx request's answer (200, or 204 when there is nothing to swap)."""
    response = client.get(url, query_string=params or None, headers=HX)
    assert response.status_code in (200, 204), response.status_code
    return response


@pytest.fixture(autouse=True)
def _drained(app):
    yield
    drain(app)


@pytest.fixture
def synced(app, client, connected, sandbox_control):
    """The signed-in firm, connected to the sandbox, with its directory read in full (and
    the sandbox's call counts reset after that)."""
    client.get("/clients/add", headers=HX)
    drain(app)
    sandbox_control("POST", "reset", json={})
    return connected

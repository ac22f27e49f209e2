"""What changes with PORTAL_ENV=production beyond the start-up checks: HSTS on every answer."""

import pytest

from portal import create_app
from tests.conftest import settings_for
from tests.security.conftest import routes

HSTS = "max-age=31536000; includeSubDomains"  # a year, as browsers' preload lists ask


@pytest.fixture
def production_client(database_url):
    app = create_app(settings_for(database_url, PORTAL_ENV="production"))
    return app, app.test_client()


def test_production_sends_hsts_on_every_response(production_client):
    app, client = production_client
    urls = [url for _, _, url in routes(app)] + ["/no-such-page", "/static/css/portal.css"]
    for url in urls:
        response = client.get(url)
        assert response.headers.get("Strict-Transport-Security") == HSTS, url
    assert client.post("/login", data={}).headers["Strict-Transport-Security"] == HSTS


def test_no_hsts_outside_production(client):
    """Development is served over http://127.0.0.1: HSTS there would lock the browser out."""
    for url in ("/login", "/no-such-page", "/static/css/portal.css"):
        assert "Strict-Transport-Security" not in client.get(url).headers

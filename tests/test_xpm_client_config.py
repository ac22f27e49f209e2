"""Building the XPM client from the application's configuration (portal.addons.api)."""

import pytest
from flask import Flask

from portal.addons import api as addons_api
from portal.addons.api import api_for, app_limiter
from portal.xpm import TenantLimiter, XpmApi, XpmUnavailable
from tests.xpm.conftest import WORKFLOWMAX_URL, XPM_URL, FakeTokens, response_xml


def make_app(**config):
    app = Flask(__name__)
    app.config.update(
        XPM_API_URL=XPM_URL, WORKFLOWMAX_API_URL=WORKFLOWMAX_URL, REDIS_URL=None, **config
    )
    addons_api.init_app(app)
    return app


def test_the_client_takes_urls_and_timeouts_from_config(requests_mock):
    app = make_app(XPM_CONNECT_TIMEOUT="3", XPM_READ_TIMEOUT=9)
    requests_mock.get(XPM_URL + "client.api/search", text=response_xml("<Clients />"))
    with app.app_context():
        api = api_for("xpm", "tenant-1", FakeTokens())
        assert isinstance(api, XpmApi) and api.base_url == XPM_URL
        api.search("kowhai")
        assert requests_mock.last_request.timeout == (3.0, 9.0)
        assert api_for("workflowmax", "org-1", FakeTokens()).base_url == WORKFLOWMAX_URL


def test_the_default_timeouts_and_one_limiter_per_application(requests_mock):
    app = make_app()
    requests_mock.get(XPM_URL + "client.api/search", text=response_xml("<Clients />"))
    with app.app_context():
        api_for("xpm", "tenant-1", FakeTokens()).search("kowhai")
        assert requests_mock.last_request.timeout == (5.0, 20.0)
        assert app_limiter() is app_limiter()
        assert isinstance(app_limiter(), TenantLimiter)
    with make_app().app_context():
        assert app_limiter() is not app.extensions["xpm_limiter"]


def test_the_retry_backoff_comes_from_config(requests_mock):
    waits = []
    requests_mock.get(XPM_URL + "client.api/search", status_code=503)
    for config, ceiling in (({}, 0.5), ({"XPM_RETRY_BACKOFF": "0.02"}, 0.02)):
        waits.clear()
        with make_app(**config).app_context():
            api = api_for("xpm", "tenant-1", FakeTokens(), sleep=waits.append)
            with pytest.raises(XpmUnavailable):
                api.search("kowhai")
        assert len(waits) == 2  # three tries, whatever the backoff
        assert ceiling / 2 <= waits[0] <= ceiling and ceiling <= waits[1] <= 2 * ceiling

"""Every route in the URL map: the header baseline, and nothing shown to a signed-out visitor."""

import re

import pytest

from portal import create_app
from portal.web import origin_of
from tests.conftest import settings_for
from tests.security.conftest import routes

#: Reachable signed out: the sign-in page, static files, the icon, and "/" (a redirect to Clients).
PUBLIC = {"auth.login", "auth.second_factor", "static", "home", "favicon"}


def assert_baseline(response):
    policy = response.headers["Content-Security-Policy"]
    script_src = re.search(r"script-src ([^;]*)", policy).group(1)
    assert "unsafe-inline" not in script_src and "unsafe-eval" not in script_src
    assert "object-src 'none'" in policy
    assert "frame-ancestors 'none'" in policy
    assert "base-uri 'none'" in policy
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_headers_on_every_route_signed_in(app, client, signed_in):
    checked = 0
    for endpoint, method, url in routes(app, frozenset({"GET", "POST"})):
        if endpoint == "auth.logout":
            continue
        response = client.open(url, method=method)
        assert_baseline(response)
        checked += 1
    assert checked >= 6


def test_every_response_varies_on_htmx(app, client, signed_in):
    """A page and its htmx fragment share an address: no cache may give one for the other."""
    for endpoint, method, url in routes(app, frozenset({"GET", "POST"})):
        if endpoint == "auth.logout":
            continue
        for headers in ({}, {"HX-Request": "true"}):
            response = client.open(url, method=method, headers=headers)
            assert "HX-Request" in response.vary, (url, headers)
    assert "HX-Request" in client.get("/no-such-page").vary
    client.post("/logout")
    assert "HX-Request" in client.get("/clients/", headers={"HX-Request": "true"}).vary


def form_action(response) -> list[str]:
    policy = response.headers["Content-Security-Policy"]
    return re.search(r"form-action ([^;]*)", policy).group(1).split()


def test_forms_may_go_on_to_exactly_the_providers_authorize_origins(database_url):
    app = create_app(
        settings_for(
            database_url,
            XERO_AUTHORIZE_URL="https://login.xero.com/identity/connect/authorize",
            WORKFLOWMAX_AUTHORIZE_URL="https://oauth.workflowmax2.com:443/oauth/authorize?x=1",
        )
    )
    response = app.test_client().get("/login")
    assert form_action(response) == [
        "'self'",
        "https://login.xero.com",
        "https://oauth.workflowmax2.com",
    ]
    assert_baseline(response)


def test_the_policy_follows_the_configured_identity_server(app, client):
    app.config["XERO_AUTHORIZE_URL"] = "http://127.0.0.1:5001/sandbox/identity/connect/authorize"
    app.config["WORKFLOWMAX_AUTHORIZE_URL"] = "javascript:alert(1)"
    assert form_action(client.get("/login")) == ["'self'", "http://127.0.0.1:5001"]


@pytest.mark.parametrize(
    ("url", "origin"),
    [
        ("https://login.xero.com/identity/connect/authorize", "https://login.xero.com"),
        ("HTTPS://User:pw@Login.Xero.COM:8443/a", "https://login.xero.com:8443"),
        ("http://[::1]:5001/sandbox", "http://[::1]:5001"),
        ("http://example.nz:80/", "http://example.nz"),
        ("ftp://example.nz/", None),
        ("/relative/path", None),
        ("https://exa mple.nz/", None),
        ("https://example.nz:99999/", None),
        ("", None),
        (None, None),
    ],
)
def test_origin_of(url, origin):
    assert origin_of(url) == origin


@pytest.mark.parametrize("htmx", [False, True])
def test_every_route_signed_out_redirects_without_data(app, client, htmx):
    headers = {"HX-Request": "true"} if htmx else {}
    for endpoint, method, url in routes(app, frozenset({"GET", "POST"})):
        if endpoint in PUBLIC:
            continue
        response = client.open(url, method=method, headers=headers)
        assert_baseline(response)
        if htmx:
            assert response.status_code == 401, url
            assert response.headers["HX-Redirect"].startswith("/login"), url
            assert response.data == b"", url
        else:
            assert response.status_code == 302, url
            assert response.headers["Location"].startswith("/login"), url


def test_error_pages_carry_the_baseline(client, signed_in):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert_baseline(response)
    assert "There is nothing here" in response.get_data(as_text=True)


def test_pages_use_no_inline_script(client, signed_in):
    pages = ["/clients/", "/clients/new/company", "/clients/new/trust"]
    for url in pages:
        page = client.get(url).get_data(as_text=True)
        assert "<script>" not in page
        assert not re.search(r"\son[a-z]+=", page)
        assert "htmx-2.0." in page and 'name="htmx-config"' in page


def test_nul_characters_are_refused_not_stored(client, signed_in):
    assert client.get("/clients/", query_string={"q": "a\x00b"}).status_code == 400
    response = client.post("/clients/new/company", data={"name": "Nul\x00Co"})
    assert response.status_code == 400
    assert client.post("/login", data={"email": "a\x00@b.nz", "password": "x"}).status_code == 400

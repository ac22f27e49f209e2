"""CSRF on every state-changing route of the URL map, and no route writing on GET.

Every POST, PUT, PATCH or DELETE route, signed in as firm A's administrator, is sent each
token a forger could have — none, a broken one, one from another session or another person
— as a form field and as htmx's header: each is refused with the CSRF page (a 400 for any
other reason would not show the check) and no stored row changes. That a valid token gets
past the check on every route is shown by tests/security/test_isolation.py, whose requests
carry one and are answered by the routes themselves.
"""

import pytest

from tests.conftest import PASSWORD, make_user
from tests.security.conftest import (
    A_ADMIN,
    A_STAFF,
    CSRF_REFUSAL,
    EVERY_METHOD,
    FIRM_A,
    STATE_CHANGING,
    Browser,
    changes,
    describe,
    find_rule,
    route_params,
    snapshot,
    tables,
    url_map_app,
    urls,
)

HX = {"HX-Request": "true"}
#: The directory is a cache of the practice's client list in XPM, not the firm's data: a GET
#: of the "Add client" panel starts a refresh of it in the background when one is due
#: (portal/directory/__init__.py). No table records reads (no "last viewed", no read audit).
CACHE_TABLES = frozenset({"directory_entries", "directory_syncs"})


def tampered(token: str) -> str:
    """``token`` with its signature's first character changed (the last may carry only
    padding bits, and changing it can leave the signature as it was)."""
    head, _, signature = token.rpartition(".")
    return f"{head}.{'A' if signature[0] != 'A' else 'B'}{signature[1:]}"


@pytest.fixture(scope="module")
def forged(world) -> dict[str, tuple[Browser, str | None]]:
    """Each token a forger might send, with the browser (signed in as firm A's
    administrator) that sends it."""
    app, a = world.app, world.a
    other_users = world.a_staff.token
    handed_over = Browser(app).sign_in(A_STAFF)  # a colleague, then the administrator, here
    left_behind = handed_over.token
    handed_over.sign_out()
    handed_over.sign_in(A_ADMIN)
    return {
        "no token": (a, None),
        "an empty token": (a, ""),
        "a malformed token": (a, "not-a-csrf-token"),
        "a tampered token": (a, tampered(a.token)),
        "the session's own value, unsigned": (a, a.raw_token()),
        "a signed-out visitor's token": (a, Browser(app).token),
        "a token from another session of the same person": (a, Browser(app).sign_in(A_ADMIN).token),
        "a token from another person's session": (a, other_users),
        "a token from another firm's session": (a, world.b.token),
        "a token issued to whoever was signed in before": (handed_over, left_behind),
    }


def sent(browser: Browser, url: str, method: str, token: str | None, data=None):
    """The request with ``token`` as a form field, and as htmx's header (once if none)."""
    if token is None:
        yield "", browser.open(url, method, data, token=None)
        return
    yield " in the form", browser.open(url, method, data, token=token)
    header = {"X-CSRFToken": token}
    yield " in X-CSRFToken", browser.open(url, method, data, token=None, headers=header)


def test_the_suite_covers_the_whole_url_map(world):
    """What the tests were generated from is the application under test, and CSRF is on."""
    generated = {(r.rule, frozenset(r.methods)) for r in url_map_app().url_map.iter_rules()}
    served = {(r.rule, frozenset(r.methods)) for r in world.app.url_map.iter_rules()}
    assert generated == served
    assert world.app.config["WTF_CSRF_ENABLED"]
    assert len(route_params(STATE_CHANGING)) >= 17
    assert {"directory_entries", "directory_syncs"} <= set(tables(world.app).tables)


@pytest.mark.parametrize(("path", "method"), route_params(STATE_CHANGING))
def test_a_state_changing_route_refuses_a_forged_request(world, forged, path, method):
    rule = find_rule(world.app, path, method)
    before = snapshot(world.app)
    for url in urls(rule, world.values(rule, first=True)):
        for name, (browser, token) in forged.items():
            for how, response in sent(browser, url, method, token):
                what = f"{method} {url} ({rule.endpoint}) with {name}{how}"
                assert response.status_code == 400, f"{what}: {response.status_code}"
                assert CSRF_REFUSAL in response.get_data(as_text=True), what
                written = changes(before, snapshot(world.app))
                assert not written, f"{what} wrote:\n{written}"


@pytest.mark.parametrize(("path", "method"), route_params(frozenset({"GET"})))
def test_a_get_route_writes_nothing(world, path, method):
    """Every GET, for every object of firm A it can name, as a page (and for the first, as
    htmx asks for it too: fewer of XPM's 60 calls a minute).

    The OAuth callback writes when it completes the connect this browser started (OAuth
    brings the code back in a GET); asked without one, as here, it writes nothing.
    """
    rule = find_rule(world.app, path, method)
    asked = [(url, {}) for url in urls(rule, world.values(rule))]
    asked += [(url, HX) for url in urls(rule, world.values(rule, first=True))]
    before = snapshot(world.app, skip=CACHE_TABLES)
    for url, headers in asked:
        response = world.a.get(url, headers=headers)
        what = f"GET {url} ({rule.endpoint}){' for htmx' if headers else ''}"
        assert response.status_code < 500, f"{what}: {response.status_code}"
        assert "/login" not in response.headers.get("Location", ""), f"{what}: signed out"
        written = changes(before, snapshot(world.app, skip=CACHE_TABLES))
        assert not written, f"{what} wrote:\n{written}"


def test_every_route_is_get_or_state_changing(world):
    """A route answering a method that is neither would escape both sweeps."""
    for rule in world.app.url_map.iter_rules():
        assert rule.methods - {"HEAD", "OPTIONS"} <= EVERY_METHOD, describe(rule)


def test_signing_in_needs_the_token(world):
    app = world.app
    visitor = Browser(app)
    good = visitor.token
    forged = {
        "no token": None,
        "a malformed token": "not-a-csrf-token",
        "a tampered token": tampered(good),
        "a token from another session": world.a.token,
        "another visitor's token": Browser(app).token,
    }
    credentials = {"email": A_ADMIN, "password": PASSWORD}
    before = snapshot(app)
    for name, token in forged.items():
        for how, response in sent(visitor, "/login", "POST", token, credentials):
            assert response.status_code == 400, f"signing in with {name}{how}"
            assert CSRF_REFUSAL in response.get_data(as_text=True)
            assert not changes(before, snapshot(app)), f"signing in with {name}{how}"
            assert not visitor.signed_in()
    assert visitor.post("/login", credentials).status_code == 302
    assert visitor.signed_in()


def test_signing_out_needs_the_token(world):
    app = world.app
    make_user(app, FIRM_A, "leaving@zqxa-a.example")  # not the world's: this one signs out
    leaving = Browser(app).sign_in("leaving@zqxa-a.example")
    forged = {
        "no token": None,
        "a malformed token": "not-a-csrf-token",
        "a tampered token": tampered(leaving.token),
        "a token from another session": world.a.token,
    }
    before = snapshot(app)
    for name, token in forged.items():
        for how, response in sent(leaving, "/logout", "POST", token):
            assert response.status_code == 400, f"signing out with {name}{how}"
            assert CSRF_REFUSAL in response.get_data(as_text=True)
            assert not changes(before, snapshot(app)), f"signing out with {name}{how}"
            assert leaving.signed_in()
    leaving.sign_out()
    assert not leaving.signed_in()

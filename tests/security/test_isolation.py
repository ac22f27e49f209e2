"""Firm isolation, generated from the URL map: firm B's administrator requests every route,
with every method it answers, naming each of firm A's objects (a valid CSRF token on every
state-changing request). A route with an object id answers 404 for every one; every answer
shows nothing of firm A (no name of its data, no link to its objects, none of the clients
its directory holds); and no row of firm A changes.

Firm B is connected to WorkflowMax, firm A to XPM, both to the sandbox; firm A's profiles
are linked to XPM clients, and their UUIDs are sent to the import routes too.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from sqlalchemy import select

from portal import database
from portal.addons import service as addons
from portal.models import Passkey, Profile, SubscriptionPlan, User
from tests.security.conftest import (
    B_STAFF,
    CSRF_REFUSAL,
    EVERY_METHOD,
    MARK,
    OBJECT_ARGUMENTS,
    World,
    argument_problem,
    changes,
    connect,
    find_rule,
    object_arguments,
    route_params,
    snapshot,
    urls,
)


@dataclass(frozen=True)
class Reference:
    """A query parameter naming a stored object, and what firm B gets for firm A's."""

    parameter: str
    values: Callable[[World], list]
    status: int


def _profiles(world: World) -> list[int]:
    return world.objects[Profile]


#: The routes that take no object id in their URL but do in their query string: firm B
#: sends firm A's there. (Routes with an object id in the URL need no entry: they are
#: generated from the URL map, and must answer 404.)
QUERY_REFERENCES = {
    **{
        endpoint: Reference("link", _profiles, 404)  # the profile being linked to a client
        for endpoint in ("panel.show", "panel.results", "panel.confirm", "panel.status")
    },
    # The firm's own log, of what that person did: nothing.
    "audit.index": Reference("user", lambda world: world.objects[User], 200),
    # Another browser's connect: refused, and left for that browser to finish.
    "addons.callback": Reference("state", lambda world: [world.pending_state], 302),
}


@pytest.fixture(scope="module")
def firm_a_pages(world) -> re.Pattern:
    """Any address of a page of one of firm A's objects."""
    addresses = {
        url
        for rule in world.app.url_map.iter_rules()
        if not argument_problem(rule) and object_arguments(rule)  # else its own test fails
        for url in urls(rule, world.values(rule))
    }
    alternatives = "|".join(re.escape(url) for url in sorted(addresses, key=len, reverse=True))
    return re.compile(f"(?:{alternatives})(?![0-9])")


RANDOM_TOKEN = re.compile(r"[A-Za-z0-9_-]{20,}")
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def firm_a_shown(world, response, firm_a_pages: re.Pattern) -> str:
    """What of firm A the response shows ("" for nothing): a name it gave its data, a link to
    one of its objects, a client of its practice's directory."""
    text = response.get_data(as_text=True) + " " + response.headers.get("Location", "")
    # Random tokens on a page (a passkey challenge, a CSRF token) may spell the mark by chance.
    words = RANDOM_TOKEN.sub(" ", text)
    shown = [f"the name {MARK!r}"] if MARK.lower() in words.lower() else []
    shown += sorted(set(firm_a_pages.findall(text)))
    shown += sorted(set(UUID.findall(text)) & world.directory_uuids)
    return ", ".join(shown[:5] + ([f"… ({len(shown)} in all)"] if len(shown) > 5 else []))


def check(world, firm_a_pages, browser, url, method, before, expected=None):
    """One request as firm B: ``expected`` status (any but an error if None), nothing of firm
    A shown, no row of firm A changed."""
    response = browser.open(url, method)
    what = f"{method} {url} as firm B"
    body = response.get_data(as_text=True)
    assert CSRF_REFUSAL not in body, f"{what}: a valid token was refused"
    if expected is None:
        assert response.status_code < 500, f"{what}: {response.status_code}"
    else:
        assert response.status_code == expected, f"{what}: {response.status_code}, not {expected}"
    shown = firm_a_shown(world, response, firm_a_pages)
    assert not shown, f"{what} shows firm A's data: {shown}"
    written = changes(before, snapshot(world.app, world.firm_a))
    assert not written, f"{what} changed firm A's rows:\n{written}"


@pytest.mark.parametrize(("path", "method"), route_params(EVERY_METHOD))
def test_firm_b_reaches_nothing_of_firm_a(world, firm_a_pages, path, method):
    rule = find_rule(world.app, path, method)
    expected = 404 if object_arguments(rule) else None
    signing_out = rule.endpoint == "auth.logout"
    browser = world.b_staff if signing_out else world.b
    before = snapshot(world.app, world.firm_a)
    for url in urls(rule, world.values(rule)):
        check(world, firm_a_pages, browser, url, method, before, expected)
        if signing_out:
            browser.sign_in(B_STAFF)
    reference = QUERY_REFERENCES.get(rule.endpoint)
    if reference is not None:
        for url in urls(rule):
            for value in reference.values(world):
                joined = f"{url}?{reference.parameter}={value}"
                check(world, firm_a_pages, browser, joined, method, before, reference.status)


def test_query_references_name_routes_without_an_object_id(world):
    """So the hand-written list cannot go stale."""
    endpoints = {rule.endpoint: rule for rule in world.app.url_map.iter_rules()}
    for endpoint in QUERY_REFERENCES:
        assert endpoint in endpoints, f"QUERY_REFERENCES names {endpoint}, not a route"
        assert not object_arguments(endpoints[endpoint]), f"{endpoint} takes an object id"


def test_every_object_argument_names_objects_of_firm_a(world):
    """The ids firm B is sent are firm A's (else its 404s would show nothing)."""
    for name, model in OBJECT_ARGUMENTS.items():
        with world.app.app_context():
            if model is Passkey:  # a passkey belongs to a firm through its user
                chosen = select(User.firm_id).join(Passkey.user)
            else:
                chosen = select(model.firm_id)
            chosen = chosen.where(model.id.in_(world.objects[model]))
            firms = set(database.session().scalars(chosen))
        assert firms == {world.firm_a}, name


def test_a_form_naming_another_firms_plan_is_refused(world, firm_a_pages):
    """Plans are chosen by id in a form's body: firm B cannot give a profile firm A's."""
    with world.app.app_context():
        if addons.connection(database.session(), world.firm_b, "workflowmax") is None:
            connect(world.b, "workflowmax")  # firm B's Disconnect above was answered
    plan = str(world.objects[SubscriptionPlan][0])
    before = snapshot(world.app, world.firm_a)
    b_before = snapshot(world.app, world.firm_b)
    forms = {
        "/clients/new/company": {"name": "Rātā Borrowed Plan Limited", "company_type_code": "ltc"},
        "/clients/new/trust": {"name": "Rātā Borrowed Plan Trust", "trust_type_code": "family"},
        "/clients/new/individual": {"first_name": "Mere", "last_name": "Borrowed"},
        f"/clients/{world.b_profile}/edit": {
            "name": "Rātā Own Holdings Limited",
            "company_type_code": "limited_small",
        },
        f"/clients/import/workflowmax/{world.b_client}": {
            "kind": "company",
            "company_type_code": "limited_small",
        },
    }
    for url, form in forms.items():
        response = world.b.post(url, {**form, "subscription_plan_id": plan})
        assert response.status_code == 200, f"POST {url} with firm A's plan: {response.status_code}"
        assert "Not a valid choice" in response.get_data(as_text=True), url
        assert not firm_a_shown(world, response, firm_a_pages), url
    assert not changes(before, snapshot(world.app, world.firm_a))
    assert not changes(b_before, snapshot(world.app, world.firm_b))

"""What the security suite shares.

- Routes come from the URL map, never from a list: each URL argument's value is derived from
  its name (``OBJECT_ARGUMENTS``, ``PLAIN_ARGUMENTS``), and a route with an argument neither
  table knows fails, naming the route, so whoever adds it extends the tables.
- ``Browser``: a test client that sends its session's CSRF token with every form, as the
  pages do (CSRF is on throughout this suite).
- ``world``: firm A holding one object of every kind a route takes an id for, and firm B,
  whose staff must neither see nor change any of it; both connected to the sandbox.
- ``snapshot``: every stored row, to show that a request wrote nothing.
"""

import csv
import io
import itertools
import re
from dataclasses import dataclass
from functools import cache
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from flask import Flask
from sqlalchemy import MetaData, select
from werkzeug.routing import AnyConverter, IntegerConverter, Rule

from portal import create_app, database, sandbox
from portal.addons.api import practice_api
from portal.bulk.columns import COLUMNS
from portal.models import (
    Association,
    BulkImport,
    DirectoryEntry,
    Passkey,
    Profile,
    StructureMapping,
    SubscriptionPlan,
    User,
    XpmConnection,
)
from portal.sandbox.fixtures import CHAIN_COMPANY
from portal.text import fold
from tests.conftest import PASSWORD, SAMPLE_ARGUMENTS, empty_tables, make_user, settings_for
from tests.sandboxed import CONTROL, approve_consent

STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
EVERY_METHOD = STATE_CHANGING | {"GET"}

#: URL arguments that name a stored object, with its model: another firm's user must get 404
#: for every object of firm A that such an argument can name.
OBJECT_ARGUMENTS = {
    "profile_id": Profile,
    "other_id": Profile,  # the profile set beside it to merge
    "import_id": BulkImport,
    "mapping_id": StructureMapping,
    "user_id": User,
    "passkey_id": Passkey,
    "association_id": Association,
}
#: URL arguments that name no stored object, and why another firm cannot reach firm A's data
#: through them. Their values come from SAMPLE_ARGUMENTS; every value of ``any(…)`` is used.
PLAIN_ARGUMENTS = {
    "kind": "the kind of profile to add",
    "key": "an add-on: the signed-in firm's own connection to it is looked up",
    "provider": "the system to import from: the signed-in firm's own connection is used",
    "client_uuid": (
        "a client of the signed-in firm's own practice, looked up among its own profiles "
        "(the isolation tests also send firm A's linked UUIDs as firm B)"
    ),
    "filename": "a static file",
    "token": "an uploaded XPM report file's random token in the shared store, kept with its "
    "firm: another firm's request for it is a 404 (tests/report_import/test_pages.py)",
    "number": "an NZBN (13 digits, the nzbn converter): a register entity, public data, "
    "read from the register; the profile it is linked to is the signed-in firm's own",
}
#: What a CSRF refusal says (portal/errors.py): a 400 for any other reason is not one.
CSRF_REFUSAL = "This form has expired or did not come from this portal."
#: In every name firm A gives its own data: a page of firm B's showing it has leaked.
MARK = "Zqxa"


# --- Routes from the URL map ---------------------------------------------------------------
@cache
def url_map_app() -> Flask:
    """An application for reading the URL map while tests are collected (never requested)."""
    return create_app(settings_for("sqlite://"))


def route_params(methods: frozenset[str]) -> list:
    """A pytest parameter per (rule, method) of the URL map with a method in ``methods``."""
    return [
        pytest.param(rule.rule, method, id=f"{method} {rule.rule}")
        for rule in url_map_app().url_map.iter_rules()
        for method in sorted(rule.methods & methods)
    ]


def find_rule(app: Flask, path: str, method: str) -> Rule:
    return next(r for r in app.url_map.iter_rules() if r.rule == path and method in r.methods)


def describe(rule: Rule) -> str:
    return f"{rule.rule} ({rule.endpoint})"


def _converter(rule: Rule, name: str):
    return rule._converters[name]  # werkzeug keeps no public accessor


def argument_problem(rule: Rule) -> str | None:
    """Why this suite cannot give one of the rule's URL arguments a value, if it cannot."""
    for name in sorted(rule.arguments):
        converter = _converter(rule, name)
        looks_like_an_id = name.endswith("_id") or isinstance(converter, IntegerConverter)
        if name in PLAIN_ARGUMENTS and looks_like_an_id:
            return (
                f"{describe(rule)} takes <{name}>, an id: list it in OBJECT_ARGUMENTS "
                "(tests/security/conftest.py), not PLAIN_ARGUMENTS."
            )
        if name not in OBJECT_ARGUMENTS and name not in PLAIN_ARGUMENTS:
            return (
                f"{describe(rule)} takes <{name}>, which the security suite cannot fill in. "
                "If it names a stored object, add it to OBJECT_ARGUMENTS in "
                "tests/security/conftest.py with its model (and have build_world store one in "
                "firm A); otherwise add it to PLAIN_ARGUMENTS with why it reaches no other "
                "firm's data. Either way give it a value in SAMPLE_ARGUMENTS (tests/conftest.py)."
            )
        if name not in SAMPLE_ARGUMENTS:
            return (
                f"{describe(rule)}: give <{name}> a value in SAMPLE_ARGUMENTS (tests/conftest.py)."
            )
    return None


def check_arguments(rule: Rule) -> None:
    """Fail the test, naming the route, for a URL argument this suite cannot give a value."""
    problem = argument_problem(rule)
    if problem:
        pytest.fail(problem)


def object_arguments(rule: Rule) -> list[str]:
    check_arguments(rule)
    return sorted(set(rule.arguments) & OBJECT_ARGUMENTS.keys())


def plain_values(rule: Rule, name: str) -> list:
    """Every value of an ``any(…)`` argument, else the sample value."""
    converter = _converter(rule, name)
    if isinstance(converter, AnyConverter):
        return sorted(converter.items)
    return [SAMPLE_ARGUMENTS[name]]


def urls(rule: Rule, values: dict[str, list] | None = None) -> list[str]:
    """The rule's URL for every combination of values; ``values`` overrides the samples."""
    check_arguments(rule)
    values = values or {}
    names = sorted(rule.arguments)
    choices = [values.get(name) or plain_values(rule, name) for name in names]
    return [rule.build(dict(zip(names, combo, strict=True)))[1] for combo in _covering(choices)]


def _covering(choices: list[list]) -> list[tuple]:
    """Combinations in which every value of every argument appears at least once: as many as
    the longest list (each list taken round), not their product, which grows as the square
    of the firm's objects when a route names two of them (a profile and its role)."""
    if sum(len(c) > 1 for c in choices) < 2:
        return list(itertools.product(*choices))
    longest = max(len(c) for c in choices)
    return [tuple(c[i % len(c)] for c in choices) for i in range(longest)]


def routes(app: Flask, methods=frozenset({"GET"})):
    """(endpoint, method, url) for every route in ``methods``, its arguments from the samples."""
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods & methods):
            for url in urls(rule):
                yield rule.endpoint, method, url


# --- Browsers ------------------------------------------------------------------------------
TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|"X-CSRFToken": "([^"]+)"')


def token_in(page: str) -> str:
    found = TOKEN.search(page)
    assert found, "the page carries no CSRF token"
    return found.group(1) or found.group(2)


OWN = object()  # "send the session's own token"


class Browser:
    """One person's browser: its own session, and its CSRF token sent with every form."""

    def __init__(self, app: Flask):
        self.client = app.test_client()
        self._token: str | None = None

    @property
    def token(self) -> str:
        """The token this session's pages carry (read from a page, as a person's would be)."""
        if self._token is None:
            page = self.client.get("/clients/", follow_redirects=True)
            self._token = token_in(page.get_data(as_text=True))
        return self._token

    def raw_token(self) -> str:
        """The unsigned value the session keeps (never in a page)."""
        self.token  # noqa: B018 (a page gives the session its token)
        with self.client.session_transaction() as session:
            return session["csrf_token"]

    def open(self, url: str, method: str = "GET", data=None, token=OWN, **kw):
        """A request; a state-changing one carries this session's token unless told otherwise
        (``token``: another to send instead, or None for none)."""
        if method in STATE_CHANGING:
            data = dict(data or {})
            if token is not None:
                data["csrf_token"] = self.token if token is OWN else token
        return self.client.open(url, method=method, data=data, **kw)

    def get(self, url: str, **kw):
        return self.client.get(url, **kw)

    def post(self, url: str, data=None, **kw):
        return self.open(url, "POST", data, **kw)

    def sign_in(self, email: str) -> "Browser":
        page = self.client.get("/login").get_data(as_text=True)
        form = {"email": email, "password": PASSWORD, "csrf_token": token_in(page)}
        response = self.client.post("/login", data=form)
        assert response.status_code == 302, response.get_data(as_text=True)
        self._token = None  # signing in gives the session a new token
        return self

    def sign_out(self) -> None:
        assert self.post("/logout").status_code == 302
        self._token = None

    def signed_in(self) -> bool:
        return self.client.get("/clients/").status_code == 200


# --- Stored rows ---------------------------------------------------------------------------
def tables(app: Flask) -> MetaData:
    """The tables the migrated database holds (reflected: a table a migration adds counts too)."""
    if "tests.tables" not in app.extensions:
        metadata = MetaData()
        with app.app_context(), database.engine().connect() as connection:
            metadata.reflect(connection)
        app.extensions["tests.tables"] = metadata
    return app.extensions["tests.tables"]


def _rows_of_firm(table, firm_id: int):
    """The rows of ``table`` that belong to the firm: its own, or its parent row's."""
    if "firm_id" in table.c:
        return select(table).where(table.c.firm_id == firm_id)
    if table.name == "firms":
        return select(table).where(table.c.id == firm_id)
    for key in sorted(table.foreign_keys, key=lambda k: (k.parent.nullable, k.parent.name)):
        parent = key.column.table
        if "firm_id" in parent.c:
            return (
                select(table)
                .join(parent, key.parent == key.column)
                .where(parent.c.firm_id == firm_id)
            )
    return select(table)  # the firm's as much as anyone's (reference lists)


#: Columns a request may write by design on any route: a sign-in session's idle clock is
#: moved on at most once a minute of use (``auth.sessions.TOUCH_EVERY``), GET or not, so a
#: slow run of a module would otherwise see a "write".
CLOCKS = {"sign_in_sessions": {"last_seen_at"}}


def snapshot(app: Flask, firm_id: int | None = None, skip=frozenset()) -> dict[str, list]:
    """Every stored row, table by table (only ``firm_id``'s, if given), without the idle
    clocks (``CLOCKS``); background work the requests started has finished first."""
    settle(app)
    metadata = tables(app)
    with app.app_context(), database.engine().connect() as connection:
        return {
            name: sorted((tuple(row) for row in connection.execute(query)), key=repr)
            for name, table in metadata.tables.items()
            if name not in skip
            for query in [_without_clocks(table, firm_id)]
        }


def _without_clocks(table, firm_id: int | None):
    query = select(table) if firm_id is None else _rows_of_firm(table, firm_id)
    clocks = CLOCKS.get(table.name, set())
    kept = [column for column in table.c if column.name not in clocks]
    return query.with_only_columns(*kept) if clocks else query


def changes(before: dict, after: dict) -> str:
    """What differs between two snapshots, table by table ("" for nothing)."""
    lines = []
    for name in sorted(before.keys() | after.keys()):
        old, new = before.get(name, []), after.get(name, [])
        if old != new:
            added = [row for row in new if row not in old][:3]
            removed = [row for row in old if row not in new][:3]
            lines.append(f"{name}: {len(old)} → {len(new)} rows; new {added}; gone {removed}")
    return "\n".join(lines)


def settle(app: Flask) -> None:
    """Wait for the background work requests started (directory refreshes, reads, imports)."""
    app.extensions["portal.jobs"].drain(60)


# --- The two firms -------------------------------------------------------------------------
@dataclass
class World:
    app: Flask
    firm_a: int
    firm_b: int
    #: Firm A's administrator, and a member of its staff.
    a: Browser
    a_staff: Browser
    #: Firm B's administrator (connected to WorkflowMax), and a member of its staff.
    b: Browser
    b_staff: Browser
    #: Firm A's object ids of each model in OBJECT_ARGUMENTS, its plans and its users.
    objects: dict
    #: The XPM UUIDs firm A's profiles are linked to, and the other clients of its directory
    #: (which no test puts in a URL: a page of firm B's showing one has leaked).
    linked_uuids: list[str]
    directory_uuids: frozenset[str]
    #: The state of the connection firm A's administrator has started and not finished.
    pending_state: str
    #: A profile of firm B's own, and a client of its practice in WorkflowMax.
    b_profile: int
    b_client: str

    def values(self, rule: Rule, first: bool = False) -> dict[str, list]:
        """Argument values for ``rule``: firm A's objects, and firm A's linked UUIDs as well as
        the sample for a client's UUID (``first``: only the first of each)."""
        values = {name: self.objects[OBJECT_ARGUMENTS[name]] for name in object_arguments(rule)}
        if "client_uuid" in rule.arguments:
            values["client_uuid"] = [*self.linked_uuids, SAMPLE_ARGUMENTS["client_uuid"]]
        return {name: ids[:1] for name, ids in values.items()} if first else values


FIRM_A, FIRM_B = f"{MARK} Accounting (firm A)", "Rātā & Co (firm B)"
A_ADMIN, A_STAFF = f"admin@{MARK.lower()}-a.example", f"staff@{MARK.lower()}-a.example"
B_ADMIN, B_STAFF = "admin@rata-b.example", "staff@rata-b.example"
A_KEYS = f"keys@{MARK.lower()}-a.example"


def bulk_csv(rows: list[dict]) -> bytes:
    """A bulk import file of ``rows`` (dicts by column key) under the template's header."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([column.header for column in COLUMNS])
    for row in rows:
        writer.writerow([row.get(column.key, "") for column in COLUMNS])
    return buffer.getvalue().encode()


def connect(browser: Browser, provider: str) -> None:
    """Connect the browser's firm to the sandbox through the real OAuth flow."""
    started = browser.post(f"/settings/addons/{provider}/connect")
    assert started.status_code == 302, started.get_data(as_text=True)
    callback = urlsplit(approve_consent(started.headers["Location"]))
    assert browser.get(f"{callback.path}?{callback.query}").status_code == 302


def _plan(app: Flask, firm_id: int) -> str:
    with app.app_context():
        plans = database.session().scalars(
            select(SubscriptionPlan.id).where(SubscriptionPlan.firm_id == firm_id)
        )
        return str(next(iter(plans)))


def chosen(plan: str) -> dict:
    return {"subscription_plan_id": plan}


def _created(response) -> int:
    assert response.status_code in (302, 303), response.get_data(as_text=True)
    return int(urlsplit(response.headers["Location"]).path.rstrip("/").rsplit("/", 1)[1])


def _build_firm_a(app: Flask, a: Browser, firm_a: int) -> str:
    """Firm A's data, made as its staff make it; returns the state of a connect left open."""
    plan = _plan(app, firm_a)
    connect(a, "xpm")
    with app.app_context():
        found = practice_api(database.session(), firm_a).search(CHAIN_COMPANY, detailed=True)
    holdings = next(c.uuid for c in found if c.name == CHAIN_COMPANY)
    form = {"kind": "company", "company_type_code": "limited_small", **chosen(plan)}
    _created(a.post(f"/clients/import/xpm/{holdings}", form))  # with its related parties
    company = _created(
        a.post(
            "/clients/new/company",
            {"name": f"{MARK} Holdings Limited", "company_type_code": "ltc", **chosen(plan)},
        )
    )
    a.post(
        "/clients/new/trust",
        {"name": f"{MARK} Family Trust", "trust_type_code": "family", **chosen(plan)},
    )
    person = _created(
        a.post(
            "/clients/new/individual",
            {"first_name": "Aroha", "last_name": MARK, **chosen(plan)},
        )
    )
    a.post("/settings/structures/", {"structure": f"{MARK} Partnership", "kind": "company"})
    bad = {"client_reference": f"{MARK}-1", "kind": "company", "name": f"{MARK} Bad Co"}
    good = {
        "client_reference": f"{MARK}-2",
        "kind": "company",
        "name": f"{MARK} Bulk Limited",
        "company_type": "Limited company (small)",
        "subscription_plan": "Standard",
    }
    for rows, start in (([bad, good], False), ([good], True)):
        upload = {"file": (io.BytesIO(bulk_csv(rows)), f"{MARK}-clients.csv")}
        batch = _created(a.post("/clients/bulk/", upload, content_type="multipart/form-data"))
        if start:
            assert a.post(f"/clients/bulk/{batch}/import").status_code == 303
            settle(app)
    # What no page makes by itself: a contact XPM told too little about, a relationship
    # between manual profiles, and a WorkflowMax connection waiting for its practice.
    unknown = f"{MARK} Contact of unknown kind"
    practice = {"id": "zqxa-connection", "tenant_id": "zqxa-tenant", "name": f"{MARK} Practice"}
    with app.app_context():
        session = database.session()
        with database.writing(session):
            session.add_all(
                [
                    Profile(
                        firm_id=firm_a,
                        kind="unknown",
                        standing="contact",
                        name=unknown,
                        sort_name=fold(unknown),
                    ),
                    Association(
                        firm_id=firm_a, profile_id=company, party_id=person, role="director"
                    ),
                    XpmConnection(
                        firm_id=firm_a,
                        provider="workflowmax",
                        status="choosing",
                        tenant_choices=[practice],
                    ),
                ]
            )
    assert a.get("/clients/add").status_code == 200  # reads the practice into the directory
    # Started last, so this browser's session still expects it (the callback checks that).
    started = a.post("/settings/addons/workflowmax/connect")
    assert started.status_code == 302
    return parse_qs(urlsplit(started.headers["Location"]).query)["state"][0]


def _of_firm(model, firm_id: int):
    """The ids of ``model``'s rows that belong to the firm (passkeys through their user)."""
    if model is Passkey:
        statement = select(Passkey.id).join(User).where(User.firm_id == firm_id)
    else:
        statement = select(model.id).where(model.firm_id == firm_id)
    return statement.order_by(model.id)


def _with_a_passkey(app: Flask, user_id: int) -> None:
    """A passkey row for a member of firm A who never signs in here (a passkey makes signing
    in ask for it)."""
    with app.app_context():
        session = database.session()
        with database.writing(session):
            session.add(
                Passkey(user_id=user_id, credential_id=b"zqxa-key", public_key=b"\x00", name=MARK)
            )


def build_world(app: Flask) -> World:
    _, firm_a = make_user(app, FIRM_A, A_ADMIN, admin=True)
    make_user(app, FIRM_A, A_STAFF)
    _with_a_passkey(app, make_user(app, FIRM_A, A_KEYS)[0])
    _, firm_b = make_user(app, FIRM_B, B_ADMIN, admin=True)
    make_user(app, FIRM_B, B_STAFF)
    a = Browser(app).sign_in(A_ADMIN)
    pending_state = _build_firm_a(app, a, firm_a)
    b = Browser(app).sign_in(B_ADMIN)
    connect(b, "workflowmax")
    b_profile = _created(
        b.post(
            "/clients/new/company",
            {
                "name": "Rātā Own Holdings Limited",
                "company_type_code": "limited_small",
                "subscription_plan_id": _plan(app, firm_b),
            },
        )
    )
    settle(app)
    with app.app_context():
        session = database.session()
        b_client = practice_api(session, firm_b, "workflowmax").search(CHAIN_COMPANY)[0].uuid
        objects = {
            model: list(session.scalars(_of_firm(model, firm_a)))
            for model in {*OBJECT_ARGUMENTS.values(), SubscriptionPlan, User}
        }
        linked = session.scalars(
            select(Profile.xpm_client_uuid).where(
                Profile.firm_id == firm_a, Profile.xpm_client_uuid.is_not(None)
            )
        )
        linked_uuids = sorted(linked)
        listed = session.scalars(
            select(DirectoryEntry.client_uuid).where(DirectoryEntry.firm_id == firm_a)
        )
        directory_uuids = frozenset(listed) - set(linked_uuids)
    for name, model in OBJECT_ARGUMENTS.items():
        assert objects[model], f"build_world stores no {model.__name__} for <{name}> in firm A"
    assert linked_uuids, "firm A has no profile linked to XPM"
    assert directory_uuids, "firm A's directory is empty"
    return World(
        app=app,
        firm_a=firm_a,
        firm_b=firm_b,
        a=a,
        a_staff=Browser(app).sign_in(A_STAFF),
        b=b,
        b_staff=Browser(app).sign_in(B_STAFF),
        objects=objects,
        linked_uuids=linked_uuids,
        directory_uuids=directory_uuids,
        pending_state=pending_state,
        b_profile=b_profile,
        b_client=b_client,
    )


@pytest.fixture(scope="module")
def security_app(database_url, sandbox_url):
    """The portal with CSRF on, its providers pointing at the sandbox; emptied afterwards.

    The sandbox's call counts and rate-limit windows are cleared first (as ``sandbox_control``
    does around every test): each module starts with a whole minute of XPM's calls.
    """
    control = requests.post(f"{sandbox_url}/_control/reset", headers=CONTROL, json={}, timeout=60)
    control.raise_for_status()
    providers = sandbox.provider_urls(sandbox_url)
    app = create_app(settings_for(database_url, WTF_CSRF_ENABLED=True, **providers))
    yield app
    settle(app)
    empty_tables(app)


@pytest.fixture(scope="module")
def world(security_app) -> World:
    """Built once per module and lane: the tests send requests that must change nothing."""
    return build_world(security_app)

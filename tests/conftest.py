"""Fixtures in flaskr's shape: ``app`` on a migrated database, ``client``, ``runner``, ``auth``.

Every test that uses ``app`` runs once per database lane: SQLite always, PostgreSQL too
when ``PORTAL_TEST_DATABASE_URL`` is set. Outbound connections beyond this machine fail.
"""

import ipaddress
import os
import socket
from contextlib import contextmanager

import pytest
from cryptography.fernet import Fernet
from flask import Flask
from jinja2.bccache import Bucket, BytecodeCache
from sqlalchemy import create_engine, event, make_url, text
from sqlalchemy.engine import Engine
from werkzeug.routing import Rule

from portal import create_app, database
from portal.auth import service as auth_service
from portal.database import Base
from portal.migrate import upgrade

pytest_plugins = ["tests.sandboxed"]

PASSWORD = "correct horse battery staple"
REFERENCE_TABLES = {"company_types", "trust_types"}
#: A value for each URL argument, so a test can request every route in the URL map.
SAMPLE_ARGUMENTS = {
    "kind": "company",
    "profile_id": 1,
    "other_id": 2,
    "key": "xpm",
    "filename": "css/portal.css",
    "import_id": 1,
    "provider": "xpm",
    "client_uuid": "0f6f2c1e-4b7a-4c1e-9a57-3f2b1d0c9e11",
    "mapping_id": 1,
    "passkey_id": 1,
    "user_id": 1,
    "association_id": 1,
    "number": "9429041234567",
    "token": "no-such-upload",
}
LANES = ["sqlite"] + (["postgresql"] if os.environ.get("PORTAL_TEST_DATABASE_URL") else [])


# --- Several test processes (pytest-xdist): a PostgreSQL database each -------------------
def pytest_configure(config):
    """``make test`` runs the suite in two processes (``-n 2``). Each empties and migrates
    the PostgreSQL database it is given, so each worker is given one of its own, named after
    the test database (``test_gw0``, ``test_gw1``), made afresh here and dropped at the end.
    Everything that reads ``PORTAL_TEST_DATABASE_URL`` afterwards reads the worker's."""
    worker, base = os.environ.get("PYTEST_XDIST_WORKER"), os.environ.get("PORTAL_TEST_DATABASE_URL")
    if not worker or not base:
        return
    own = make_url(base).set(database=f"{make_url(base).database}_{worker}")
    _recreate_database(base, own.database)
    os.environ["PORTAL_TEST_DATABASE_URL"] = own.render_as_string(hide_password=False)
    config.portal_worker_database = (base, own.database)


def pytest_xdist_make_scheduler(config, log):
    """Under ``-n`` (xdist's ``load``), the browser tests go to one process, one after
    another, and the other tests are shared out one by one. Two Chromiums at once on a
    2-core machine made every browser test slower and its waits closer to their limits.
    (xdist's own ``loadgroup`` cannot do this under pytest 9: it renames nodes by an
    attribute pytest no longer reads.)"""
    if config.getvalue("dist") != "load":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class BrowserTestsTogether(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return "tests/browser" if nodeid.startswith("tests/browser/") else nodeid

    return BrowserTestsTogether(config, log)


def pytest_unconfigure(config):
    made = getattr(config, "portal_worker_database", None)
    if made:
        _recreate_database(*made, create=False)


def _recreate_database(base: str, name: str, create: bool = True) -> None:
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        if create:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()


# --- No test reaches beyond this machine -------------------------------------------------
_real_connect = socket.socket.connect


def _guarded_connect(sock, address):
    host = address[0] if isinstance(address, tuple) else None
    if host is not None:
        try:
            local = ipaddress.ip_address(host).is_loopback
        except ValueError:
            local = host == "localhost"
        if not local:
            raise RuntimeError(f"Test tried to reach {host}: tests never leave this machine")
    return _real_connect(sock, address)


@pytest.fixture(autouse=True, scope="session")
def _no_outbound_network():
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(socket.socket, "connect", _guarded_connect)
        yield


# --- Templates compiled once per run --------------------------------------------------------
class CompiledTemplates(BytecodeCache):
    """Every test builds its own application, whose Jinja environment would compile each
    template again: a good part of the suite's time. Jinja checks each template's source
    against what was compiled, so a changed template is compiled afresh. The compiled code
    depends on the environment too (``finalize``, the extensions): the portal's and the
    standalone sandbox's render the same sandbox templates, so each keeps its own."""

    def __init__(self):
        self.compiled: dict[str, bytes] = {}

    def get_bucket(self, environment, name, filename, source) -> Bucket:
        finalize = getattr(environment.finalize, "__qualname__", None)
        settings = repr((finalize, sorted(environment.extensions)))
        key = self.get_cache_key(name, filename) + "|" + settings
        bucket = Bucket(environment, key, self.get_source_checksum(source))
        self.load_bytecode(bucket)
        return bucket

    def load_bytecode(self, bucket) -> None:
        if bucket.key in self.compiled:
            bucket.bytecode_from_string(self.compiled[bucket.key])

    def dump_bytecode(self, bucket) -> None:
        self.compiled[bucket.key] = bucket.bytecode_to_string()


@pytest.fixture(autouse=True, scope="session")
def _templates_compiled_once():
    compiled, create = CompiledTemplates(), Flask.create_jinja_environment

    def environment(app):
        made = create(app)
        made.bytecode_cache = compiled
        return made

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Flask, "create_jinja_environment", environment)
        yield


# --- URL rules compiled once per run --------------------------------------------------------
@pytest.fixture(autouse=True, scope="session")
def _url_builders_compiled_once():
    """Werkzeug compiles a function that builds each rule's URLs when the rule joins an
    application's URL map: most of the time ``create_app`` takes, again for every test's
    application. The function depends only on the rule's parts and defaults (it is handed
    the rule it builds for), so the same rule in the next application reuses it."""
    compile_builder = getattr(Rule, "_compile_builder", None)
    if compile_builder is None:  # another werkzeug: compile as it does
        yield
        return
    builders: dict[tuple, object] = {}

    def compiled_once(rule, append_unknown=True):
        defaults = sorted((rule.defaults or {}).items())
        key = (rule.rule, repr(rule._trace), repr(defaults), append_unknown)
        if key not in builders:
            builders[key] = compile_builder(rule, append_unknown)
        return builders[key]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Rule, "_compile_builder", compiled_once)
        yield


# --- Databases ---------------------------------------------------------------------------
#: The lanes' databases, with the one engine every application on each of them shares.
SHARED_ENGINES: dict[str, Engine | None] = {}


@pytest.fixture(autouse=True, scope="session")
def _one_engine_per_lane():
    """Every test's application would make an engine of its own, and SQLAlchemy keeps the
    SQL it has compiled per engine: each test compiled every statement again, a good part of
    the suite's time. The applications on a lane's database share one engine instead (it is
    configured by ``portal.database.make_engine`` all the same); any other database gets its own."""
    make_engine = database.make_engine

    def shared(url: str) -> Engine:
        if url not in SHARED_ENGINES:
            return make_engine(url)
        if SHARED_ENGINES[url] is None:
            SHARED_ENGINES[url] = make_engine(url)
        return SHARED_ENGINES[url]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(database, "make_engine", shared)
        yield
    for engine in filter(None, SHARED_ENGINES.values()):
        engine.dispose()


def reset_postgresql(url: str) -> None:
    """Drop everything in the PostgreSQL test database's public schema."""
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(scope="session", params=LANES)
def database_url(request, tmp_path_factory):
    """A database migrated from empty to the newest revision, once per lane."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'portal.db'}"
    else:
        url = os.environ["PORTAL_TEST_DATABASE_URL"]
        reset_postgresql(url)
    upgrade(url)
    SHARED_ENGINES[url] = None
    return url


def settings_for(database_url: str, **overrides) -> dict:
    """The tests' settings: argon2's cheapest parameters outside production (which refuses
    them), so that signing in costs milliseconds; tests/auth/test_passwords.py checks OWASP's."""
    production = overrides.get("PORTAL_ENV") == "production"
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key-that-is-long-enough-to-pass",
        "PORTAL_TOKEN_KEY": Fernet.generate_key().decode(),
        "DATABASE_URL": database_url,
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_STORAGE_URI": "memory://",
        # Tests of what an import does wait for it; tests/importing/test_runs.py covers the
        # pages that answer before XPM does (the product waits half a second).
        "IMPORT_REQUEST_WAIT": 20,
        # A failed XPM call is still tried three times, a moment apart rather than seconds.
        "XPM_RETRY_BACKOFF": 0.01,
        "PASSWORD_HASHER": "owasp" if production else "cheapest",
        **overrides,
    }


@contextmanager
def statements_run(app):
    """The SQL statements ``app``'s engine runs inside the ``with`` block, as a list."""
    with app.app_context():
        engine = database.engine()
    seen: list[str] = []

    def listener(*args) -> None:
        seen.append(args[2])

    event.listen(engine, "before_cursor_execute", listener)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", listener)


def empty_tables(app) -> None:
    """Delete every row except the reference lists, children first."""
    with app.app_context():
        with database.engine().begin() as connection:
            for table in reversed(Base.metadata.sorted_tables):
                if table.name not in REFERENCE_TABLES:
                    connection.execute(table.delete())
        database.engine().dispose()


@pytest.fixture
def app(database_url):
    app = create_app(settings_for(database_url))
    yield app
    empty_tables(app)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


# --- Firms, users, signing in --------------------------------------------------------------
def make_user(app, firm_name="Kōwhai Accounting", email="staff@kowhai.example", admin=False):
    with app.app_context():
        session = database.session()
        with database.writing(session):
            firm = auth_service.get_or_create_firm(session, firm_name)
            user = auth_service.create_user(session, firm, email, PASSWORD, admin)
        return user.id, firm.id


@pytest.fixture
def user(app):
    """(user id, firm id) of a staff member of the first firm."""
    return make_user(app, admin=True)


@pytest.fixture
def other_firm_user(app):
    return make_user(app, firm_name="Rātā & Co", email="staff@rata.example")


class AuthActions:
    def __init__(self, client):
        self._client = client

    def login(self, email="staff@kowhai.example", password=PASSWORD, **kwargs):
        return self._client.post("/login", data={"email": email, "password": password}, **kwargs)

    def logout(self):
        return self._client.post("/logout")


@pytest.fixture
def auth(client):
    return AuthActions(client)


@pytest.fixture
def signed_in(user, auth):
    """A client signed in as the first firm's administrator."""
    response = auth.login()
    assert response.status_code == 302
    return user

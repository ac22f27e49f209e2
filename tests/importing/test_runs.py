"""No request waits on XPM for more than a moment: the import form fills itself in once XPM
answers, Create shows its progress until the profile opens, and what one worker read or
started, another worker sees (through Redis)."""

import threading
import time
import uuid

import pytest
import redis
from sqlalchemy import select

from portal import create_app, database, shared
from portal.addons.api import app_limiter
from portal.importing import memory
from portal.models import Profile, XpmConnection
from portal.sandbox.fixtures import CHAIN_COMPANY
from portal.xpm import Limits
from portal.xpm.factory import limiter_from_url
from tests.conftest import PASSWORD, empty_tables, make_user, settings_for
from tests.importing.sandboxed import counts, find, import_url, profile_named
from tests.importing.test_views import company_form
from tests.panel.conftest import drain
from tests.sandboxed import connect_portal
from tests.xpm.conftest import REDIS_URL

HTMX = {"HX-Request": "true", "HX-Target": "add-client-body"}


class SteeredClock:
    """The XPM limiter's time: the real time, moved on when a test says so; a call waiting
    for a slot looks again at once when it is, so a test need not wait for a minute to pass."""

    def __init__(self):
        self.ahead = 0.0
        self._moved = threading.Condition()

    def __call__(self) -> float:
        return time.monotonic() + self.ahead

    def sleep(self, seconds: float) -> None:
        with self._moved:
            self._moved.wait(seconds)

    def advance(self, seconds: float) -> None:
        with self._moved:
            self.ahead += seconds
            self._moved.notify_all()


@pytest.fixture
def limiter_clock(app):
    """The application's limiter, as limiter_from_config makes it, on a ``SteeredClock``."""
    clock = SteeredClock()
    app.extensions["xpm_limiter"] = limiter_from_url(
        None, limits=Limits.for_portal(), clock=clock, sleep=clock.sleep
    )
    return clock


@pytest.fixture
def holdings(app, connected):
    app.config["IMPORT_REQUEST_WAIT"] = 0  # answer at once, whatever XPM is doing
    return find(app, connected[1], CHAIN_COMPANY, "Company")


def test_the_form_fills_itself_in_when_xpm_has_answered(app, client, holdings, sandbox_control):
    waiting = client.get(import_url(holdings), headers=HTMX).get_data(as_text=True)
    assert "Reading this client from Xero Practice Manager…" in waiting
    assert f'hx-get="{import_url(holdings)}?waiting=1" hx-trigger="load delay:1s"' in waiting
    assert 'role="status"' in waiting and "Create" not in waiting
    drain(app)
    form = client.get(import_url(holdings), headers=HTMX).get_data(as_text=True)
    assert "Still needed: Company type, Subscription plan" in form and "hx-trigger" not in form
    assert sandbox_control.calls()["client.api/get"] == 1  # read once, for both requests


def test_create_shows_its_progress_until_the_profile_opens(app, client, holdings, connected):
    client.get(import_url(holdings), headers=HTMX)
    drain(app)
    started = client.post(import_url(holdings), data=company_form(app, connected[1]), headers=HTMX)
    page = started.get_data(as_text=True)
    progress = f"{import_url(holdings)}/progress"
    assert "Importing from Xero Practice Manager" in page and f'hx-get="{progress}"' in page
    again = client.post(import_url(holdings), data=company_form(app, connected[1]), headers=HTMX)
    assert "Importing from Xero Practice Manager" in again.get_data(as_text=True)  # joins it
    drain(app)
    done = client.get(progress, headers=HTMX)
    profile = profile_named(app, CHAIN_COMPANY)
    assert done.headers["HX-Redirect"] == f"/clients/{profile.id}"
    opened = client.get(done.headers["HX-Redirect"]).get_data(as_text=True)
    assert "Imported Kōwhai Holdings Limited with" in opened
    assert client.get(progress).headers["Location"] == f"/clients/{profile.id}"  # no JavaScript
    with app.app_context():
        stored = (
            database.session().scalars(select(Profile).where(Profile.name == CHAIN_COMPANY)).all()
        )
    assert len(stored) == 1


def test_a_failed_read_is_told_once_and_try_again_reads_afresh(
    app, client, holdings, sandbox_control
):
    sandbox_control("POST", "faults", json={"fault": "503", "endpoints": ["client.api/get"]})
    client.get(import_url(holdings), headers=HTMX)
    drain(app)
    failed = client.get(import_url(holdings), headers=HTMX).get_data(as_text=True)
    assert "Xero Practice Manager is not answering right now" in failed and "Try again" in failed
    sandbox_control("DELETE", "faults")
    client.get(import_url(holdings), headers=HTMX)  # Try again
    drain(app)
    form = client.get(import_url(holdings), headers=HTMX).get_data(as_text=True)
    assert "Still needed: Company type" in form


def test_an_import_that_fails_says_so_on_its_progress(
    app, client, holdings, connected, sandbox_control
):
    client.get(import_url(holdings), headers=HTMX)
    drain(app)
    before = counts(app)
    sandbox_control("POST", "faults", json={"fault": "503", "endpoints": ["client.api/get"]})
    client.post(import_url(holdings), data=company_form(app, connected[1]), headers=HTMX)
    drain(app)
    failed = client.get(f"{import_url(holdings)}/progress", headers=HTMX).get_data(as_text=True)
    assert "Nothing was imported. Xero Practice Manager is not answering" in failed
    assert "Importing again is safe" in failed
    assert counts(app) == before


def test_progress_with_nothing_under_way_goes_back_to_the_form(client, holdings):
    answer = client.get(f"{import_url(holdings)}/progress")
    assert answer.status_code == 302 and answer.headers["Location"] == import_url(holdings)


@pytest.fixture
def shared_redis():
    """A key prefix of this test's own in the local Redis, or a skip that says why."""
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=0.5)
    try:
        client.ping()
    except redis.RedisError as error:
        pytest.skip(f"Redis is not reachable at {REDIS_URL} ({error})")
    prefix = f"test:shared:{uuid.uuid4().hex}:"
    yield prefix
    for key in client.scan_iter(f"{prefix}*"):
        client.delete(key)


def test_what_one_worker_read_and_imported_another_sees(
    database_url, sandbox_url, sandbox_control, shared_redis
):
    settings = settings_for(database_url, REDIS_URL=REDIS_URL, SHARED_KEY_PREFIX=shared_redis)
    one, two = create_app(settings), create_app(settings)  # two workers, one database
    try:
        _, firm_id = make_user(one, admin=True)
        first, second = one.test_client(), two.test_client()
        for worker in (first, second):
            worker.post("/login", data={"email": "staff@kowhai.example", "password": PASSWORD})
        connect_portal(one, first, sandbox_url)
        two.config.update(one.config)  # the same provider settings
        for app in (one, two):
            app.config["IMPORT_REQUEST_WAIT"] = 0
        holdings = find(one, firm_id, CHAIN_COMPANY, "Company")
        sandbox_control("POST", "reset", json={})
        slow = {"latency_ms": 700, "endpoints": ["client.api/get"], "count": 1}
        sandbox_control("POST", "faults", json=slow)  # XPM takes its time to answer

        first.get(import_url(holdings), headers=HTMX)  # worker one starts reading
        waiting = second.get(import_url(holdings), headers=HTMX).get_data(as_text=True)
        assert "Reading this client" in waiting  # worker two knows, and does not read too
        drain(one)
        form = second.get(import_url(holdings), headers=HTMX).get_data(as_text=True)
        assert "Still needed: Company type" in form
        assert sandbox_control.calls() == {"client.api/get": 1}

        first.post(import_url(holdings), data=company_form(one, firm_id), headers=HTMX)
        joined = second.post(import_url(holdings), data=company_form(one, firm_id), headers=HTMX)
        assert "Importing from" in joined.get_data(as_text=True)  # the same import
        drain(one)
        done = second.get(f"{import_url(holdings)}/progress", headers=HTMX)
        assert done.headers["HX-Redirect"].startswith("/clients/")
        assert sandbox_control.calls()["client.api/get"] == 1 + 9  # the reviewed client once
    finally:
        drain(one)
        drain(two)
        empty_tables(one)


def test_a_form_left_while_xpm_is_busy_spends_no_call(
    app, limiter_clock, client, holdings, sandbox_control, monkeypatch
):
    monkeypatch.setattr(memory, "WANTED_SECONDS", 0.5)
    with app.app_context():
        tenant = "xpm:" + database.session().scalar(select(XpmConnection.tenant_id))
        app_limiter().pause(tenant, 3, "minute")  # every call of the practice waits
    sandbox_control("POST", "reset", json={})
    client.get(import_url(holdings), headers=HTMX)  # opened, then left at once
    drain(app)
    assert sandbox_control.calls() == {}  # given up, not asked
    assert "Reading this client" in client.get(import_url(holdings), headers=HTMX).text
    limiter_clock.advance(3)  # the practice's calls are free again
    for _ in range(40):  # looked at again, as the page asks each second: read once free
        page = client.get(import_url(holdings) + "?waiting=1", headers=HTMX).text
        if "Still needed" in page:
            break
        time.sleep(0.25)
    assert "Still needed" in page
    assert sandbox_control.calls() == {"client.api/get": 1}


def test_an_import_waiting_for_the_next_minute_says_so(
    app, limiter_clock, client, holdings, connected
):
    client.get(import_url(holdings), headers=HTMX)
    drain(app)
    with app.app_context():
        tenant = "xpm:" + database.session().scalar(select(XpmConnection.tenant_id))
        app_limiter().pause(tenant, 8, "minute")  # the practice's calls are spent
        store = shared.store()
    client.post(import_url(holdings), data=company_form(app, connected[1]), headers=HTMX)
    key = memory.key(connected[1], "xpm", holdings)
    state = memory.import_state(store, key)
    memory.save_import(store, key, {**state, "started": state["started"] - 6})
    page = client.get(f"{import_url(holdings)}/progress", headers=HTMX).text
    assert "Your practice has used this minute's calls to Xero Practice Manager" in page
    limiter_clock.advance(8)  # the next minute
    drain(app)
    assert "HX-Redirect" in client.get(f"{import_url(holdings)}/progress", headers=HTMX).headers

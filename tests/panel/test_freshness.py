"""Keeping the directory fresh, confirming searches with XPM, and saying when XPM fails."""

import re
from datetime import timedelta
from html import unescape

import pytest
from sqlalchemy import update

from portal import database
from portal.addons.api import app_limiter
from portal.database import utcnow, writing
from portal.models import DirectorySync
from tests.panel.conftest import HX, drain, fragment

ROW = re.compile(r'<li id="client-([^"]+)" role="option"')


def rows(response) -> list[str]:
    return ROW.findall(response.get_data(as_text=True))


def add_client(sandbox_control, name: str, **fields) -> str:
    return sandbox_control("POST", "clients", json={"Name": name, **fields})["uuid"]


def make_refresh_due(app) -> None:
    """Let a minute pass, as far as the directory is concerned."""
    with app.app_context():
        session = database.session()
        with writing(session):
            past = utcnow() - timedelta(seconds=1)
            session.execute(update(DirectorySync).values(next_refresh_at=past))


def test_a_client_added_in_xpm_a_minute_ago_is_found_by_confirming(client, synced, sandbox_control):
    uuid = add_client(sandbox_control, "Zyzzyva Orchards Limited")
    first = fragment(client, "/clients/add/results", q="zyzzyva")
    assert not rows(first) and 'hx-get="/clients/add/confirm?q=zyzzyva"' in first.text

    confirmed = fragment(client, "/clients/add/confirm", q="zyzzyva")
    assert confirmed.status_code == 200 and rows(confirmed) == [uuid]
    assert "1 client matches “zyzzyva”" in confirmed.text
    assert confirmed.headers["X-Panel-Query"] == "q=zyzzyva&archived="
    # XPM's search does not say whether a client is active: a client it finds that the
    # directory does not hold costs one read of the changes, which lists it as active.
    both = {"client.api/search": 1, "client.api/list": 1}
    assert sandbox_control.calls() == both
    assert "Archived" not in confirmed.text and "not known" not in confirmed.text

    # Remembered for a minute, with every longer search inside it: no more calls.
    assert fragment(client, "/clients/add/confirm", q="zyzzyva").status_code == 204
    longer = fragment(client, "/clients/add/results", q="Zyzzyva Or")
    assert rows(longer) == [uuid] and "/confirm" not in longer.text
    assert sandbox_control.calls() == both


def test_a_client_only_xpms_search_finds_is_archived_or_deleted(client, synced, sandbox_control):
    # Kauri Timber Limited was archived years ago: paged-list leaves it out, and so does
    # the change listing; XPM's search finds it but does not say it is archived.
    confirmed = fragment(client, "/clients/add/confirm", q="kauri timber")
    assert sandbox_control.calls() == {"client.api/search": 1, "client.api/list": 1}
    assert rows(confirmed) == []
    shown = fragment(client, "/clients/add/results", q="kauri timber", archived="1")
    assert len(rows(shown)) == 1 and "Archived or deleted</span>" in shown.text
    fragment(client, "/clients/add/confirm", q="kauri timber limited")  # nothing new: no read
    assert sandbox_control.calls() == {"client.api/search": 1, "client.api/list": 1}


def test_confirming_what_changed_nothing_answers_204(client, synced, sandbox_control):
    fragment(client, "/clients/add/confirm", q="kowhai")  # details (company numbers) came in
    assert sandbox_control.calls() == {"client.api/search": 1}
    assert fragment(client, "/clients/add/confirm", q="kowhai").status_code == 204
    assert fragment(client, "/clients/add/confirm", q="ko").status_code == 204  # too short
    assert sandbox_control.calls() == {"client.api/search": 1}


def test_the_incremental_refresh_picks_up_added_and_archived_clients(
    app, client, synced, sandbox_control
):
    before = fragment(client, "/clients/add/results", q="kowhai")
    archived, *_ = rows(before)
    added = add_client(sandbox_control, "Quince Kiwifruit Limited", BusinessStructure="LTC")
    sandbox_control("PATCH", f"clients/{archived}", json={"IsArchived": "Yes"})
    try:
        make_refresh_due(app)
        opened = fragment(client, "/clients/add")
        assert "Checking Xero Practice Manager for changes" in opened.text
        poll = re.search(r'hx-get="([^"]+)" hx-trigger="load delay:1s"', opened.text)
        drain(app)
        assert sandbox_control.calls() == {"client.api/list": 1}  # one call, modifiedsince

        status = fragment(client, unescape(poll.group(1)))
        assert status.headers["HX-Trigger"] == "panel-directory-changed"
        assert "checked with Xero Practice Manager just now" in status.text
        assert "hx-trigger" not in status.text  # done: no more polling

        after = fragment(client, "/clients/add/results", q="kowhai")
        assert archived not in rows(after)
        assert rows(fragment(client, "/clients/add/results", q="quince kiwi")) == [added]
        everything = fragment(client, "/clients/add/results", q="kowhai", archived="1")
        assert archived in rows(everything) and "Archived</span>" in everything.text
    finally:
        sandbox_control("PATCH", f"clients/{archived}", json={"IsArchived": "No"})


def fault(sandbox_control, kind: str, endpoint: str, **extra) -> None:
    sandbox_control("POST", "faults", json={"fault": kind, "endpoints": [endpoint], **extra})


@pytest.mark.parametrize(
    ("kind", "extra", "reason"),
    [
        ("503", {}, "is not answering right now"),
        ("429", {"retry_after": 120}, "limit of 60 calls a minute"),
        ("malformed", {}, "could not read safely"),
        ("encoding", {"encoding": "Shift_JIS"}, "it says its text is in Shift_JIS, not UTF-8"),
        ("trickle", {"bytes_per_second": 50}, "had not answered in full after 1 second"),
    ],
)
def test_when_xpm_fails_the_search_is_answered_locally_with_a_notice(
    app, client, synced, sandbox_control, kind, extra, reason
):
    app.config.update(XPM_CALL_DEADLINE=1, PANEL_CONFIRM_WAIT=10)  # a trickle is cut soon
    local = rows(fragment(client, "/clients/add/results", q="kowhai"))
    fault(sandbox_control, kind, "client.api/search", **extra)
    response = fragment(client, "/clients/add/confirm", q="kowhai")
    assert response.status_code == 200 and rows(response) == local
    text = response.text
    assert "could not be asked about this search just now" in text and reason in text
    assert "come from the portal's copy of your client list" in text


def test_out_of_quota_is_answered_locally_with_a_notice(app, client, synced, sandbox_control):
    with app.app_context():
        app_limiter().pause("xpm:" + connected_tenant(app), 3 * 3600, "day")
    response = fragment(client, "/clients/add/confirm", q="kowhai")
    assert rows(response) == rows(fragment(client, "/clients/add/results", q="kowhai"))
    assert "pacing its calls" in response.text and "in about 3 hours" in response.text
    assert sandbox_control.calls() == {}


def test_a_slow_xpm_does_not_hold_the_panel(app, client, synced, sandbox_control):
    app.config["PANEL_CONFIRM_WAIT"] = 0.3
    sandbox_control("POST", "faults", json={"latency_ms": 1000, "endpoints": ["client.api/search"]})
    response = fragment(client, "/clients/add/confirm", q="kowhai")
    assert rows(response) and "taking too long to answer" in response.text


def test_a_failed_refresh_says_the_list_may_be_out_of_date(app, client, synced, sandbox_control):
    fault(sandbox_control, "503", "client.api/list")
    make_refresh_due(app)
    fragment(client, "/clients/add")
    drain(app)
    body = fragment(client, "/clients/add").text
    assert "Results may be out of date." in body and "is not answering right now" in body
    assert "Showing your client list as read from Xero Practice Manager" in body
    assert len(rows(fragment(client, "/clients/add"))) == 25  # still answered locally
    sandbox_control("DELETE", "faults")
    make_refresh_due(app)
    fragment(client, "/clients/add")
    drain(app)
    assert "out of date" not in fragment(client, "/clients/add").text


def test_answers_name_the_search_they_answer(client, synced):
    for url in ("/clients/add", "/clients/add/results", "/clients/add/status"):
        response = client.get(url, query_string={"q": "Tūī & co", "archived": "1"}, headers=HX)
        assert response.headers["X-Panel-Query"] == "q=T%C5%AB%C4%AB+%26+co&archived=1"


def connected_tenant(app) -> str:
    from sqlalchemy import select

    from portal.models import XpmConnection

    with app.app_context():
        return database.session().scalar(select(XpmConnection.tenant_id))


def test_the_first_read_shows_progress_then_tells_the_panel_to_reload(
    app, client, connected, sandbox_control
):
    sandbox_control(
        "POST", "faults", json={"latency_ms": 500, "endpoints": ["client.api/paged-list"]}
    )
    opened = fragment(client, "/clients/add")
    assert "Reading your client list from Xero Practice Manager" in opened.text
    assert "No clients yet: they appear here as they are read" in opened.text
    poll = re.search(r'hx-get="([^"]+)" hx-trigger="load delay:1s"', opened.text)
    reading = fragment(client, unescape(poll.group(1)))
    assert "Reading your client list" in reading.text and "HX-Trigger" not in reading.headers
    drain(app)
    done = fragment(client, unescape(poll.group(1)))
    assert done.headers["HX-Trigger"] == "panel-directory-changed"
    assert "checked with Xero Practice Manager just now" in done.text
    assert len(rows(fragment(client, "/clients/add/results"))) == 25

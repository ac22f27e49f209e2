"""The audit log page: administrators read their own firm's log, filtered; nobody edits it."""

from datetime import datetime

import pytest
from sqlalchemy import func, select

from portal import audit, database
from portal.models import AuditEvent
from tests.conftest import make_user


def add_event(
    app, firm_id, user_id=None, action="profile_edited", when=None, address=None, **values
):
    with app.app_context():
        session = database.session()
        with database.writing(session):
            event = audit.record(
                session, action, address=address, firm_id=firm_id, user_id=user_id, **values
            )
            if when:
                event.occurred_at = when


def event_count(app):
    with app.app_context():
        return database.session().scalar(select(func.count(AuditEvent.id)))


def test_administrators_read_the_log(app, client, signed_in):
    user_id, firm_id = signed_in
    add_event(app, firm_id, user_id, summary="Edited Kōwhai Holdings Limited: phone")
    page = client.get("/audit/").get_data(as_text=True)
    assert "Audit log" in page
    assert "Edited Kōwhai Holdings Limited: phone" in page
    assert "Profile edited" in page and "Sign-in" in page  # labels a person reads
    assert "staff@kowhai.example" in page and "Succeeded" in page
    assert "cannot be edited or deleted" in page


def test_times_are_new_zealand_time(app, client, signed_in):
    add_event(app, signed_in[1], when=datetime(2026, 1, 15, 22, 30), summary="Late one")
    page = client.get("/audit/").get_data(as_text=True)
    assert "16 Jan 2026, 11:30 am" in page  # NZDT is UTC+13


def test_staff_who_are_not_administrators_are_refused(app, client, auth):
    make_user(app, email="clerk@kowhai.example", admin=False)
    auth.login(email="clerk@kowhai.example")
    assert client.get("/audit/").status_code == 403
    assert "Audit log" not in client.get("/clients/").get_data(as_text=True)


def test_administrators_see_the_link(client, signed_in):
    page = client.get("/clients/").get_data(as_text=True)
    assert 'href="/audit/"' in page and ">Audit log<" in page


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_the_log_cannot_be_changed(app, client, signed_in, method):
    before = event_count(app)
    response = getattr(client, method)("/audit/", data={"id": 1})
    assert response.status_code == 405
    assert event_count(app) == before


def test_filter_by_user_action_and_date(app, client, signed_in):
    user_id, firm_id = signed_in
    other_id, _ = make_user(app, email="second@kowhai.example")
    add_event(app, firm_id, user_id, when=datetime(2026, 3, 1, 1), summary="March, me")
    add_event(app, firm_id, other_id, when=datetime(2026, 3, 2, 1), summary="March, second")
    add_event(app, firm_id, other_id, "bulk_import", datetime(2026, 5, 1, 1), summary="May bulk")

    def shown(**args):
        page = client.get("/audit/", query_string=args).get_data(as_text=True)
        return {s for s in ("March, me", "March, second", "May bulk") if s in page}

    assert shown(user=other_id) == {"March, second", "May bulk"}
    assert shown(action="bulk_import") == {"May bulk"}
    assert shown(**{"from": "2026-03-02", "to": "2026-03-31"}) == {"March, second"}
    assert shown(to="2026-03-01") == {"March, me"}
    page = client.get("/audit/", query_string={"from": "not a date"}).get_data(as_text=True)
    assert "From: “not a date” is not a date. Write it as 2026-03-31." in page


def test_a_day_is_a_new_zealand_day(app, client, signed_in):
    # 30 Jun 2026 13:00 UTC is 1 Jul 2026 01:00 in New Zealand (NZST, UTC+12).
    add_event(app, signed_in[1], when=datetime(2026, 6, 30, 13), summary="Early July")
    page = client.get("/audit/?from=2026-07-01&to=2026-07-01").get_data(as_text=True)
    assert "Early July" in page


def test_another_firms_events_are_never_shown(app, client, signed_in, other_firm_user):
    other_id, other_firm = other_firm_user
    add_event(app, other_firm, other_id, summary="Rātā secret")
    add_event(app, None, None, "sign_in", outcome="failed", summary="Failed sign-in as x@y")
    assert "Rātā secret" not in client.get("/audit/").get_data(as_text=True)
    page = client.get(f"/audit/?user={other_id}").get_data(as_text=True)
    assert "Rātā secret" not in page and "0 events match these filters" in page
    assert "staff@rata.example" not in page
    assert "Failed sign-in as x@y" not in page


def test_the_log_is_a_page_or_a_fragment(client, signed_in):
    page = client.get("/audit/")
    fragment = client.get("/audit/?action=sign_in", headers={"HX-Request": "true"})
    assert "<html" in page.get_data(as_text=True)
    body = fragment.get_data(as_text=True)
    assert "<html" not in body and "1 event matches these filters" in body
    assert "HX-Request" in fragment.headers["Vary"]


def test_pages_of_fifty(app, client, signed_in):
    for number in range(60):
        add_event(
            app, signed_in[1], when=datetime(2026, 1, 1, 0, number), summary=f"Event {number:02}"
        )
    first = client.get("/audit/").get_data(as_text=True)
    assert "Event 59" in first and "Event 09" not in first and "Page 1 of 2" in first
    second = client.get("/audit/?page=2").get_data(as_text=True)
    assert "Event 09" in second and "Event 59" not in second


def test_details_are_readable_and_escaped(app, client, signed_in):
    add_event(
        app,
        signed_in[1],
        signed_in[0],
        object_type="profile",
        object_id=7,
        summary="<script>alert(1)</script>",
        detail={"changes": {"phone": ["09 555 0101", "09 555 0202"]}},
    )
    page = client.get("/audit/").get_data(as_text=True)
    assert "<script>alert(1)" not in page and "&lt;script&gt;" in page
    assert "<strong>Phone</strong>: <del>09 555 0101</del> → <ins>09 555 0202</ins>" in page
    assert 'href="/clients/7"' in page


def test_bulk_imports_link_to_their_result(app, client, signed_in):
    add_event(
        app, signed_in[1], signed_in[0], "bulk_import", object_type="bulk_import", object_id=3
    )
    assert 'href="/clients/bulk/3"' in client.get("/audit/").get_data(as_text=True)


def test_the_log_pages_with_newer_and_older_links(app, client, signed_in):
    user_id, firm_id = signed_in
    for number in range(55):
        add_event(app, firm_id, user_id, summary=f"Event number {number:02}")
    first = client.get("/audit/?action=profile_edited").get_data(as_text=True)
    assert "Page 1 of 2" in first and "Older →" in first and "← Newer" not in first
    assert "action=profile_edited" in first.split("Older →")[0].rsplit("href=", 1)[1]
    second = client.get("/audit/?action=profile_edited&page=2").get_data(as_text=True)
    assert "Page 2 of 2" in second and "← Newer" in second


def test_an_event_keeps_the_address_its_request_came_from(app, auth, user):
    auth.login()
    with app.app_context():
        addresses = (
            database.session().execute(select(AuditEvent.action, AuditEvent.remote_addr)).all()
        )
    assert [tuple(row) for row in addresses] == [("sign_in", "127.0.0.1")]

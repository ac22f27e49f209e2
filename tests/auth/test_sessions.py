"""Sessions: kept in the database, ended by idleness, age, sign-out and changes to sign-in."""

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from portal import database
from portal.models import SignInSession, User
from tests.auth.conftest import code_for, password_step, secret_on
from tests.conftest import PASSWORD, settings_for


def age_sessions(app, **deltas):
    """Move every session's times back by ``deltas`` (created=…, seen=…)."""
    with app.app_context():
        session = database.session()
        with database.writing(session):
            for row in session.scalars(select(SignInSession)):
                row.created_at -= deltas.get("created", timedelta())
                row.last_seen_at -= deltas.get("seen", timedelta())


def test_the_cookie_holds_a_token_whose_hash_only_is_stored(app, client, signed_in):
    cookie = client.get_cookie("session").value
    with app.app_context():
        row = database.session().scalars(select(SignInSession)).one()
    assert row.token_hash not in cookie and len(row.token_hash) == 64


def test_a_session_ends_after_eight_idle_hours(app, client, signed_in):
    age_sessions(app, created=timedelta(hours=8, minutes=2), seen=timedelta(hours=8, minutes=1))
    response = client.get("/clients/")
    assert response.headers["Location"].startswith("/login")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "signed out after 8 hours without activity" in page
    with app.app_context():
        row = database.session().scalars(select(SignInSession)).one()
    assert row.ended_reason == "idle"


def test_activity_keeps_a_session_alive(app, client, signed_in):
    age_sessions(app, created=timedelta(hours=7), seen=timedelta(hours=7))
    assert client.get("/clients/").status_code == 200
    age_sessions(app, created=timedelta(hours=7), seen=timedelta(hours=7))
    assert client.get("/clients/").status_code == 200  # seen 7 h ago, not 14 h


def test_a_session_ends_after_seven_days_however_active(app, client, signed_in):
    age_sessions(app, created=timedelta(days=7, minutes=1))
    response = client.get("/clients/")
    assert response.headers["Location"].startswith("/login")
    assert "limit of 7 days" in client.get("/login").get_data(as_text=True)


def test_a_thirty_day_old_cookie_is_refused(app, client, signed_in):
    age_sessions(app, created=timedelta(days=30))
    assert client.get("/clients/").status_code == 302


@pytest.fixture
def short_app(database_url):
    from portal import create_app
    from tests.conftest import empty_tables

    app = create_app(settings_for(database_url, SESSION_IDLE_MINUTES="30"))
    yield app
    empty_tables(app)


def test_lifetimes_are_configurable(short_app):
    assert short_app.config["SESSION_IDLE_MINUTES"] == 30
    assert short_app.config["PERMANENT_SESSION_LIFETIME"] == timedelta(days=7)


def test_the_session_is_renewed_at_sign_in(app, client, user):
    client.get("/login")
    before = client.get_cookie("session").value
    password_step(client)
    assert client.get_cookie("session").value != before


def test_sign_out_of_every_other_session(app, client, signed_in):
    other = app.test_client()
    password_step(other)
    assert other.get("/clients/").status_code == 200
    page = client.get("/account/").get_data(as_text=True)
    assert "This session" in page and "Sign out of every other session" in page
    assert "ends after 8 hours without activity, and 7 days after signing in" in page
    assert client.post("/account/sessions/end-others", data={"confirm": "1"}).status_code == 302
    assert other.get("/clients/").status_code == 302
    assert client.get("/clients/").status_code == 200


def test_changing_the_password_ends_the_other_sessions(app, client, signed_in):
    other = app.test_client()
    password_step(other)
    wrong = client.post(
        "/account/password",
        data={"password": "nope", "new_password": "x" * 14, "confirm": "x" * 14},
    )
    assert wrong.status_code == 400
    response = client.post(
        "/account/password",
        data={"password": PASSWORD, "new_password": "n" * 14, "confirm": "n" * 14},
    )
    assert response.status_code == 302
    assert other.get("/clients/").status_code == 302
    assert client.get("/clients/").status_code == 200
    assert password_step(app.test_client(), password="n" * 14).status_code == 302


def test_setting_up_a_second_factor_ends_the_other_sessions(app, client, signed_in):
    other = app.test_client()
    password_step(other)
    secret = secret_on(client.get("/account/authenticator").get_data(as_text=True))
    client.post("/account/authenticator", data={"code": code_for(secret)})
    assert other.get("/clients/").status_code == 302
    assert client.get("/clients/").status_code == 200


def test_a_disabled_account_is_signed_out(app, client, signed_in):
    with app.app_context():
        session = database.session()
        with database.writing(session):
            session.execute(update(User).values(active=False))
    assert client.get("/clients/").status_code == 302


def test_activity_is_written_at_most_once_a_minute(app, client, signed_in):
    with app.app_context():
        first = database.session().scalars(select(SignInSession)).one().last_seen_at
    for _ in range(3):
        client.get("/clients/")
    with app.app_context():
        assert database.session().scalars(select(SignInSession)).one().last_seen_at == first

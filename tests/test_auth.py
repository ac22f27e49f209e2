import pytest
from sqlalchemy import select

from portal import database
from portal.models import AuditEvent
from tests.conftest import PASSWORD, SAMPLE_ARGUMENTS, make_user, settings_for


def audit_actions(app):
    with app.app_context():
        return [
            (e.action, e.outcome)
            for e in database.session().scalars(select(AuditEvent).order_by(AuditEvent.id))
        ]


def test_login_page_renders(client):
    response = client.get("/login")
    assert response.status_code == 200
    assert b"Sign in" in response.data


def test_sign_in_and_out(app, client, auth, user):
    response = auth.login()
    assert response.status_code == 302
    assert response.headers["Location"] == "/clients/"
    assert client.get("/clients/").status_code == 200
    response = auth.logout()
    assert response.headers["Location"] == "/login"
    assert client.get("/clients/").status_code == 302
    assert audit_actions(app) == [("sign_in", "ok"), ("sign_out", "ok")]


@pytest.mark.parametrize(
    ("email", "password"),
    [
        ("staff@kowhai.example", "wrong password"),
        ("nobody@kowhai.example", PASSWORD),
        ("", ""),
        ("x" * 300 + "@a.nz", PASSWORD),
    ],
)
def test_failed_sign_in_says_so(app, auth, user, email, password):
    response = auth.login(email=email, password=password)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert (
        ("do not match an account" in page)
        or ("This field is required" in page)
        or ("Field cannot be longer" in page)
    )


def test_failed_sign_in_is_audited(app, auth, user):
    auth.login(password="wrong password")
    assert audit_actions(app) == [("sign_in", "failed")]


def test_email_is_not_case_sensitive(auth, user):
    assert auth.login(email="Staff@Kowhai.Example").status_code == 302


def test_next_is_followed_only_for_local_paths(auth, user):
    response = auth.login(query_string={"next": "/clients/?q=a"})
    assert response.headers["Location"] == "/clients/?q=a"


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:x"]
)
def test_non_local_next_is_ignored(client, auth, user, target):
    response = auth.login(query_string={"next": target})
    assert response.headers["Location"] == "/clients/"


def from_address(address):
    return {"environ_base": {"REMOTE_ADDR": address}}


def test_failures_for_one_account_from_one_address_slow_down(auth, user):
    for attempt in range(5):
        assert auth.login(password=f"wrong {attempt}").status_code == 200
    response = auth.login()  # even the right password waits: it is not checked
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) <= 60


def test_a_stranger_cannot_lock_the_owner_out(app, client, auth, user):
    assert auth.login().status_code == 302  # the owner's browser has signed in before
    auth.logout()
    stranger = app.test_client()
    for attempt in range(40):
        address = f"198.51.100.{attempt}"
        stranger.post(
            "/login",
            data={"email": "staff@kowhai.example", "password": f"guess {attempt}"},
            **from_address(address),
        )
    assert auth.login(**from_address("198.51.100.1")).status_code == 302


def test_many_addresses_guessing_one_account_slow_down_new_browsers(app, auth, user):
    for attempt in range(10):
        app.test_client().post(
            "/login",
            data={"email": "staff@kowhai.example", "password": f"guess {attempt}"},
            **from_address(f"198.51.100.{attempt}"),
        )
    fresh = app.test_client()
    response = fresh.post(
        "/login",
        data={"email": "staff@kowhai.example", "password": PASSWORD},
        **from_address("192.0.2.7"),
    )
    assert response.status_code == 429


def test_one_address_guessing_many_accounts_slows_down(app, auth, user):
    for attempt in range(30):
        assert auth.login(email=f"n{attempt}@kowhai.example").status_code == 200
    response = auth.login()
    assert response.status_code == 429
    assert "Too many attempts" in response.get_data(as_text=True)


def test_a_forged_device_cookie_is_not_trusted(app, client, auth, user):
    client.set_cookie("portal_device", "forged")
    for attempt in range(10):
        app.test_client().post(
            "/login",
            data={"email": "staff@kowhai.example", "password": f"guess {attempt}"},
            **from_address(f"198.51.100.{attempt}"),
        )
    assert auth.login().status_code == 429


def test_successful_sign_ins_do_not_count_towards_the_limit(client, auth, user):
    for _ in range(12):
        assert auth.login().status_code == 302
        auth.logout()


def test_logout_ends_a_copied_session(app, client, auth, user):
    auth.login()
    cookie = client.get_cookie("session").value
    auth.logout()
    thief = app.test_client()
    thief.set_cookie("session", cookie)
    assert thief.get("/clients/").status_code == 302


def test_logout_must_be_a_post(client, signed_in):
    assert client.get("/logout").status_code == 405
    assert client.get("/clients/").status_code == 200


def test_htmx_request_signed_out_gets_hx_redirect(client):
    response = client.get(
        "/clients/?q=a",
        headers={"HX-Request": "true", "HX-Current-URL": "http://localhost/clients/?q=a"},
    )
    assert response.status_code == 401
    assert response.headers["HX-Redirect"].startswith("/login")
    assert response.data == b""


def test_session_cookie_flags(app, client, auth, user):
    auth.login()
    cookie = client.get_cookie("session")
    assert cookie.http_only
    assert cookie.same_site == "Lax"
    assert not cookie.secure  # Secure only in production, checked in test_config
    device = client.get_cookie("portal_device")
    assert device.http_only and device.same_site == "Lax"


class TestWithCsrf:
    """The one place CSRF protection stays on."""

    @pytest.fixture
    def app(self, database_url):
        from portal import create_app
        from tests.conftest import empty_tables

        app = create_app(settings_for(database_url, WTF_CSRF_ENABLED=True))
        yield app
        empty_tables(app)

    def test_sign_in_without_token_is_refused(self, app, client):
        make_user(app)
        response = client.post(
            "/login", data={"email": "staff@kowhai.example", "password": PASSWORD}
        )
        assert response.status_code == 400
        assert "expired or did not come from this portal" in response.get_data(as_text=True)

    def test_tampered_token_is_refused(self, app, client):
        make_user(app)
        client.get("/login")
        response = client.post(
            "/login",
            data={"email": "staff@kowhai.example", "password": PASSWORD, "csrf_token": "forged"},
        )
        assert response.status_code == 400

    def test_state_changing_routes_refuse_a_missing_token(self, app, client):
        make_user(app)
        page = client.get("/login").get_data(as_text=True)
        token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
        response = client.post(
            "/login",
            data={"email": "staff@kowhai.example", "password": PASSWORD, "csrf_token": token},
        )
        assert response.status_code == 302
        for rule in app.url_map.iter_rules():
            if rule.methods & {"POST", "PUT", "PATCH", "DELETE"} and rule.endpoint != "auth.login":
                url = rule.build({arg: SAMPLE_ARGUMENTS[arg] for arg in rule.arguments})[1]
                response = client.post(url, data={})
                assert response.status_code == 400, rule.rule
        # The token from before sign-in was replaced at sign-in.
        assert client.post("/logout", headers={"X-CSRFToken": token}).status_code == 400
        page = client.get("/clients/").get_data(as_text=True)
        renewed = page.split('name="csrf_token" value="')[1].split('"')[0]
        assert renewed != token
        assert client.post("/logout", headers={"X-CSRFToken": renewed}).status_code == 302

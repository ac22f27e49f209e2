"""Two-factor sign-in with an authenticator app and recovery codes; the firm's rule; resets."""

from sqlalchemy import func, select

from portal import database
from portal.models import AuditEvent, RecoveryCode, SignInSession, User
from tests.auth.conftest import code_for, enrol_app, password_step, secret_on
from tests.conftest import PASSWORD, make_user


def events(app, action):
    with app.app_context():
        return [
            (e.outcome, e.summary)
            for e in database.session().scalars(
                select(AuditEvent).where(AuditEvent.action == action)
            )
        ]


def stored_user(app, user_id) -> User:
    """The user as stored, with their passkeys and firm loaded."""
    with app.app_context():
        user = database.session().get(User, user_id)
        user.passkeys, user.firm  # noqa: B018 (loaded while the session is open)
        return user


# --- Enrolling an authenticator app ------------------------------------------------------
def test_enrol_an_authenticator_app(app, client, signed_in):
    page = client.get("/account/authenticator").get_data(as_text=True)
    assert "<svg" in page and 'class="qr-code"' in page  # drawn on the server
    secret = secret_on(page)
    assert client.post("/account/authenticator", data={"code": "000000"}).status_code == 400
    response = client.post("/account/authenticator", data={"code": code_for(secret)})
    assert response.status_code == 200
    codes = response.get_data(as_text=True).count("<li><code>")
    assert codes == 10
    stored = stored_user(app, signed_in[0])
    assert stored.totp_secret and secret not in stored.totp_secret  # sealed at rest
    assert events(app, "two_factor") == [("ok", "Authenticator app set up")]


def test_the_secret_stays_the_same_until_enrolment_ends(client, signed_in):
    first = secret_on(client.get("/account/authenticator").get_data(as_text=True))
    again = secret_on(client.get("/account/authenticator").get_data(as_text=True))
    assert first == again


def test_recovery_codes_are_stored_hashed(app, client, signed_in):
    secret = secret_on(client.get("/account/authenticator").get_data(as_text=True))
    page = client.post("/account/authenticator", data={"code": code_for(secret)})
    shown = page.get_data(as_text=True).split("<li><code>")[1].split("<")[0]
    with app.app_context():
        hashes = database.session().scalars(select(RecoveryCode.code_hash)).all()
    assert len(hashes) == 10
    assert all(shown.replace("-", "") not in value for value in hashes)


# --- Signing in with it ------------------------------------------------------------------
def test_password_alone_does_not_sign_in(client, user, with_app):
    response = password_step(client)
    assert response.headers["Location"] == "/login/second-factor"
    assert client.get("/clients/").status_code == 302


def test_sign_in_with_the_app(app, client, user, with_app):
    secret, _ = with_app
    password_step(client)
    response = client.post(
        "/login/second-factor", data={"method": "totp", "totp-code": code_for(secret)}
    )
    assert response.status_code == 302 and response.headers["Location"] == "/clients/"
    assert client.get("/clients/").status_code == 200
    with app.app_context():
        row = database.session().scalars(select(SignInSession)).one()
        assert row.second_factor == "totp"
    assert ("ok", "Signed in with authenticator app") in events(app, "sign_in")


def test_a_code_is_accepted_once(app, client, user, with_app):
    secret, _ = with_app
    code = code_for(secret)
    password_step(client)
    client.post("/login/second-factor", data={"method": "totp", "totp-code": code})
    other = app.test_client()
    password_step(other)
    response = other.post("/login/second-factor", data={"method": "totp", "totp-code": code})
    assert response.status_code == 400
    assert "used already" in response.get_data(as_text=True)
    assert events(app, "second_factor")[0][0] == "failed"


def test_codes_are_rate_limited(client, user, with_app):
    password_step(client)
    for attempt in range(5):
        response = client.post(
            "/login/second-factor", data={"method": "totp", "totp-code": f"{attempt:06d}"}
        )
        assert response.status_code == 400
    assert (
        client.post(
            "/login/second-factor", data={"method": "totp", "totp-code": "123456"}
        ).status_code
        == 429
    )


def test_the_second_step_needs_a_fresh_password_step(app, client, user, with_app, monkeypatch):
    secret, _ = with_app
    assert client.get("/login/second-factor").status_code == 302  # no password step yet
    password_step(client)
    import portal.auth.views as views

    monkeypatch.setattr(views, "PENDING_SECONDS", -1)
    response = client.post(
        "/login/second-factor", data={"method": "totp", "totp-code": code_for(secret)}
    )
    assert response.headers["Location"] == "/login"


def test_a_password_change_ends_a_half_finished_sign_in(app, client, runner, user, with_app):
    secret, _ = with_app
    password_step(client)
    runner.invoke(
        args=["users", "set-password", "--email", "staff@kowhai.example", "--password-stdin"],
        input="a completely new password\n",
    )
    response = client.post(
        "/login/second-factor", data={"method": "totp", "totp-code": code_for(secret)}
    )
    assert response.headers["Location"] == "/login"


def test_a_recovery_code_signs_in_once(app, client, user, with_app):
    _, codes = with_app
    password_step(client)
    page = client.get("/login/second-factor?method=recovery").get_data(as_text=True)
    assert "10 left" in page
    response = client.post(
        "/login/second-factor",
        data={"method": "recovery", "recovery-code": codes[0].lower().replace("-", " ")},
    )
    assert response.headers["Location"] == "/account/"
    client.post("/logout")
    password_step(client)
    response = client.post(
        "/login/second-factor", data={"method": "recovery", "recovery-code": codes[0]}
    )
    assert response.status_code == 400
    assert "not one of your unused recovery codes" in response.get_data(as_text=True)


# --- The firm's rule -----------------------------------------------------------------------
def test_an_administrator_needs_a_second_factor_to_require_one(app, client, signed_in):
    response = client.post("/settings/staff/two-factor", data={"require": "y"})
    assert response.status_code == 302
    assert not stored_user(app, signed_in[0]).firm.require_two_factor


def require_for_firm(app, client, user_id):
    enrol_app(app, user_id)
    response = client.post("/settings/staff/two-factor", data={"require": "y"})
    assert response.status_code == 302
    assert events(app, "two_factor")[-1][1] == "Two-factor sign-in required for the firm"


def test_staff_without_a_second_factor_are_led_to_enrol(app, client, signed_in):
    require_for_firm(app, client, signed_in[0])
    make_user(app, email="new@kowhai.example")
    staff = app.test_client()
    assert password_step(staff, "new@kowhai.example").status_code == 302
    response = staff.get("/clients/")
    assert response.headers["Location"] == "/account/?setup=1"
    htmx = staff.get("/clients/add/results?q=a", headers={"HX-Request": "true"})
    assert htmx.headers["HX-Redirect"] == "/account/?setup=1"
    page = staff.get("/account/?setup=1").get_data(as_text=True)
    assert "requires two-factor sign-in" in page
    secret = secret_on(staff.get("/account/authenticator").get_data(as_text=True))
    staff.post("/account/authenticator", data={"code": code_for(secret)})
    assert staff.get("/clients/").status_code == 200


def test_the_last_second_factor_cannot_be_removed_while_required(app, client, signed_in):
    require_for_firm(app, client, signed_in[0])
    response = client.post("/account/authenticator/remove", data={"password": PASSWORD})
    assert "add another authenticator app or passkey" in response.get_data(as_text=True)
    assert stored_user(app, signed_in[0]).totp_secret is not None


def test_removing_the_app_needs_the_password(app, client, signed_in):
    enrol_app(app, signed_in[0])
    response = client.post("/account/authenticator/remove", data={"password": "wrong"})
    assert response.status_code == 400
    assert stored_user(app, signed_in[0]).totp_secret is not None
    response = client.post("/account/authenticator/remove", data={"password": PASSWORD})
    assert response.status_code == 302
    assert stored_user(app, signed_in[0]).totp_secret is None
    assert events(app, "two_factor")[-1][1] == "Authenticator app removed"


# --- Losing a device -------------------------------------------------------------------------
def test_an_administrator_resets_a_staff_members_second_factor(app, client, signed_in):
    staff_id, _ = make_user(app, email="lost@kowhai.example")
    secret, _ = enrol_app(app, staff_id)
    staff = app.test_client()
    password_step(staff, "lost@kowhai.example")
    staff.post("/login/second-factor", data={"method": "totp", "totp-code": code_for(secret)})
    assert staff.get("/clients/").status_code == 200
    url = f"/settings/staff/{staff_id}/reset-two-factor"
    assert "Reset lost@kowhai.example" in client.get(url).get_data(as_text=True)
    assert client.post(url, data={"password": PASSWORD}).status_code == 302
    person = stored_user(app, staff_id)
    assert person.totp_secret is None and not person.passkeys
    with app.app_context():
        left = database.session().scalar(select(func.count()).select_from(RecoveryCode))
    assert left == 0
    assert staff.get("/clients/").status_code == 302  # their session ended
    assert events(app, "two_factor_reset")[0][1].startswith("Two-factor sign-in of lost@")


def test_staff_and_other_firms_cannot_reset(app, client, signed_in):
    staff_id, _ = make_user(app, email="plain@kowhai.example")
    other_id, _ = make_user(app, firm_name="Rātā & Co", email="staff@rata.example")
    assert client.get(f"/settings/staff/{other_id}/reset-two-factor").status_code == 404
    plain = app.test_client()
    password_step(plain, "plain@kowhai.example")
    assert plain.get(f"/settings/staff/{signed_in[0]}/reset-two-factor").status_code == 403
    assert plain.get("/settings/staff/").status_code == 403


def test_reset_from_the_command_line(app, runner, user):
    enrol_app(app, user[0])
    result = runner.invoke(args=["users", "reset-2fa", "--email", "staff@kowhai.example"])
    assert result.exit_code == 0, result.output
    assert stored_user(app, user[0]).totp_secret is None
    assert events(app, "two_factor_reset")
    missing = runner.invoke(args=["users", "reset-2fa", "--email", "nobody@kowhai.example"])
    assert missing.exit_code != 0 and "No user" in missing.output


def test_token_rotation_reseals_app_secrets(app, runner, user):
    secret, _ = enrol_app(app, user[0])
    before = stored_user(app, user[0]).totp_secret
    assert runner.invoke(args=["tokens", "rotate"]).exit_code == 0
    after = stored_user(app, user[0]).totp_secret
    assert after != before
    with app.app_context():
        from portal.vault import vault

        assert vault().open(after) == secret

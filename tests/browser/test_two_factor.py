"""Two-factor sign-in in Chromium: an authenticator app, a passkey (Chromium's virtual
authenticator, over the DevTools protocol), a recovery code, and a firm that requires it.

Passkeys need a domain name as relying-party id, so these pages are opened on
``localhost``; on 127.0.0.1 the account page says why passkeys are not offered.
"""

import re

import pytest
from playwright.sync_api import expect

from portal import database
from portal.models import User
from portal.vault import vault
from tests.auth.conftest import code_for, enrol_app
from tests.browser.conftest import ARTIFACTS
from tests.conftest import make_user


@pytest.fixture
def on_localhost(browser, live_server, request):
    """A page whose base URL is http://localhost:<port> (the same server)."""
    base = live_server.replace("127.0.0.1", "localhost")
    context = browser.new_context(base_url=base, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    if getattr(request.node, "rep_call", None) and request.node.rep_call.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=ARTIFACTS / f"{request.node.name}-failure.png", full_page=True)
    context.close()


def password_step(page, staff):
    page.goto("/login")
    page.get_by_label("E-mail").fill(staff["email"])
    page.get_by_label("Password").fill(staff["password"])
    page.keyboard.press("Enter")


def sign_out(page):
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("You have signed out.")).to_be_visible()


def test_enrol_an_app_sign_in_with_it_and_with_a_recovery_code(page, staff):
    password_step(page, staff)
    expect(page.get_by_role("heading", name="Clients")).to_be_visible()
    page.get_by_role("link", name=re.compile("staff@kowhai.example")).click()
    page.get_by_role("link", name="Set up an authenticator app").click()
    expect(page.get_by_role("img", name=re.compile("QR code"))).to_be_visible()
    secret = page.locator("#totp-secret").inner_text().replace(" ", "")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / "two-factor-app-setup.png", full_page=True)
    expect(page.get_by_label("Code from your authenticator app")).to_be_focused()
    page.keyboard.type(code_for(secret))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Your recovery codes")).to_be_visible()
    codes = page.get_by_role("list", name="Recovery codes").locator("code").all_inner_texts()
    assert len(codes) == 10
    page.screenshot(path=ARTIFACTS / "two-factor-recovery-codes.png", full_page=True)
    page.get_by_role("link", name="I have saved them").click()
    expect(page.get_by_role("cell", name="Not set up")).to_have_count(0)
    sign_out(page)

    password_step(page, staff)
    expect(page.get_by_role("heading", name="Confirm it is you")).to_be_visible()
    expect(page.get_by_label("Code from your authenticator app")).to_be_focused()
    page.screenshot(path=ARTIFACTS / "two-factor-sign-in.png", full_page=True)
    page.keyboard.type(code_for(secret, steps_ahead=1))  # the enrolment's code is spent
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Clients")).to_be_visible()
    sign_out(page)

    password_step(page, staff)
    page.get_by_role("link", name="Use a recovery code").click()
    page.get_by_label("Recovery code").fill(codes[3])
    page.keyboard.press("Enter")
    expect(page.get_by_text("You signed in with a recovery code; 9 left.")).to_be_visible()
    expect(page.get_by_text("9 of 10 left")).to_be_visible()


def virtual_authenticator(page):
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )
    return cdp


def test_add_a_passkey_and_sign_in_with_it(on_localhost, staff):
    page = on_localhost
    virtual_authenticator(page)
    password_step(page, staff)
    expect(page.get_by_role("heading", name="Clients")).to_be_visible()
    page.goto("/account/")
    page.get_by_role("link", name="Add a passkey").click()
    page.get_by_label("Name for this passkey").fill("Work laptop")
    page.get_by_role("button", name="Add passkey").click()
    expect(page.get_by_role("heading", name="Your recovery codes")).to_be_visible()
    page.get_by_role("link", name="I have saved them").click()
    expect(page.get_by_role("cell", name="Passkey “Work laptop”")).to_be_visible()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / "two-factor-account.png", full_page=True)
    sign_out(page)

    password_step(page, staff)
    expect(page.get_by_role("heading", name="Confirm it is you")).to_be_visible()
    page.get_by_role("button", name="Use your passkey").click()
    expect(page.get_by_role("heading", name="Clients")).to_be_visible()
    page.goto("/account/")
    expect(page.get_by_role("row", name=re.compile("Work laptop"))).not_to_contain_text("—")


def test_passkeys_on_an_ip_address_say_why_not(page, staff):
    password_step(page, staff)
    expect(page.get_by_role("heading", name="Clients")).to_be_visible()
    page.goto("/account/")
    expect(page.get_by_text(re.compile("passkeys only on a domain name"))).to_be_visible()
    expect(page.get_by_role("link", name="Add a passkey")).to_have_count(0)


def test_a_firm_that_requires_it_leads_new_staff_through_setup(
    browser, page, live_app, live_server, staff
):
    enrol_app(live_app, 1)
    make_user(live_app, email="new@kowhai.example")
    password_step(page, staff)
    page.get_by_label("Code from your authenticator app").fill("000000")
    page.keyboard.press("Enter")
    expect(page.get_by_text("not the one your authenticator app shows")).to_be_visible()
    with live_app.app_context():
        secret = vault().open(database.session().get(User, 1).totp_secret)
    page.get_by_label("Code from your authenticator app").fill(code_for(secret))
    page.keyboard.press("Enter")
    page.get_by_role("link", name="Settings").click()
    page.get_by_role("link", name="Staff", exact=True).click()
    page.get_by_label("Require two-factor sign-in for everyone in the firm").check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Everyone must now sign in with a second factor")).to_be_visible()
    page.screenshot(path=ARTIFACTS / "staff.png", full_page=True)

    newcomer = browser.new_context(base_url=live_server).new_page()
    password_step(newcomer, {"email": "new@kowhai.example", "password": staff["password"]})
    expect(newcomer.get_by_role("alert")).to_contain_text("requires two-factor sign-in")
    newcomer.goto("/clients/")
    expect(newcomer).to_have_url(re.compile(r"/account/\?setup=1"))
    newcomer.context.close()

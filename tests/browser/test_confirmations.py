"""The confirmation dialog before a destructive action, and the focus rules, as a person
meets them: open, Esc cancels and nothing changes, focus returns, confirming acts."""

import re
from datetime import datetime

from playwright.sync_api import expect
from sqlalchemy import select

from portal import database
from portal.models import Profile, SubscriptionPlan
from portal.text import fold
from tests.browser.conftest import ARTIFACTS
from tests.browser.test_addons import admin_page, connect  # noqa: F401 (a fixture)
from tests.browser.test_manual_add import sign_in

WIDTHS = {"1280": {"width": 1280, "height": 900}, "768": {"width": 768, "height": 900}}


def no_sideways_scrolling(page):
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.evaluate("document.documentElement.clientWidth"), width


def shoot(page, name):
    """The screen at 1280 px, 768 px and 200 % zoom (640 CSS px at twice the density)."""
    ARTIFACTS.mkdir(exist_ok=True)
    for label, size in WIDTHS.items():
        page.set_viewport_size(size)
        no_sideways_scrolling(page)
        page.screenshot(path=ARTIFACTS / f"{name}-{label}.png")
    page.set_viewport_size({"width": 640, "height": 450})
    no_sideways_scrolling(page)
    page.screenshot(path=ARTIFACTS / f"{name}-200pc.png")
    page.set_viewport_size(WIDTHS["1280"])


def test_disconnecting_the_add_on_asks_first(admin_page):  # noqa: F811
    page = admin_page
    connect(page, "Xero Practice Manager")
    card = page.get_by_role("region", name=re.compile("Xero Practice Manager"))
    disconnect = card.get_by_role("button", name="Disconnect Xero Practice Manager")
    disconnect.click()
    dialog = page.get_by_role("dialog", name="Disconnect Xero Practice Manager?")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("Profiles already imported stay.")
    cancel = dialog.get_by_role("button", name="Cancel")
    expect(cancel).to_be_focused()
    for _ in range(3):  # the page underneath is inert: Tab stays in the dialog
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.closest('dialog') !== null")
    shoot(page, "confirm-addon")

    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(disconnect).to_be_focused()
    page.reload()
    expect(card).to_contain_text("Connected to")

    disconnect.click()
    dialog.get_by_role("button", name="Disconnect").click()
    expect(page.get_by_text("Disconnected from Xero Practice Manager.")).to_be_visible()
    expect(card).to_contain_text("Not connected")


def _linked_company(live_app) -> int:
    with live_app.app_context():
        session = database.session()
        with database.writing(session):
            plan = session.scalar(select(SubscriptionPlan))
            row = Profile(
                firm_id=plan.firm_id,
                kind="company",
                standing="client",
                name="Kōwhai Holdings Limited",
                sort_name=fold("Kōwhai Holdings Limited"),
                subscription_plan_id=plan.id,
                xpm_provider="xpm",
                xpm_client_uuid="e385e3e2-b4c8-511c-afce-7d65351e0f32",
                xpm_name="Kowhai Holdings Ltd",
                xpm_linked_at=datetime(2026, 11, 2, 9, 0),
            )
            session.add(row)
            session.flush()
            return row.id


def test_unlinking_a_profile_from_xpm_asks_first(page, staff, live_app):
    company = _linked_company(live_app)
    sign_in(page, staff)
    page.goto(f"/clients/{company}")
    page.wait_for_load_state("load")
    section = page.get_by_role("region", name="Practice management")
    disconnect = section.get_by_role("button", name="Disconnect")
    disconnect.focus()
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog", name="Disconnect Kōwhai Holdings Limited from XPM?")
    expect(dialog).to_be_visible()
    shoot(page, "confirm-unlink")
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(disconnect).to_be_focused()
    page.reload()
    expect(section).to_contain_text("Linked to Xero Practice Manager")

    disconnect.click()
    dialog.get_by_role("button", name="Disconnect").click()
    expect(page.get_by_text("is no longer linked to the practice manager")).to_be_visible()
    expect(section).to_contain_text("Not linked")
    # The profile opened after a change: focus is on its heading, not on <body>.
    expect(page.get_by_role("heading", name="Kōwhai Holdings Limited", level=1)).to_be_focused()


def test_without_javascript_the_server_asks_with_a_page(browser, live_server, staff, live_app):
    company = _linked_company(live_app)
    context = browser.new_context(base_url=live_server, java_script_enabled=False)
    page = context.new_page()
    page.goto("/login")
    page.get_by_label("E-mail").fill(staff["email"])
    page.get_by_label("Password").fill(staff["password"])
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"/clients/{company}")
    page.get_by_role("region", name="Practice management").get_by_role(
        "button", name="Disconnect"
    ).click()
    expect(page.get_by_role("heading", name="Disconnect Kōwhai Holdings Limited from XPM?"))
    shoot(page, "confirm-page")
    page.get_by_role("link", name="Cancel").click()
    expect(page.get_by_role("region", name="Practice management")).to_contain_text("Linked to")
    page.get_by_role("button", name="Disconnect").click()
    page.get_by_role("button", name="Disconnect").click()  # the page's own, confirm=1
    expect(page.get_by_text("is no longer linked to the practice manager")).to_be_visible()
    context.close()


def test_sign_in_focuses_the_e_mail_field(page, staff):
    page.goto("/login")
    expect(page.get_by_label("E-mail")).to_be_focused()


def test_manual_add_refused_focuses_the_first_invalid_field(page, staff):
    sign_in(page, staff)
    page.goto("/clients/new/company")
    page.wait_for_load_state("load")
    page.get_by_label("Company name").fill("Kōwhai Holdings Limited")
    page.get_by_label("Company type").select_option(index=1)
    page.get_by_label("Subscription plan").select_option(index=1)
    page.get_by_label("IRD number").fill("123")  # the server's rule refuses it
    page.get_by_role("button", name="Create").click()
    summary = page.get_by_role("alert").filter(has_text="then press Create again")
    expect(summary).to_contain_text("IRD number")
    expect(page.get_by_label("IRD number")).to_be_focused()
    expect(page.get_by_label("IRD number")).to_have_attribute("aria-invalid", "true")
    shoot(page, "manual-add-errors")


def test_the_gate_marks_the_field_that_blocks_create(page, staff):
    sign_in(page, staff)
    page.goto("/clients/new/company")
    page.wait_for_load_state("load")
    page.get_by_label("Company name").fill("Kōwhai Holdings Limited")
    page.get_by_label("Company type").select_option(index=1)
    page.get_by_label("Subscription plan").select_option(index=1)
    email = page.get_by_label("E-mail")
    email.fill("not an address")
    expect(page.get_by_role("button", name="Create")).to_be_disabled()
    expect(page.get_by_text("Check: E-mail")).to_be_visible()
    expect(email).to_have_attribute("aria-invalid", "true")
    note = page.locator("#email-gate")
    expect(note).to_have_text("Enter an e-mail address such as name@example.co.nz.")
    expect(email).to_have_attribute("aria-describedby", re.compile(r"\bemail-gate\b"))
    email.screenshot(path=ARTIFACTS / "gate-email.png")
    email.fill("office@kowhai.example")
    expect(email).not_to_have_attribute("aria-invalid", "true")
    expect(note).to_have_count(0)
    expect(page.get_by_role("button", name="Create")).to_be_enabled()

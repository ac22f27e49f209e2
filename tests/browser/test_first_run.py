"""First run and the audit log as staff see them, at 1280 px, 768 px and 200 % zoom."""

from playwright.sync_api import expect

from tests.browser.test_confirmations import _linked_company, shoot
from tests.browser.test_manual_add import sign_in


def test_the_empty_clients_page_points_an_administrator_to_connecting(page, staff):
    sign_in(page, staff)
    expect(page.get_by_role("link", name="Connect XPM")).to_be_visible()
    expect(page.get_by_role("link", name="Import from other system").last).to_be_visible()
    shoot(page, "clients-first-run")
    page.get_by_role("link", name="Connect XPM").click()
    expect(page.get_by_role("heading", name="Add-ons")).to_be_visible()
    shoot(page, "addons-first-run")


def test_the_audit_log_reads_in_words_at_every_width(page, staff, live_app):
    company = _linked_company(live_app)
    sign_in(page, staff)
    page.goto(f"/clients/{company}")
    page.wait_for_load_state("load")
    page.get_by_role("region", name="Practice management").get_by_role(
        "button", name="Disconnect"
    ).click()
    page.get_by_role("dialog").get_by_role("button", name="Disconnect").click()
    expect(page.get_by_text("is no longer linked")).to_be_visible()
    page.get_by_role("link", name="Audit log").click()
    page.get_by_text("Details").first.click()
    details = page.locator(".event-detail").first
    expect(details).to_contain_text("System")
    expect(details).to_contain_text("Xero Practice Manager")
    expect(details).not_to_contain_text("client_uuid")
    expect(details).not_to_contain_text("e385e3e2")
    shoot(page, "audit-log")

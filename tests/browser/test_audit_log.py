"""An administrator reads the audit log and narrows it down by action."""

import re

from playwright.sync_api import expect

from tests.browser.conftest import ARTIFACTS
from tests.browser.test_manual_add import sign_in


def test_read_and_filter_the_audit_log(page, staff):
    sign_in(page, staff)
    page.goto("/clients/new/company")
    page.get_by_label("Company name").fill("Kōwhai Holdings Limited")
    page.get_by_label("Company type").select_option(label="Other")
    page.get_by_label("Subscription plan").select_option(label="Standard")
    page.get_by_role("button", name="Create").click()
    expect(page.get_by_role("heading", name="Kōwhai Holdings Limited")).to_be_visible()

    page.get_by_role("link", name="Audit log").click()
    expect(page.get_by_role("heading", name="Audit log")).to_be_visible()
    expect(page.get_by_role("row", name=re.compile("Sign-in"))).to_be_visible()
    added = page.get_by_role("row", name=re.compile("Client added manually"))
    expect(added).to_contain_text("staff@kowhai.example")
    expect(added).to_contain_text("Succeeded")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / "audit-log.png", full_page=True)

    page.get_by_label("Action").select_option(label="Sign-in")
    expect(page.get_by_text("1 event matches these filters")).to_be_visible()
    expect(page.get_by_role("row", name=re.compile("Client added manually"))).to_have_count(0)
    expect(page).to_have_url(re.compile(r"action=sign_in"))
    page.screenshot(path=ARTIFACTS / "audit-log-filtered.png", full_page=True)

"""An administrator connects the sandbox's XPM and WorkflowMax from the Add-ons page."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import ARTIFACTS
from tests.conftest import PASSWORD


@pytest.fixture
def admin_page(browser, mounted_sandbox_server):
    context = browser.new_context(base_url=mounted_sandbox_server)
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto("/login")
    page.get_by_label("E-mail").fill("staff@kowhai.example")
    page.get_by_label("Password").fill(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Clients")).to_be_visible()
    yield page
    context.close()


def connect(page, label):
    page.get_by_role("link", name="Settings").click()
    page.get_by_role("button", name=re.compile(f"(Re)?[Cc]onnect {label}")).click()
    expect(page.get_by_role("button", name="Approve")).to_be_visible()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"consent-{label.split()[0].lower()}.png", full_page=True)
    page.get_by_role("button", name="Approve").click()
    expect(page.locator(".flash").get_by_text(re.compile(r"^Connected to "))).to_be_visible()


@pytest.mark.parametrize("label", ["Xero Practice Manager", "WorkflowMax"])
def test_connect_disconnect_reconnect(admin_page, label):
    page = admin_page
    connect(page, label)
    card = page.get_by_role("region", name=re.compile(label))
    expect(card).to_contain_text("Connected")
    expect(card).to_contain_text("since")
    page.screenshot(
        path=ARTIFACTS / f"addons-connected-{label.split()[0].lower()}.png", full_page=True
    )
    card.get_by_role("button", name="Disconnect").click()
    page.get_by_role("dialog").get_by_role("button", name="Disconnect").click()  # confirmed
    expect(page.get_by_text(f"Disconnected from {label}.")).to_be_visible()
    expect(card).to_contain_text("Not connected")
    connect(page, label)
    expect(card).to_contain_text("Connected to")


def test_denying_consent_stores_nothing(admin_page):
    page = admin_page
    page.get_by_role("link", name="Settings").click()
    page.get_by_role("button", name="Connect Xero Practice Manager").click()
    page.get_by_role("button", name="Deny").click()
    expect(page.get_by_text("did not grant access")).to_be_visible()
    card = page.get_by_role("region", name=re.compile("Xero Practice Manager"))
    expect(card).to_contain_text("Not connected")

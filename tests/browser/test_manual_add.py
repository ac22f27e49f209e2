"""A person signs in and adds a company from the keyboard alone."""

import re

from playwright.sync_api import expect

from tests.browser.conftest import ARTIFACTS


def tab_to(page, locator, limit=40):
    """Press Tab until ``locator`` has the focus, as a keyboard user would."""
    for _ in range(limit):
        if locator.evaluate("element => element === document.activeElement"):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached {locator}")


def sign_in(page, staff):
    page.goto("/clients/")
    expect(page).to_have_url(re.compile(r"/login\?next="))
    page.get_by_label("E-mail").fill(staff["email"])
    page.get_by_label("Password").fill(staff["password"])
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Clients")).to_be_visible()
    # The heading can show before the deferred scripts have wired up the menus.
    page.wait_for_load_state("load")


def test_add_a_company_with_the_keyboard_only(page, staff):
    sign_in(page, staff)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / "clients-empty.png", full_page=True)

    menu_button = page.get_by_role("button", name="I would like to...")
    tab_to(page, menu_button)
    page.keyboard.press("Enter")
    expect(menu_button).to_have_attribute("aria-expanded", "true")
    item = page.get_by_role("menuitem", name="Add client manually")
    expect(item).to_be_focused()
    page.screenshot(path=ARTIFACTS / "clients-menu.png")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Add client manually")).to_be_visible()

    create = page.get_by_role("button", name="Create")
    expect(create).to_be_disabled()
    expect(
        page.get_by_text("Still needed: Company name, Company type, Subscription plan")
    ).to_be_visible()

    tab_to(page, page.get_by_label("Company name"))
    page.keyboard.type("Kōwhai Holdings Limited")
    expect(create).to_be_disabled()
    page.keyboard.press("Tab")
    expect(page.get_by_label("Company type")).to_be_focused()
    page.keyboard.press("ArrowDown")
    expect(create).to_be_disabled()
    expect(page.get_by_text("Still needed: Subscription plan")).to_be_visible()
    page.keyboard.press("Tab")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    expect(create).to_be_enabled()
    page.screenshot(path=ARTIFACTS / "add-company-ready.png", full_page=True)

    tab_to(page, create)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Kōwhai Holdings Limited")).to_be_visible()
    expect(page.get_by_text("Limited company (small)").first).to_be_visible()
    expect(page.get_by_text("on the Standard plan")).to_be_visible()
    page.screenshot(path=ARTIFACTS / "profile.png", full_page=True)

    page.get_by_role("link", name="Clients", exact=True).first.focus()
    page.keyboard.press("Enter")
    row = page.get_by_role("row", name=re.compile("Kōwhai Holdings Limited"))
    expect(row).to_be_visible()
    expect(row).to_contain_text("Standard")


def test_clearing_a_mandatory_field_greys_create_again(page, staff):
    sign_in(page, staff)
    page.goto("/clients/new/trust")
    create = page.get_by_role("button", name="Create")
    page.get_by_label("Trust name").fill("Tui & Kea Trust")
    page.get_by_label("Trust type").select_option(label="Family")
    page.get_by_label("Subscription plan").select_option(label="Guest")
    expect(create).to_be_enabled()
    page.get_by_label("Trust name").fill("")
    expect(create).to_be_disabled()
    expect(page.get_by_text("Still needed: Trust name")).to_be_visible()


def test_slash_focuses_search_and_results_update_as_you_type(page, staff):
    sign_in(page, staff)
    for name in ("Kōwhai Holdings Limited", "Rātā Farms Limited"):
        page.goto("/clients/new/company")
        page.get_by_label("Company name").fill(name)
        page.get_by_label("Company type").select_option(label="Other")
        page.get_by_label("Subscription plan").select_option(label="Standard")
        page.get_by_role("button", name="Create").click()
        expect(page.get_by_role("heading", name=name)).to_be_visible()
    page.goto("/clients/")
    page.locator("body").press("/")
    search = page.get_by_role("searchbox", name="Search clients by name")
    expect(search).to_be_focused()
    page.keyboard.type("kowhai")
    expect(page.get_by_text("1 client matching")).to_be_visible()
    expect(page.get_by_role("link", name="Rātā Farms Limited")).to_have_count(0)
    expect(page).to_have_url(re.compile(r"q=kowhai"))

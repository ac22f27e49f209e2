"""The whole import, as a person does it with the keyboard only: Clients → "I would like
to..." → "Import from other system" → part of a name → ↓ → Enter → the mandatory fields →
Create → the new profile with its people, entities and checklist."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import ARTIFACTS
from tests.browser.test_manual_add import sign_in, tab_to
from tests.panel.conftest import HX, drain
from tests.sandboxed import connect_portal


@pytest.fixture
def xpm(live_app, staff, sandbox_url, sandbox_control):
    """The live portal connected to the sandbox's XPM, with the panel's directory read."""
    client = live_app.test_client()
    live_app.config["WTF_CSRF_ENABLED"] = False  # this set-up is not what the tests are about
    client.post("/login", data=staff)
    assert "Connected to" in connect_portal(live_app, client, sandbox_url)
    client.get("/clients/add", headers=HX)
    drain(live_app)
    live_app.config["WTF_CSRF_ENABLED"] = True
    sandbox_control("POST", "reset", json={})
    yield sandbox_control
    drain(live_app)


def shot(page, name):
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / name, full_page=True)


def answered(page, typed: str) -> None:
    """Wait for the rows that answer the whole of ``typed``. A row chosen with ↓ among the
    answer to a part of it (which can show the same first row) is let go when the last
    answer arrives, as a new search starts again from the top; Enter then chooses nothing."""
    expect(page.locator("#add-client [data-panel-count]")).to_contain_text(f"“{typed}”")


def find_and_open_import(page, staff, typed: str, name: str):
    """Sign in, open the panel from the menu, search, ↓, Enter: the import form."""
    sign_in(page, staff)
    tab_to(page, page.get_by_role("button", name="I would like to..."))
    page.keyboard.press("Enter")
    page.keyboard.press("ArrowDown")
    expect(page.get_by_role("menuitem", name="Import from other system")).to_be_focused()
    page.keyboard.press("Enter")
    panel = page.get_by_role("dialog", name="Add client")
    expect(panel).to_be_visible()
    page.keyboard.type(typed, delay=40)
    answered(page, typed)
    expect(page.locator('#panel-list [role="option"]').first).to_contain_text(name)
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    expect(panel.get_by_role("heading", name=name, exact=True)).to_be_visible()
    return panel


def choose_first(page):
    """Pick the first real choice of the focused select: ↓ opens the closed list (it never
    changes the choice by itself), ↓ goes to the first choice, Enter takes it."""
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")


def test_import_a_trust_with_the_keyboard_only(page, staff, xpm):
    panel = find_and_open_import(page, staff, "pōhutukawa fam", "Pōhutukawa Family Trust")
    create = panel.get_by_role("button", name="Create")
    expect(create).to_be_disabled()
    # "Family Trust" maps to a family trust: the type is there, marked; the plan is asked.
    expect(panel.get_by_text("Still needed: Subscription plan")).to_be_visible()
    expect(panel.get_by_label("Trust type")).to_have_value("family")
    expect(panel.get_by_text("from XPM: “Family Trust”")).to_be_visible()
    expect(panel.get_by_text("Pōhutukawa Trustee Company Limited")).to_be_visible()  # preview
    expect(panel.get_by_label("Subscription plan")).to_be_focused()
    shot(page, "import-trust-form.png")
    choose_first(page)
    expect(create).to_be_enabled()
    shot(page, "import-trust-ready.png")
    panel.locator(".preview").screenshot(path=ARTIFACTS / "import-trust-preview.png")
    tab_to(page, create)
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", name="Pōhutukawa Family Trust", exact=True)).to_be_visible()
    expect(page).to_have_url(re.compile(r"/clients/\d+$"))
    people = page.locator("#associations")
    for text in ("Trustees", "Beneficiaries", "Settlors", "Pōhutukawa Trustee Company Limited"):
        expect(people.get_by_text(text, exact=True).first).to_be_visible()
    expect(page.get_by_role("heading", name=re.compile(r"To check and complete"))).to_be_visible()
    expect(page.get_by_role("link", name="Add the trust deed date")).to_be_visible()
    shot(page, "import-trust-profile.png")


def test_import_a_company_with_the_keyboard_only(page, staff, xpm):
    panel = find_and_open_import(page, staff, "ngāti rua", "Ngāti Rua Farms Limited")
    expect(panel.get_by_text("Not linked to the Companies Office")).to_be_visible()
    expect(panel.get_by_label("Company type")).to_be_focused()
    choose_first(page)
    page.keyboard.press("Tab")
    choose_first(page)
    create = panel.get_by_role("button", name="Create")
    expect(create).to_be_enabled()
    shot(page, "import-company-ready.png")
    tab_to(page, create)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Ngāti Rua Farms Limited", exact=True)).to_be_visible()
    expect(page.get_by_text("Not linked to the Companies Office")).to_be_visible()
    expect(page.locator("#associations").get_by_text("Kōwhai Holdings Limited")).to_be_visible()
    expect(page.get_by_text("Confirm the company number with the Companies Office")).to_be_visible()
    shot(page, "import-company-profile.png")


def test_import_an_individual_with_the_keyboard_only(page, staff, xpm):
    panel = find_and_open_import(page, staff, "hēmi ngata", "Hēmi Ngata")
    expect(panel.get_by_text("Still needed: Subscription plan")).to_be_visible()
    expect(panel.get_by_label("Subscription plan")).to_be_focused()
    choose_first(page)
    create = panel.get_by_role("button", name="Create")
    expect(create).to_be_enabled()
    tab_to(page, create)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Hēmi Ngata", exact=True)).to_be_visible()
    expect(page.get_by_text("Client on the Guest plan")).to_be_visible()
    shot(page, "import-individual-profile.png")


def test_an_unmapped_structure_shows_the_type_for_the_chosen_kind(page, staff, xpm):
    panel = find_and_open_import(
        page, staff, "tōtara partnership", "Tōtara Partnership Example Limited"
    )
    kind = panel.get_by_role("combobox", name=re.compile(r"^Kind"))
    expect(kind).to_be_focused()
    expect(panel.get_by_label("Trust type")).to_be_hidden()
    expect(panel.get_by_label("Company type")).to_be_hidden()
    kind.select_option("trust")
    expect(panel.get_by_label("Trust type")).to_be_visible()
    expect(panel.get_by_text("Still needed: Trust type, Subscription plan")).to_be_visible()
    expect(panel.get_by_text("Not linked to the Companies Office")).to_be_hidden()
    kind.select_option("company")
    expect(panel.get_by_label("Company type")).to_be_visible()
    expect(panel.get_by_text("Not linked to the Companies Office")).to_be_visible()
    expect(panel.get_by_text("Still needed: Company type, Subscription plan")).to_be_visible()
    shot(page, "import-unmapped.png")


def test_when_xpm_fails_on_create_trying_again_works(page, staff, xpm):
    panel = find_and_open_import(page, staff, "hēmi ngata", "Hēmi Ngata")
    expect(panel.get_by_label("Subscription plan")).to_be_focused()
    choose_first(page)
    xpm("POST", "faults", json={"fault": "503", "endpoints": ["client.api/get"]})
    tab_to(page, panel.get_by_role("button", name="Create"))
    page.keyboard.press("Enter")
    expect(panel.get_by_role("alert")).to_contain_text("Nothing was imported.")
    expect(panel.get_by_role("alert")).to_contain_text("Importing again is safe")
    shot(page, "import-failed.png")
    xpm("DELETE", "faults")
    tab_to(page, panel.get_by_role("button", name="Try again"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Hēmi Ngata", exact=True)).to_be_visible()
    expect(page).to_have_url(re.compile(r"/clients/\d+$"))

"""A company imported by keyboard alone, keys counted (issue 14: at most 8 besides typing
the name), and the closed lists of the import form, which ↓ opens rather than changes.

Counted, from the Clients page: what opens the panel — the shortcut its menu item
advertises in ``aria-keyshortcuts`` (1 key), or, where there is none, Enter ↓ Enter on the
"I would like to..." button (3 keys; the button is focused for the test, as a shortcut
would) — then ↓ Enter on the row, the plan by its first letter (the company type comes
from the structure mapping), Tab to Create and Enter.
"""

import re

from playwright.sync_api import expect

from tests.browser.test_import import find_and_open_import, shot, xpm  # noqa: F401
from tests.browser.test_manual_add import sign_in

LTC = "Tōtara Ltc Example Limited"
MOST_KEYS = 8


class Keys:
    """The keyboard, counting each key pressed (the typed name is not counted)."""

    def __init__(self, page):
        self.page, self.pressed = page, []

    def press(self, key: str) -> None:
        self.pressed.append(key)
        self.page.keyboard.press(key)

    def type(self, text: str) -> None:
        self.page.keyboard.type(text, delay=40)


def open_panel(page, keys: Keys) -> None:
    """The import panel, by its shortcut if the page has one, else by the menu."""
    item = page.locator("[role=menuitem][data-opens-panel]")
    shortcut = item.get_attribute("aria-keyshortcuts")
    if shortcut:
        keys.press(shortcut.split()[0])
        return
    page.get_by_role("button", name="I would like to...").focus()
    keys.press("Enter")
    keys.press("ArrowDown")
    expect(page.get_by_role("menuitem", name="Import from other system")).to_be_focused()
    keys.press("Enter")


def test_a_company_imports_by_keyboard_in_at_most_eight_keys(page, staff, xpm):  # noqa: F811
    sign_in(page, staff)
    keys = Keys(page)
    open_panel(page, keys)
    panel = page.get_by_role("dialog", name="Add client")
    expect(panel).to_be_visible()
    keys.type("tōtara ltc")
    expect(page.locator('#panel-list [role="option"]').first).to_contain_text(LTC)
    keys.press("ArrowDown")
    keys.press("Enter")
    expect(panel.get_by_role("heading", name=LTC, exact=True)).to_be_visible()
    # The mapping gave the type (marked), so the plan is what the focus is on.
    expect(panel.get_by_label("Company type")).to_have_value("ltc")
    expect(panel.get_by_text("from XPM: “LTC”")).to_be_visible()
    plan = panel.get_by_label("Subscription plan")
    expect(plan).to_be_focused()
    keys.press("s")  # the list's own type-ahead: Standard
    expect(plan).to_have_value(re.compile(r"\d+"))
    create = panel.get_by_role("button", name="Create")
    expect(create).to_be_enabled()
    keys.press("Tab")  # the warning's links come after Create
    expect(create).to_be_focused()
    shot(page, "keyboard-import-ready.png")
    keys.press("Enter")
    expect(page.get_by_role("heading", name=LTC, exact=True)).to_be_visible()
    expect(page).to_have_url(re.compile(r"/clients/\d+$"))
    expect(page.get_by_text("Look-through company (LTC)").first).to_be_visible()
    expect(page.get_by_text("Client on the Standard plan")).to_be_visible()
    assert len(keys.pressed) <= MOST_KEYS, keys.pressed


def test_the_warnings_links_come_after_create(page, staff, xpm):  # noqa: F811
    panel = find_and_open_import(page, staff, "tōtara ltc", LTC)
    create = panel.get_by_role("button", name="Create")
    order = panel.locator("a[href], button, select, input:not([type=hidden])").evaluate_all(
        "els => els.map(e => e.textContent.trim() || e.name)"
    )
    assert order.index("Create") < order.index("manually (Add client manually)")
    assert order.index("Create") < order.index("Bulk import")
    expect(create).to_be_disabled()
    # A disabled Create says what it waits for; the field itself says it is needed.
    expect(panel.get_by_text("Still needed: Subscription plan")).to_be_visible()
    plan = panel.get_by_label("Subscription plan")
    expect(plan).to_have_attribute("aria-invalid", "true")
    expect(plan).to_have_accessible_description(re.compile("Still needed: Subscription plan"))


def test_down_on_a_closed_list_opens_it_instead_of_choosing(page, staff, xpm):  # noqa: F811
    """One ↓ on the placeholder once imported a company as "Limited company (small)"."""
    panel = find_and_open_import(page, staff, "kōwhai holdings", "Kōwhai Holdings Limited")
    company_type = panel.get_by_label("Company type")
    expect(company_type).to_be_focused()
    expect(company_type).to_have_value("")
    page.keyboard.press("ArrowDown")  # opens the list: nothing chosen yet
    expect(company_type).to_have_value("")
    expect(panel.get_by_role("button", name="Create")).to_be_disabled()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")  # chosen in the open list: the second type
    expect(company_type).to_have_value("limited_large")
    expect(company_type).not_to_have_attribute("aria-invalid", "true")

"""How the accessibility test reaches each page and state: what a person does, in the
browser, from the signed-in context the state belongs to (tests/browser/test_accessibility.py)."""

import re

from playwright.sync_api import expect

from tests.browser.accessibility_site import IMPORT_FORMS, TWO_FACTOR
from tests.conftest import PASSWORD

OPTION = '#panel-list [role="option"]'


def go(path: str, heading: str | None = None):
    """Open ``path`` and wait for its heading (the page's h1 unless named)."""

    def open_page(page, site):
        page.goto(path.format(**{k.replace(" ", "_"): v for k, v in site.ids.items()}))
        target = page.get_by_role("heading", name=heading) if heading else page.locator("h1")
        expect(target.first).to_be_visible()

    return open_page


def panel_with(typed: str | None):
    """The "Add client" panel, open from the Clients page, ``typed`` in its search."""

    def open_panel(page, site):
        go("/clients/")(page, site)
        page.get_by_role("button", name="I would like to...").click()
        page.get_by_role("menuitem", name="Import from other system").click()
        expect(page.get_by_role("dialog", name="Add client")).to_be_visible()
        if typed:
            with checked_with_xpm(page):
                page.keyboard.type(typed)
            expect(page.locator(OPTION).first).to_be_visible()

    return open_panel


def checked_with_xpm(page):
    """Wait, after what the block does, for the panel's check of the list with XPM (asked
    half a second after the portal's own answer), whose answer replaces the results."""
    return page.expect_response(re.compile(r"/clients/add/confirm\b"))


def import_form(kind: str):
    """The import form of the sandbox's client of ``kind``, open in the panel (at the
    panel's own address, as a link to it opens it), chosen with ↓ and Enter."""
    typed, name = IMPORT_FORMS[kind]

    def open_form(page, site):
        with checked_with_xpm(page):
            page.goto(f"/clients/add?q={typed}")
        expect(page.locator(OPTION).first).to_contain_text(name)
        expect(page.get_by_role("combobox", name=re.compile("^Search"))).to_be_focused()
        page.keyboard.press("ArrowDown")
        page.keyboard.press("Enter")
        panel = page.get_by_role("dialog", name="Add client")
        expect(panel.get_by_role("button", name="Create")).to_be_visible()

    return open_form


def just_imported(page, site):
    """A company imported with Create in the panel: its new profile, told what came with it."""
    import_form("to create")(page, site)
    panel = page.get_by_role("dialog", name="Add client")
    panel.get_by_label("Company type").select_option(label="Limited company (small)")
    panel.get_by_label("Subscription plan").select_option(label="Standard")
    panel.get_by_role("button", name="Create").click()
    expect(
        page.get_by_role("heading", name=IMPORT_FORMS["to create"][1], exact=True)
    ).to_be_visible()
    expect(page.locator(".flash").first).to_be_visible()


def panel_linking(page, site):
    """ "Connect now" on a profile that is not linked to XPM: the panel, in link mode."""
    go("/clients/{unlinked}")(page, site)
    with checked_with_xpm(page):
        page.get_by_role("link", name="Connect now").click()
    expect(page.get_by_role("dialog")).to_be_visible()
    expect(page.locator(OPTION).first).to_be_visible()


def structure_changed(page, site):
    """Structure mapping, a structure just added: the page says what it will do."""
    go("/settings/structures/")(page, site)
    page.get_by_label("BusinessStructure in XPM").fill("Limited Partnership")
    page.get_by_label("Import as").last.select_option(label="Company")
    page.get_by_role("button", name="Add").click()
    expect(page.get_by_text("will import as company")).to_be_visible()


def manual_add_with_errors(page, site):
    """Manual add, sent with the name of a company the firm has: the server's errors."""
    go("/clients/new/company")(page, site)
    page.get_by_label("Company name").fill("Kōwhai Holdings Limited")
    page.get_by_label("Company type").select_option(label="Other")
    page.get_by_label("Subscription plan").select_option(label="Standard")
    page.get_by_role("button", name="Create").click()
    # The field's own error (the summary at the top of the form says it again, as a link).
    expect(page.locator("#name-errors")).to_contain_text("is already in this firm")


def manual_add_blocked(page, site):
    """Manual add with an e-mail address the page refuses before it is sent."""
    go("/clients/new/individual")(page, site)
    page.get_by_label("First name").fill("Aroha")
    page.get_by_label("Last name").fill("Ngata")
    page.get_by_label("Subscription plan").select_option(label="Standard")
    page.get_by_label("E-mail").fill("aroha@")
    page.get_by_label("Phone").focus()
    expect(page.get_by_role("button", name="Create")).to_be_disabled()


def from_register_found(page, site, typed="ngati rua farms", name="NGĀTI RUA FARMS LIMITED"):
    """The register's answer to a search typed on "From the Companies Office"."""
    go("/clients/from-register", "Add a company from the Companies Office")(page, site)
    page.get_by_label("Name, company number or NZBN").fill(typed)
    expect(page.get_by_role("row").filter(has_text=name)).to_be_visible()


def from_register_chosen(page, site):
    """A company chosen from the register (none in the portal yet): the form to add it."""
    from_register_found(page, site, "rata group", "RĀTĀ GROUP HOLDINGS LIMITED")
    page.get_by_role("link", name="Choose RĀTĀ GROUP HOLDINGS LIMITED").click()
    expect(page.get_by_role("heading", name="RĀTĀ GROUP HOLDINGS LIMITED")).to_be_visible()


def merge_review(page, site):
    go("/clients/{newer}/merge/{older}", "Merge two profiles")(page, site)
    page.get_by_role("button", name="Review the merge").click()
    expect(page.get_by_role("region", name="What will happen")).to_be_visible()


def sign_in_page(page, site):
    page.context.clear_cookies()  # whatever an earlier state of the signed-out context began
    page.goto("/login")
    expect(page.get_by_label("E-mail")).to_be_visible()


def sign_in_refused(page, site):
    sign_in_page(page, site)
    page.get_by_label("E-mail").fill("nobody@kowhai.example")
    page.get_by_label("Password").fill("not the password")
    page.keyboard.press("Enter")
    expect(page.get_by_text("That e-mail and password do not match an account.")).to_be_visible()


def second_factor(page, site):
    """The password accepted for someone with an authenticator app: the code is asked."""
    sign_in_page(page, site)
    page.get_by_label("E-mail").fill(TWO_FACTOR)
    page.get_by_label("Password").fill(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_label("Code from your authenticator app")).to_be_visible()


def menu_open(page, site):
    go("/clients/", "Clients")(page, site)
    page.get_by_role("button", name="I would like to...").click()
    expect(page.get_by_role("menuitem").first).to_be_focused()

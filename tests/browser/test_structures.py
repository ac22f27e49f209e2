"""An administrator changes how an XPM structure imports, from Settings."""

from playwright.sync_api import expect

from tests.browser.conftest import ARTIFACTS
from tests.browser.test_manual_add import sign_in


def test_map_a_new_structure_and_change_it(page, staff):
    sign_in(page, staff)
    page.get_by_role("link", name="Settings").click()
    page.get_by_role("link", name="Structure mapping").click()
    page.get_by_label("BusinessStructure in XPM").fill("Limited Partnership")
    page.get_by_label("Import as").last.select_option(label="Company")
    page.get_by_role("button", name="Add").click()
    expect(page.get_by_text("will import as company")).to_be_visible()
    select = page.get_by_label("Import “Limited Partnership” as")
    expect(select).to_have_value("company")
    select.select_option(label="Individual")
    page.get_by_role("row", name="Limited Partnership").get_by_role("button", name="Save").click()
    expect(page.get_by_text("now imports as individual")).to_be_visible()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / "structures.png", full_page=True)

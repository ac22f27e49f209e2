"""A person imports XPM report files built here (nothing is exported from anywhere): a CSV
with XPM's "[Client]" prefixes and no UUID column, then the same clients as a plain CSV with
UUIDs, then as XML; each step is looked at, and nothing is duplicated."""

import re

from playwright.sync_api import expect
from sqlalchemy import func, select

from portal import database
from portal.models import Association, Profile
from tests.browser.conftest import ARTIFACTS
from tests.browser.test_manual_add import sign_in
from tests.report_import.conftest import PLAIN, csv_report, family, xml_report

PARTNERSHIP = {"client": "Tāne & Hine Partnership", "business_structure": "Partnership"}
BAD = {"client": "", "business_structure": "Company"}


def _counts(app) -> tuple[int, int]:
    with app.app_context():
        session = database.session()
        return tuple(session.scalar(select(func.count(m.id))) for m in (Profile, Association))


def _import(page, body: bytes, name: str, shot: str | None = None):
    """From the bulk import page to the end of the import, as a person does it."""
    page.goto("/clients/bulk/")
    page.get_by_role("link", name="Import from an XPM report file").click()
    expect(page.get_by_role("heading", name="From an XPM report file")).to_be_visible()
    if shot:
        page.screenshot(path=ARTIFACTS / f"report-{shot}-1-instructions.png", full_page=True)
    page.get_by_label("Report file").set_input_files(
        files=[{"name": name, "mimeType": "text/csv", "buffer": body}]
    )
    page.get_by_role("button", name="Read the file").click()
    expect(page.get_by_role("heading", name=name)).to_be_visible()
    expect(page.get_by_label("Client name")).to_have_value(re.compile(r"\d"))
    if shot:
        page.screenshot(path=ARTIFACTS / f"report-{shot}-2-columns.png", full_page=True)
    page.get_by_role("button", name="Check the rows").click()
    expect(page.get_by_role("heading", name="Check", exact=True)).to_be_visible()


def _confirm(page, structures: bool = False, shot: str | None = None):
    page.get_by_label("Companies").select_option(label="Standard")
    page.get_by_label("Trusts").select_option(label="Standard")
    page.get_by_label("Individuals").select_option(label="As contacts (no plan)")
    page.get_by_label("Company type", exact=True).select_option(index=1)
    page.get_by_label("Trust type", exact=True).select_option(label="Family")
    if structures:
        page.get_by_label("“Partnership” is").select_option(label="Company")
    if shot:
        page.screenshot(path=ARTIFACTS / f"report-{shot}-3-check.png", full_page=True)
    page.get_by_role("button", name=re.compile(r"^Import \d+ clients?")).click()
    expect(page.get_by_role("heading", name="Imported")).to_be_visible()
    if shot:
        page.screenshot(path=ARTIFACTS / f"report-{shot}-4-imported.png", full_page=True)


def test_report_files_in_three_shapes_make_one_set_of_profiles(page, staff, live_app):
    ARTIFACTS.mkdir(exist_ok=True)
    sign_in(page, staff)

    # 1. XPM's own CSV headers, no UUID column, one bad row and an unmapped structure.
    _import(page, csv_report(family(uuids=False) + [PARTNERSHIP, BAD]), "no-uuid.csv", "csv")
    left_out = page.get_by_role("table", name="Rows left out")
    expect(left_out).to_contain_text("15")
    expect(left_out).to_contain_text("The row has no client name.")
    expect(page.get_by_text("Nothing has been written yet.")).to_be_visible()
    _confirm(page, structures=True, shot="csv")
    expect(
        page.get_by_text("5 profiles created, 0 linked to XPM, 7 relationships added")
    ).to_be_visible()
    assert _counts(live_app) == (5, 7)

    page.get_by_role("link", name="Kōwhai Holdings Limited").click()
    expect(page.get_by_role("heading", name="Kōwhai Holdings Limited")).to_be_visible()
    directors = page.locator(".role-group", has=page.get_by_role("heading", name="Directors"))
    expect(directors.get_by_role("link", name="Aroha Ngata")).to_be_visible()
    holders = page.locator(".role-group", has=page.get_by_role("heading", name="Shareholders"))
    expect(holders).to_contain_text("Aroha Ngata")
    expect(holders).to_contain_text("600")
    expect(holders).to_contain_text("Wiremu Ngata")
    page.screenshot(path=ARTIFACTS / "report-csv-5-profile.png", full_page=True)

    # 2. The same clients with UUIDs and plain headers: linked by name, not duplicated.
    _import(page, csv_report(family(), headers=PLAIN, bom=False), "with-uuid.csv")
    expect(page.get_by_text(re.compile(r"4 of these are already in the portal"))).to_be_visible()
    _confirm(page)
    expect(
        page.get_by_text("0 profiles created, 4 linked to XPM, 0 relationships added")
    ).to_be_visible()
    assert _counts(live_app) == (5, 7)

    # 3. The XML export: every client found by its UUID, nothing changes.
    _import(page, xml_report(family()), "report.xml", "xml")
    expect(page.get_by_role("columnheader", name="Record")).to_have_count(0)
    _confirm(page, shot="xml")
    expect(
        page.get_by_text("0 profiles created, 0 linked to XPM, 0 relationships added")
    ).to_be_visible()
    assert _counts(live_app) == (5, 7)

    page.goto("/clients/")
    page.get_by_role("link", name="Ngata Family Trust").click()
    trustees = page.locator(".role-group", has=page.get_by_role("heading", name="Trustees"))
    expect(trustees.get_by_role("link", name="Aroha Ngata")).to_be_visible()
    page.screenshot(path=ARTIFACTS / "report-xml-5-trust.png", full_page=True)

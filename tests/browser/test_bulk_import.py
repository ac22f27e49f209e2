"""A person bulk-imports a file with one bad row: reads the report, fixes it, imports it."""

import re

from playwright.sync_api import expect

from tests.browser.conftest import ARTIFACTS
from tests.browser.test_manual_add import sign_in
from tests.bulk.conftest import company, csv_file, person, role, trust


def open_bulk_import(page):
    menu_button = page.get_by_role("button", name="I would like to...")
    menu_button.click()
    page.get_by_role("menuitem", name="Bulk import").click()
    expect(page.get_by_role("heading", name="Bulk import", exact=True)).to_be_visible()


def choose_file(page, body: bytes, label="CSV file"):
    page.get_by_label(label).first.set_input_files(
        files=[{"name": "clients.csv", "mimeType": "text/csv", "buffer": body}]
    )


ROWS = [
    company("CO-1"),
    trust("TR-1"),
    person("IND-1"),
    role("IND-1", "Director", "CO-1"),
]


def test_bulk_import_with_one_bad_row(page, staff):
    ARTIFACTS.mkdir(exist_ok=True)
    sign_in(page, staff)
    open_bulk_import(page)
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the CSV template").click()
    assert download.value.suggested_filename == "bulk-import-template.csv"
    page.screenshot(path=ARTIFACTS / "bulk-import.png", full_page=True)

    bad = [*ROWS[:1], trust("TR-1", trust_type="Famly"), *ROWS[2:]]
    choose_file(page, csv_file(bad))
    page.get_by_role("button", name="Check the file").click()
    expect(page.get_by_text("3 rows ready to import; 1 row with problems")).to_be_visible()
    problem = page.get_by_role("row", name=re.compile("Trust type"))
    expect(problem).to_contain_text("3")
    expect(problem).to_contain_text("“Famly” is not a trust type. Use one of: Family")
    expect(page.get_by_text("Nothing has been written yet.")).to_be_visible()
    page.screenshot(path=ARTIFACTS / "bulk-report.png", full_page=True)

    choose_file(page, csv_file(ROWS))
    page.get_by_role("button", name="Check the corrected file").click()
    expect(page.get_by_text("All 4 rows are ready to import.")).to_be_visible()
    page.get_by_role("button", name="Import 4 rows").click()

    expect(page.get_by_role("heading", name="Imported")).to_be_visible()
    progress = page.get_by_role("progressbar")
    expect(progress).to_be_visible()
    expect(page.get_by_text(re.compile(r"4 of 4 rows imported"))).to_be_visible()
    expect(page.get_by_role("row", name="Profiles")).to_have_text(
        re.compile(r"Profiles\s*3\s*0\s*0")
    )
    expect(page.get_by_role("row", name="Associations")).to_have_text(
        re.compile(r"Associations\s*1\s*0\s*0")
    )
    expect(page.get_by_text("Every row of the file was imported.")).to_be_visible()
    page.screenshot(path=ARTIFACTS / "bulk-imported.png", full_page=True)

    page.get_by_role("link", name="Kōwhai Holdings Limited").click()
    expect(page.get_by_role("heading", name="Kōwhai Holdings Limited")).to_be_visible()
    expect(page.get_by_role("link", name="Aroha Ngata")).to_be_visible()


def test_progress_of_thousands_of_rows_and_coming_back(page, staff):
    sign_in(page, staff)
    open_bulk_import(page)
    rows = [company(f"CO-{i:05}", name=f"Company {i:05} Limited") for i in range(4000)]
    choose_file(page, csv_file(rows))
    page.get_by_role("button", name="Check the file").click()
    page.get_by_role("button", name="Import 4,000 rows").click()
    expect(page.get_by_role("heading", name="Importing")).to_be_visible()
    expect(page.get_by_role("progressbar")).to_be_visible()
    expect(page.get_by_text("You can leave this page")).to_be_visible()
    page.screenshot(path=ARTIFACTS / "bulk-progress.png", full_page=True)
    with page.expect_response(lambda r: r.request.headers.get("hx-request") == "true"):
        pass  # the page polls by itself, once a second
    expect(page.get_by_role("progressbar")).to_be_visible()
    page.screenshot(path=ARTIFACTS / "bulk-progress-polled.png", full_page=True)

    page.get_by_role("link", name="Clients", exact=True).first.click()
    open_bulk_import(page)
    page.get_by_role("link", name="clients.csv").click()
    expect(page.get_by_role("heading", name="Imported")).to_be_visible(timeout=30_000)
    expect(page.get_by_text("4,000 of 4,000 rows imported")).to_be_visible()

"""Two "John Smith" contacts with different roles: the suggestion on one, the two side by side,
a value taken from the other, the confirmation, the kept profile with every role, and the old
address leading to it."""

import re

from playwright.sync_api import expect
from sqlalchemy import select

from portal import database
from portal.models import User
from tests.browser.conftest import ARTIFACTS
from tests.browser.test_manual_add import sign_in
from tests.merging.conftest import build_family


def test_merge_two_john_smiths(page, staff, live_app):
    with live_app.app_context():
        user = database.session().scalar(select(User).where(User.email == staff["email"]))
        family = build_family(live_app, user.firm_id, user.id)
    ARTIFACTS.mkdir(exist_ok=True)
    sign_in(page, staff)

    page.goto(f"/clients/{family.newer}")
    suggestion = page.get_by_role("note", name="Possible duplicates")
    expect(suggestion).to_contain_text("Possibly the same as: John Smith (same date of birth)")
    expect(page.get_by_role("link", name="Merge with…")).to_be_visible()
    page.screenshot(path=ARTIFACTS / "merge-suggestion.png", full_page=True)

    page.get_by_role("link", name="Merge with…").click()  # the search, from the page head
    expect(page.get_by_role("heading", name="Merge John Smith with…")).to_be_visible()
    found = page.get_by_role("table", name="Profiles that could be the same as John Smith")
    expect(found).to_contain_text("born 4 Mar 1961")
    expect(found.get_by_role("link", name="Compare John Smith with John Smith")).to_be_visible()
    page.screenshot(path=ARTIFACTS / "merge-search.png", full_page=True)
    page.go_back()

    suggestion.get_by_role("link", name="Merge…").click()
    expect(page.get_by_role("heading", name="Merge two profiles")).to_be_visible()
    table = page.get_by_role("table", name="John Smith and John Smith side by side")
    expect(table).to_contain_text("Director of Kōwhai Holdings Limited")
    expect(table).to_contain_text("Beneficiary of Smith Family Trust")
    phone = page.get_by_role("radio", name="021 555 0202")  # the other's phone
    expect(phone).not_to_be_checked()
    phone.check()
    expect(page.get_by_role("radio", name="john@smith.example")).to_be_checked()
    page.screenshot(path=ARTIFACTS / "merge-side-by-side.png", full_page=True)
    page.get_by_role("button", name="Review the merge").click()

    heading = "Merge John Smith (added 1 Jan 2025) into John Smith (added 1 Jan 2024)?"
    expect(page.get_by_role("heading", name=heading)).to_be_visible()
    summary = page.get_by_role("region", name="What will happen")
    expect(summary).to_contain_text(
        "3 roles move from John Smith (added 1 Jan 2025) to John Smith (added 1 Jan 2024)."
    )
    expect(summary).to_contain_text("2 roles held by both become one")
    expect(summary).to_contain_text("The role between the two (John Smith, associate of")
    page.screenshot(path=ARTIFACTS / "merge-confirm.png", full_page=True)
    page.get_by_role("button", name="Merge", exact=True).click()

    expect(page).to_have_url(re.compile(rf"/clients/{family.older}$"))
    expect(page.locator(".flash")).to_have_text(
        "John Smith (added 1 Jan 2025) was merged into John Smith (added 1 Jan 2024)."
    )
    details = page.get_by_role("region", name="Details")
    expect(details).to_contain_text("021 555 0202")
    expect(details).to_contain_text("john@smith.example")
    roles = page.locator("#associations")
    for held in (
        "Director of Kōwhai Holdings Limited",
        "Shareholder of Kōwhai Holdings Limited · 500 shares",
        "Trustee of Smith Family Trust · from 1 May 2019",
        "Beneficiary of Smith Family Trust",
    ):
        expect(roles).to_contain_text(held)
    expect(roles.get_by_role("link", name="Jane Doe", exact=True)).to_be_visible()  # his spouse
    expect(page.get_by_role("note", name="Possible duplicates")).to_have_count(0)
    page.screenshot(path=ARTIFACTS / "merge-kept.png", full_page=True)

    page.goto(f"/clients/{family.newer}")
    expect(page).to_have_url(re.compile(rf"/clients/{family.older}$"))
    expect(page.locator(".flash")).to_have_text("John Smith was merged into John Smith.")

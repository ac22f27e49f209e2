"""A person completes a profile's people and roles from its checklist, in the browser."""

import re
from datetime import date

from playwright.sync_api import expect
from sqlalchemy import select

from portal import database
from portal.models import Association, Profile, SubscriptionPlan
from portal.text import fold
from tests.browser.conftest import ARTIFACTS
from tests.browser.test_manual_add import sign_in


def _store(live_app) -> dict:
    """A company with no director, a trust with a trustee lacking a date, and two people
    of one name (told apart by their details)."""
    with live_app.app_context():
        session = database.session()
        with database.writing(session):
            plan = session.scalar(select(SubscriptionPlan.id))
            firm_id = session.scalar(select(SubscriptionPlan.firm_id))

            def profile(kind, name, standing="contact", **values):
                row = Profile(
                    firm_id=firm_id,
                    kind=kind,
                    standing=standing,
                    name=name,
                    sort_name=fold(name),
                    subscription_plan_id=plan if standing == "client" else None,
                    **values,
                )
                session.add(row)
                session.flush()
                return row.id

            ids = {
                "company": profile("company", "Kōwhai Holdings Limited", "client"),
                "trust": profile(
                    "trust", "Tōtara Family Trust", "client", settlement_date=date(2010, 4, 1)
                ),
                "aroha": profile(
                    "individual",
                    "Aroha Smith",
                    first_name="Aroha",
                    last_name="Smith",
                    date_of_birth=date(1970, 11, 26),
                ),
                "other": profile(
                    "individual",
                    "Aroha Smith",
                    first_name="Aroha",
                    last_name="Smith",
                    email="aroha.smith@example.nz",
                ),
            }
            session.add(
                Association(
                    firm_id=firm_id,
                    profile_id=ids["trust"],
                    party_id=ids["aroha"],
                    role="trustee",
                    source_relationship_uuid="rel-trustee",
                )
            )
    return ids


def role_row(page, party: str):
    """The row of ``party``'s role in People and entities."""
    return page.locator("#associations tr", has=page.get_by_role("link", name=party, exact=True))


def checklist(page):
    return page.locator("section.checklist")


def test_people_and_roles_from_the_checklist(page, staff, live_app):
    ids = _store(live_app)
    ARTIFACTS.mkdir(exist_ok=True)
    sign_in(page, staff)
    page.goto(f"/clients/{ids['company']}")
    page.wait_for_load_state("load")

    # "Add at least one director": the add form, director chosen, the search focused.
    checklist(page).get_by_role("link", name="Add at least one director").click()
    expect(page).to_have_url(re.compile(r"/roles/new\?role=director#field-party$"))
    search = page.get_by_label("Find them among this firm's clients and contacts")
    expect(search).to_be_focused()
    expect(page.locator("#field-party")).to_have_class(re.compile("arrived"))
    expect(page.locator("#role")).to_have_value("director")
    page.keyboard.type("aroha")
    options = page.locator(".party-option")
    expect(options).to_have_count(2)
    expect(options.first).to_contain_text("born 26 Nov 1970")
    expect(options.nth(1)).to_contain_text("aroha.smith@example.nz")
    expect(page.get_by_label("Number of shares")).to_be_hidden()  # a director holds none
    page.screenshot(path=ARTIFACTS / "roles-add-search.png", full_page=True)
    options.filter(has_text="born 26 Nov 1970").get_by_role("radio").check()
    page.get_by_role("button", name="Add", exact=True).click()

    expect(page.get_by_role("heading", name="Kōwhai Holdings Limited")).to_be_visible()
    expect(page.get_by_text("Added Aroha Smith as director.")).to_be_visible()
    expect(checklist(page)).not_to_contain_text("Add at least one director")
    directors = page.locator(".role-group", has=page.get_by_role("heading", name="Directors"))
    expect(directors).to_contain_text("Aroha Smith")

    # A new contact, added inline, as a shareholder with its shares.
    checklist(page).get_by_role("link", name="Add at least one shareholder").click()
    expect(page.get_by_label("Find them among this firm's clients and contacts")).to_be_focused()
    page.keyboard.type("Mere")
    expect(page.get_by_text("No client or contact of this firm has “Mere”")).to_be_visible()
    page.get_by_label("Kind").select_option("individual")
    expect(page.get_by_label("Not here yet: add a new contact")).to_be_checked()
    page.get_by_label("First name").fill("Mere")
    page.get_by_label("Last name").fill("Tane")
    page.get_by_label("Number of shares").fill("-5")
    page.screenshot(path=ARTIFACTS / "roles-add-new-contact.png", full_page=True)
    page.get_by_role("button", name="Add", exact=True).click()
    expect(page.locator("#shares-errors")).to_contain_text("Enter a whole number of shares")
    page.screenshot(path=ARTIFACTS / "roles-add-bad-shares.png", full_page=True)
    page.get_by_label("Number of shares").fill("1,000")
    page.get_by_role("button", name="Add", exact=True).click()
    expect(page.get_by_text("Added Mere Tane as shareholder.")).to_be_visible()
    holders = page.locator(".role-group", has=page.get_by_role("heading", name="Shareholders"))
    expect(holders.get_by_role("row", name=re.compile("Mere Tane"))).to_contain_text("1,000")
    expect(checklist(page)).not_to_contain_text("Add at least one shareholder")
    page.screenshot(path=ARTIFACTS / "roles-profile.png", full_page=True)

    # End a role: asked for the date, then kept as history, marked ended.
    role_row(page, "Aroha Smith").get_by_role("link", name="End", exact=True).click()
    expect(page.get_by_role("heading", name="End Aroha Smith as director?")).to_be_visible()
    page.get_by_label("End date").fill("2024-06-30")
    page.screenshot(path=ARTIFACTS / "roles-end.png", full_page=True)
    page.get_by_role("button", name="End the role").click()
    row = directors.get_by_role("row", name=re.compile("Aroha Smith"))
    expect(row).to_contain_text("Ended")
    expect(row).to_contain_text("30 Jun 2024")
    expect(checklist(page)).to_contain_text("Add at least one director")
    page.locator("#associations").screenshot(path=ARTIFACTS / "roles-ended.png")

    # Remove a role entered by mistake, after its confirmation.
    role_row(page, "Mere Tane").get_by_role("button", name="Remove", exact=True).click()
    dialog = page.get_by_role("dialog", name="Remove Mere Tane as shareholder?")
    expect(dialog).to_contain_text("entered by mistake")
    page.screenshot(path=ARTIFACTS / "roles-remove.png", full_page=True)
    dialog.get_by_role("button", name="Remove the role").click()
    expect(page.get_by_text("Removed Mere Tane as shareholder.")).to_be_visible()
    expect(page.locator("#associations")).not_to_contain_text("Mere Tane")


def test_a_trustees_appointment_date_from_the_checklist(page, staff, live_app):
    ids = _store(live_app)
    sign_in(page, staff)
    page.goto(f"/clients/{ids['trust']}")
    page.wait_for_load_state("load")
    expect(page.locator("#associations")).to_contain_text("From XPM")
    checklist(page).get_by_role("link", name="Enter each trustee's appointment date").click()
    expect(page).to_have_url(re.compile(r"/roles/\d+/edit#field-start_date$"))
    start = page.get_by_label("Start or appointment date")
    expect(start).to_be_focused()
    expect(start).to_have_value("2010-04-01")  # the settlement date, offered
    expect(page.locator("#field-start_date")).to_have_class(re.compile("arrived"))
    page.screenshot(path=ARTIFACTS / "roles-edit-trustee.png", full_page=True)
    start.fill("2011-05-02")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Saved.")).to_be_visible()
    expect(checklist(page)).not_to_contain_text("Enter each trustee's appointment date")
    trustees = page.locator(".role-group", has=page.get_by_role("heading", name="Trustees"))
    expect(trustees).to_contain_text("2 May 2011")

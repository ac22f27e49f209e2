"""A company's registered office and address for service from the checklist: the link
lands on the control, focused, with its label in view and highlighted; "Same as…" fills
the addresses at once; saving removes the items (docs/spec.md §5)."""

from playwright.sync_api import expect
from sqlalchemy import select

from portal import database
from portal.models import Association, Profile, SubscriptionPlan
from tests.browser.conftest import ARTIFACTS
from tests.browser.test_manual_add import sign_in

IN_VIEW = """element => {
  const box = element.getBoundingClientRect();
  return box.top >= 0 && box.bottom <= window.innerHeight && box.height > 0;
}"""


def a_company(app) -> int:
    """A company with its physical address, but no registered office or address for service."""
    with app.app_context():
        session = database.session()
        plan = session.scalars(select(SubscriptionPlan)).first()
        with database.writing(session):
            profile = Profile(
                firm_id=plan.firm_id,
                kind="company",
                standing="client",
                origin="manual",
                name="Kōwhai Holdings Limited",
                sort_name="kowhai holdings limited",
                company_type_code="limited_small",
                subscription_plan_id=plan.id,
                physical_address="12 Rimu Street",
                physical_city="Auckland",
                physical_postcode="1010",
                physical_country="New Zealand",
            )
            session.add(profile)
        return profile.id


def test_the_registered_office_item_lands_on_its_field_and_same_as_completes_it(
    page, staff, live_app
):
    sign_in(page, staff)
    profile_id = a_company(live_app)
    page.goto(f"/clients/{profile_id}")
    checklist = page.locator(".checklist")
    item = checklist.get_by_role("link", name="Add the registered office and address for service")
    expect(checklist.get_by_role("link", name="Choose the filing obligation")).to_be_visible()
    expect(page.get_by_text("Not linked to the Companies Office")).to_have_count(0)
    item.click()

    expect(page).to_have_url(
        f"{page.url.split('/clients')[0]}/clients/{profile_id}/edit#field-registered_address"
    )
    control = page.locator("#registered_address")
    expect(control).to_be_focused()
    assert page.evaluate("document.activeElement.id") == "registered_address"
    label = page.locator('label[for="registered_address"]')
    expect(label).to_have_text("Registered office")
    assert label.evaluate(IN_VIEW), "the label is out of view"
    assert control.evaluate(IN_VIEW)
    wrapper = page.locator("#field-registered_address")
    expect(wrapper).to_have_class("field field-wide arrived")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / "details-arrived-registered-office.png")

    same = page.get_by_label("Same as physical address")
    assert same.evaluate(IN_VIEW), "the one-step box beside it is out of view"
    same.check()
    expect(control).to_have_value("12 Rimu Street")
    expect(page.locator("#registered_city")).to_have_value("Auckland")
    page.get_by_label("Same as registered office").check()
    expect(page.locator("#service_address")).to_have_value("12 Rimu Street")
    expect(page.locator("#service_postcode")).to_have_value("1010")
    # Typing in the copy unticks its box: what is typed is what is saved.
    page.locator("#service_city").fill("Wellington")
    expect(page.get_by_label("Same as registered office")).not_to_be_checked()
    page.get_by_label("Filing obligation").select_option(label="Registered office only")
    page.get_by_label("Incorporation date").fill("2012-06-18")
    page.screenshot(path=ARTIFACTS / "details-same-as-filled.png", full_page=True)
    page.get_by_role("button", name="Save").click()

    expect(page.get_by_role("heading", name="Kōwhai Holdings Limited")).to_be_visible()
    expect(page.get_by_text("Saved.")).to_be_visible()
    for gone in (
        "Add the registered office and address for service",
        "Add the registered office",
        "Add the address for service",
        "Choose the filing obligation",
    ):
        expect(page.get_by_role("link", name=gone, exact=True)).to_have_count(0)
    details = page.locator("section", has=page.get_by_role("heading", name="Details"))
    expect(details.get_by_text("Registered office only")).to_be_visible()
    expect(details.get_by_text("18 Jun 2012")).to_be_visible()
    office = details.locator("div", has=page.locator("dt", has_text="Address for service"))
    expect(office.locator("dd")).to_contain_text("Wellington")
    page.screenshot(path=ARTIFACTS / "details-profile-after-save.png", full_page=True)
    with live_app.app_context():
        stored = database.session().get(Profile, profile_id)
        assert (stored.registered_address, stored.service_city) == ("12 Rimu Street", "Wellington")


def test_the_address_for_service_item_lands_on_its_own_field(page, staff, live_app):
    sign_in(page, staff)
    profile_id = a_company(live_app)
    with live_app.app_context():
        session = database.session()
        with database.writing(session):
            session.get(Profile, profile_id).registered_address = "1 Queen Street"
    page.goto(f"/clients/{profile_id}")
    page.get_by_role("link", name="Add the address for service", exact=True).click()
    expect(page.locator("#service_address")).to_be_focused()
    label = page.locator('label[for="service_address"]')
    assert label.evaluate(IN_VIEW)
    expect(page.locator("#field-service_address")).to_have_class("field field-wide arrived")
    page.screenshot(path=ARTIFACTS / "details-arrived-service.png")


def test_the_filing_obligation_item_lands_on_its_select_and_shares_warn_beside_the_total(
    page, staff, live_app
):
    sign_in(page, staff)
    profile_id = a_company(live_app)
    with live_app.app_context():
        session = database.session()
        with database.writing(session):
            company = session.get(Profile, profile_id)
            company.total_shares = 1000
            holder = Profile(
                firm_id=company.firm_id,
                kind="individual",
                standing="contact",
                name="Aroha Ngata",
                sort_name="aroha ngata",
            )
            session.add(holder)
            session.flush()
            session.add(
                Association(
                    firm_id=company.firm_id,
                    profile_id=profile_id,
                    party_id=holder.id,
                    role="shareholder",
                    shares=600,
                )
            )
    page.goto(f"/clients/{profile_id}")
    page.get_by_role("link", name="Choose the filing obligation").click()
    select = page.get_by_label("Filing obligation")
    expect(select).to_be_focused()
    assert page.locator('label[for="filing_obligation"]').evaluate(IN_VIEW)
    expect(page.locator("#field-filing_obligation")).to_have_class("field arrived")
    warning = page.locator("#total_shares-warning")
    expect(warning).to_have_text(
        "The current shareholders hold 600 shares in all, not 1,000: change the total here, "
        "or their shares under People and entities."
    )
    page.screenshot(path=ARTIFACTS / "details-arrived-filing-obligation.png")
    select.select_option(label="Office filing only")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".flash-warning")).to_contain_text("hold 600 shares in all, not 1,000")
    expect(page.get_by_role("link", name="Choose the filing obligation")).to_have_count(0)


def test_an_individuals_residential_address_item_lands_on_the_physical_address(
    page, staff, live_app
):
    sign_in(page, staff)
    with live_app.app_context():
        session = database.session()
        plan = session.scalars(select(SubscriptionPlan)).first()
        with database.writing(session):
            person = Profile(
                firm_id=plan.firm_id,
                kind="individual",
                standing="client",
                origin="manual",
                name="Aroha Ngata",
                sort_name="aroha ngata",
                first_name="Aroha",
                last_name="Ngata",
                subscription_plan_id=plan.id,
            )
            session.add(person)
        person_id = person.id
    page.goto(f"/clients/{person_id}")
    expect(page.locator("dt", has_text="Residential address")).to_be_visible()
    page.get_by_role("link", name="Add the residential address").click()
    control = page.locator("#physical_address")
    expect(control).to_be_focused()
    expect(page.locator("#field-physical_address")).to_have_class("field field-wide arrived")
    assert page.locator('label[for="physical_address"]').evaluate(IN_VIEW)
    legend = page.locator("fieldset", has=control).locator("legend")
    expect(legend).to_have_text("Residential address")
    assert legend.evaluate(IN_VIEW), "the section's title is out of view"
    page.screenshot(path=ARTIFACTS / "details-arrived-residential.png")
    control.fill("7 Kauri Road")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Saved.")).to_be_visible()
    expect(page.get_by_role("link", name="Add the residential address")).to_have_count(0)

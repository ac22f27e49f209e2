"""The Companies Office link in the browser, with the register sandbox on its own origin:
a company loaded from the register with its directors and shareholders, and a company loaded
manually linked to the register."""

import re

from playwright.sync_api import expect
from sqlalchemy import select

from portal import database
from portal.models import Firm, Profile, SubscriptionPlan
from portal.text import fold
from tests.browser.conftest import ARTIFACTS
from tests.browser.test_manual_add import sign_in

FARMS = "NGĀTI RUA FARMS LIMITED"


def test_load_a_company_from_the_register(page, staff, register_origin):
    sign_in(page, staff)
    ARTIFACTS.mkdir(exist_ok=True)
    page.get_by_role("button", name="I would like to...").click()
    page.get_by_role("menuitem", name="From the Companies Office").click()
    expect(
        page.get_by_role("heading", name="Add a company from the Companies Office")
    ).to_be_visible()
    page.wait_for_load_state("load")  # htmx listens once the page's scripts have run
    search = page.get_by_label("Name, company number or NZBN")
    search.fill("ngati rua farms")  # live search, no Enter
    row = page.get_by_role("row").filter(has_text=FARMS)
    expect(row).to_be_visible()
    expect(page.get_by_text("© Crown copyright")).to_be_visible()
    page.screenshot(path=ARTIFACTS / "register-search.png", full_page=True)
    row.get_by_role("link", name=f"Choose {FARMS}").click()

    expect(page.get_by_role("heading", name=FARMS)).to_be_visible()
    expect(page.locator("#register-allocations")).to_contain_text(
        "TE ARAWA PASTORAL INVESTMENTS LIMITED (company)"
    )
    create = page.get_by_role("button", name="Create")
    expect(create).to_be_disabled()
    page.get_by_label("Company type").select_option("limited_small")
    page.get_by_label("Subscription plan").select_option(label="Standard")
    expect(create).to_be_enabled()
    page.screenshot(path=ARTIFACTS / "register-new.png", full_page=True)
    create.click()

    expect(page.get_by_role("heading", name=FARMS)).to_be_visible()
    expect(page).to_have_url(re.compile(r"/clients/\d+$"))
    expect(page.get_by_text("was added from the Companies Office")).to_be_visible()
    card = page.locator("#companies-office")
    expect(card).to_contain_text("Linked to the Companies Office as NZBN")
    people = page.locator("#associations")
    expect(people.get_by_role("heading", name="Directors")).to_be_visible()
    expect(people.get_by_role("heading", name="Shareholders")).to_be_visible()
    expect(people).to_contain_text("TE ARAWA PASTORAL INVESTMENTS LIMITED")
    expect(page.get_by_text("Confirm the company number with the Companies Office")).to_have_count(
        0
    )
    page.screenshot(path=ARTIFACTS / "register-created-profile.png", full_page=True)


def _manual_company(app, name: str) -> int:
    with app.app_context():
        session = database.session()
        with database.writing(session):
            firm = session.scalars(select(Firm)).first()
            plan = session.scalars(
                select(SubscriptionPlan).where(SubscriptionPlan.firm_id == firm.id)
            ).first()
            profile = Profile(
                firm_id=firm.id,
                kind="company",
                standing="client",
                origin="manual",
                name=name,
                sort_name=fold(name),
                company_type_code="limited_small",
                subscription_plan_id=plan.id,
            )
            session.add(profile)
        return profile.id


def test_link_a_manually_loaded_company(page, staff, live_app, register_origin):
    sign_in(page, staff)
    company = _manual_company(live_app, "Ngāti Rua Farms Limited")
    page.goto(f"/clients/{company}")
    expect(page.locator("#companies-office")).to_contain_text("No link to the Companies Office")
    page.get_by_role("link", name="Link to the Companies Office").click()
    expect(page.get_by_role("heading", name="Link to the Companies Office")).to_be_visible()
    expect(page.get_by_label("Name, company number or NZBN")).to_have_value(
        "Ngāti Rua Farms Limited"
    )
    row = page.get_by_role("row").filter(has_text=FARMS)
    expect(row).to_be_visible()
    page.screenshot(path=ARTIFACTS / "register-link-search.png", full_page=True)
    row.get_by_role("button", name=re.compile(r"^Link to ")).click()

    expect(page.get_by_text("is linked to the Companies Office (NZBN")).to_be_visible()
    card = page.locator("#companies-office")
    expect(card).to_contain_text("Linked to the Companies Office as NZBN")
    expect(card.get_by_role("link", name=re.compile(r"^\d{13}$"))).to_have_attribute(
        "href", re.compile(r"^https://www\.nzbn\.govt\.nz/mynzbn/nzbndetails/\d{13}/$")
    )
    expect(page.get_by_text("Confirm the company number with the Companies Office")).to_have_count(
        0
    )
    page.screenshot(path=ARTIFACTS / "register-linked-profile.png", full_page=True)


def test_without_a_key_the_page_says_what_to_set(page, staff, live_app):
    live_app.config.update(NZBN_SUBSCRIPTION_KEY=None)
    sign_in(page, staff)
    page.get_by_role("button", name="I would like to...").click()
    page.get_by_role("menuitem", name="From the Companies Office").click()
    notice = page.locator("#register-not-configured")
    expect(notice).to_contain_text("NZBN_SUBSCRIPTION_KEY")
    expect(page.get_by_label("Name, company number or NZBN")).to_have_count(0)
    page.screenshot(path=ARTIFACTS / "register-not-configured.png", full_page=True)

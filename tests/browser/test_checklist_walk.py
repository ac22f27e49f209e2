"""An imported company, trust and individual go from "Preparing" to "Complete" in the
browser, following nothing but their own checklist (issue 12, "Done when").

Each step clicks an item's link, sees the control the item names focused (its label on the
screen, its field highlighted), fixes it as staff would, saves, and sees the item gone. The
three clients come from the XPM sandbox through the import form, so their roles come from
XPM; a few of their values are blanked in XPM first, so that every rule of
``portal/clients/checklist.py`` is met at least once (``WALKED`` in tests/checklist_walk.py:
tests/test_checklist_walk_coverage.py fails when a rule is added that is not there).
"""

import re

from playwright.sync_api import expect
from sqlalchemy import select

from portal import database
from portal.models import Firm
from tests.browser.conftest import ARTIFACTS
from tests.browser.test_import import xpm  # noqa: F401  (the fixture)
from tests.browser.test_manual_add import sign_in
from tests.checklist_walk import WALKED
from tests.importing.sandboxed import find

INDIVIDUAL = "Hēmi Ngata"
TRUST = "Mataī Family Trust Example"
COMPANY = "Kererū Orchards Limited"
UNKNOWN = "Ngata Whānau Partners"
VALID_IRD = "49-091-850"
#: How long a step may take to show (a page load after a click), on a loaded machine.
WAIT = 15_000


class Walk:
    """The browser on one profile, following its checklist."""

    def __init__(self, page):
        self.page = page
        self.met: set[str] = set()

    @property
    def checklist(self):
        return self.page.locator("section.checklist")

    def link(self, key: str):
        pattern = re.compile(f"^{WALKED[key]}$")
        return self.checklist.get_by_role("link", name=pattern)

    def follow(self, key: str, field: str, label: str | None = None, shot: str | None = None):
        """Click the item ``key``; the control of ``#field-FIELD`` (named ``label``) is the
        focused element, its label on screen, its wrapper highlighted. Returns the control."""
        self.met.add(key)
        self.link(key).click()
        wrapper = self.page.locator(f"#field-{field}")
        # Without a label (a list, not a form field): whatever it focuses, inside it.
        named = re.compile(rf"^\s*{re.escape(label)}( \*)?\s*$") if label else None  # * required
        control = wrapper.get_by_label(named) if label else wrapper.locator(":focus")
        expect(control).to_be_focused(timeout=WAIT)
        expect(wrapper).to_have_class(re.compile(r"\barrived\b"))
        expect(wrapper.locator("label, h3").first).to_be_in_viewport(ratio=1)  # not cut off
        if shot:
            self.page.screenshot(path=ARTIFACTS / shot)
        return control

    def save(self, key: str, button: str = "Save"):
        """Save the form; back on the profile, the item ``key`` is gone."""
        self.page.get_by_role("button", name=button, exact=True).click()
        heading = self.page.get_by_role("heading", level=1)
        expect(heading).not_to_have_text(re.compile("^Edit"), timeout=WAIT)
        expect(self.link(key)).to_have_count(0)

    def add_party(self, key: str, typed: str, name: str, shares: str | None = None):
        """ "Add …": search the firm's profiles, choose the one named ``name`` (a pattern),
        add the role."""
        search = self.follow(key, "party", "Find them among this firm's clients and contacts")
        search.fill(typed)  # one search (typed key by key, a later answer could undo the choice)
        option = self.page.locator(".party-option").filter(
            has=self.page.locator(".row-name", has_text=re.compile(f"^{name}$"))
        )
        option.get_by_role("radio").check()
        expect(option.get_by_role("radio")).to_be_checked()
        start = self.page.get_by_label("Start or appointment date")
        expect(start).to_have_value("")  # not known yet: the checklist will ask for it
        if shares is not None:
            self.page.get_by_label("Number of shares").fill(shares)
        self.page.get_by_role("button", name="Add", exact=True).click()
        added = self.page.get_by_text(re.compile(f"^Added {name} as "))
        expect(added).to_be_visible(timeout=WAIT)
        expect(self.link(key)).to_have_count(0)

    def complete(self, shot: str):
        expect(
            self.page.get_by_text("Setup is complete: nothing is left to check.")
        ).to_be_visible()
        expect(self.page.locator(".page-head .status")).to_have_text("Complete")
        self.page.screenshot(path=ARTIFACTS / shot, full_page=True)


def _import(page, client_uuid: str, name: str, company_type=False, trust_type=False):
    """The import form, as "Import" in the panel opens it: its choices, then Create."""
    page.goto(f"/clients/import/xpm/{client_uuid}")
    if company_type:
        page.get_by_label("Company type").select_option(index=1)
    if trust_type:
        page.get_by_label("Trust type").select_option(index=1)
    page.get_by_label("Subscription plan").select_option(label="Standard")
    page.get_by_role("button", name="Create").click()
    expect(page.get_by_role("heading", name=name, exact=True)).to_be_visible(timeout=30_000)
    expect(page.locator(".page-head .status")).to_have_text("Preparing")
    page.wait_for_load_state("load")


def _blank_in_xpm(live_app, xpm) -> dict[str, str]:  # noqa: F811
    """The three clients, with the gaps the walk fills made in XPM itself; their UUIDs."""
    with live_app.app_context():
        firm_id = database.session().scalar(select(Firm.id))
    hemi = find(live_app, firm_id, INDIVIDUAL)
    xpm("PATCH", f"clients/{hemi}", json={"DateOfBirth": "", "Address": "", "Email": ""})
    trust = find(live_app, firm_id, TRUST)
    xpm("PATCH", f"clients/{trust}", json={"TaxNumber": ""})
    unknown = xpm("POST", "clients", json={"Name": UNKNOWN, "BusinessStructure": ""})["uuid"]
    company = xpm(
        "POST",
        "clients",
        json={
            "Name": COMPANY,
            "BusinessStructure": "Company",
            "TaxNumber": "******850",
            "Address": "12 Orchard Road",
            "City": "Hastings",
            "Email": "accounts@kereru.example.nz",
            "Relationships": [{"Type": "Secretary", "RelatedClient": unknown}],
        },
    )["uuid"]
    return {"individual": hemi, "trust": trust, "company": company}


def test_imported_clients_are_completed_from_their_checklists(page, staff, live_app, xpm):  # noqa: F811
    ARTIFACTS.mkdir(exist_ok=True)
    uuids = _blank_in_xpm(live_app, xpm)
    sign_in(page, staff)
    walk = Walk(page)

    # An individual: date of birth, residential address, IRD (masked), e-mail.
    _import(page, uuids["individual"], INDIVIDUAL)
    walk.follow("date_of_birth", "date_of_birth", "Date of birth").fill("1948-03-14")
    walk.save("date_of_birth")
    street = walk.follow("residential", "physical_address", "Street address")
    street.fill("351 Devon Street East")
    walk.save("residential")
    ird = walk.follow("ird_masked", "ird_number", "IRD number", shot="walk-arrive-ird.png")
    expect(ird).to_have_value("******665")
    ird.fill(VALID_IRD)
    walk.save("ird_masked")
    walk.follow("email", "email", "E-mail").fill("hemi.ngata@example.co.nz")
    walk.save("email")
    walk.complete("walk-individual-complete.png")

    # A trust with no roles in XPM: trustee, beneficiaries, settlor (their appointment
    # dates not known when added), then its dates and its IRD number (XPM has none).
    _import(page, uuids["trust"], TRUST, trust_type=True)
    walk.add_party("trustee", "aroha", "Aroha Ngata")
    walk.add_party("beneficiary", "hēmi", INDIVIDUAL)  # the name XPM gave him, kept
    walk.add_party("settlor", "aroha", "Aroha Ngata")
    start = walk.follow("trustee_date", "start_date", "Start or appointment date")
    start.fill("2009-07-01")
    walk.save("trustee_date")
    start = walk.follow("beneficiary_date", "start_date", "Start or appointment date")
    start.fill("2009-07-01")
    walk.save("beneficiary_date")
    walk.follow("settlement_date", "settlement_date", "Settlement date").fill("2009-07-01")
    walk.save("settlement_date")
    walk.follow("trust_deed_date", "trust_deed_date", "Trust deed date").fill("2009-06-20")
    walk.save("trust_deed_date")
    walk.follow("vesting_date", "vesting_date", "Vesting date").fill("2089-07-01")
    walk.save("vesting_date")
    walk.follow("ird_missing", "ird_number", "IRD number").fill("35-901-981")
    walk.save("ird_missing")
    walk.complete("walk-trust-complete.png")

    # A company XPM knows little about, with a secretary XPM does not say the kind of.
    _import(page, uuids["company"], COMPANY, company_type=True)
    number = walk.follow("company_number", "company_number", "Company number")
    number.fill("7654321")
    walk.save("company_number")
    confirmed = walk.follow(
        "companies_office",
        "company_number_confirmed",
        "Company number checked against the Companies Office register",
        shot="walk-arrive-companies-office.png",
    )
    confirmed.check()
    walk.save("companies_office")
    expect(page.get_by_text("Not linked to the Companies Office")).to_have_count(0)
    walk.add_party("director", "aroha", "Aroha Ngata")
    walk.add_party("shareholder", "mataī", TRUST)  # its shares not known yet
    walk.follow("shares", "shares", "Number of shares").fill("600")
    walk.save("shares")
    walk.follow("total_shares", "total_shares", "Total shares issued").fill("1000")
    walk.save("total_shares")
    # The shares do not add up: the shareholders, each with its Edit link.
    edit = walk.follow("allocations", "shareholders", shot="walk-arrive-shareholders.png")
    expect(edit).to_have_accessible_name("Edit")
    expect(edit).to_have_accessible_description(TRUST)
    page.keyboard.press("Enter")
    shares = page.get_by_label("Number of shares")
    expect(shares).to_have_value("600")
    shares.fill("1000")
    walk.save("allocations")
    ird = walk.follow("ird_masked", "ird_number", "IRD number")
    ird.fill("136-410-133")  # a digit mistyped: told so beside the field, nothing saved
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator("#ird_number-errors")).to_have_text(
        "That is not a valid IRD number (8 or 9 digits; check the digits)."
    )
    expect(page.get_by_label("IRD number")).to_have_attribute("aria-invalid", "true")
    page.get_by_label("IRD number").fill("136-410-132")
    walk.save("ird_masked")
    # Both addresses wanted: the address for service first, then the office it asks for.
    service = walk.follow("both_addresses", "registered_address", "Registered office")
    page.get_by_label("Address for service", exact=True).fill("Level 2, 40 Queen Street")
    walk.save("both_addresses")
    walk.follow("registered", "registered_address", "Registered office").fill("12 Orchard Road")
    walk.save("registered")
    # Cleared by mistake: the checklist asks for it again.
    page.get_by_role("link", name="Edit details").click()
    page.get_by_label("Address for service", exact=True).fill("")
    page.get_by_role("button", name="Save", exact=True).click()
    service = walk.follow("service", "service_address", "Address for service")
    service.fill("Level 2, 40 Queen Street")
    walk.save("service")
    month = walk.follow("annual_return_month", "annual_return_month", "Annual return filing month")
    month.select_option(label="March")
    walk.save("annual_return_month")
    obligation = walk.follow("filing_obligation", "filing_obligation", "Filing obligation")
    obligation.select_option(label="Registered office and filing")
    walk.save("filing_obligation")
    walk.complete("walk-company-complete.png")

    # The secretary came in as a contact of unknown kind: its page asks for the kind.
    page.locator("#associations").get_by_role("link", name=UNKNOWN, exact=True).click()
    expect(page.get_by_role("heading", name=UNKNOWN, exact=True)).to_be_visible()
    page.wait_for_load_state("load")
    walk.follow("kind", "kind", "What is it?", shot="walk-arrive-kind.png").select_option("company")
    walk.save("kind", button="Save kind")
    expect(page.locator(".page-head .subtitle")).to_contain_text("Company")

    assert walk.met == set(WALKED), f"not walked: {sorted(set(WALKED) - walk.met)}"

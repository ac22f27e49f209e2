"""The import form starts with the company or trust type the firm's structure mapping gives
(marked "from XPM"), never guesses one, reads each role once and, sent back by the server,
says what to fix and focuses it (docs/spec.md §4.1)."""

import re

from sqlalchemy import select

from portal import database
from portal.models import StructureMapping
from portal.sandbox.fixtures import CHAIN_COMPANY
from tests.importing.sandboxed import find, import_url

HTMX = {"HX-Request": "true", "HX-Target": "add-client-body"}


def selected(page: str, name: str) -> str | None:
    """The value of the selected option of the select called ``name`` (None: none)."""
    select_html = re.search(rf'<select[^>]*name="{name}".*?</select>', page, re.S).group(0)
    chosen = re.search(r'<option selected value="([^"]*)"', select_html) or re.search(
        r'<option value="([^"]*)" selected', select_html
    )
    return chosen.group(1) if chosen else None


def test_an_ltc_starts_as_a_look_through_company_marked_from_xpm(app, client, connected):
    ltc = find(app, connected[1], "Tōtara Ltc Example Limited", "LTC")
    page = client.get(import_url(ltc), headers=HTMX).get_data(as_text=True)
    assert selected(page, "company_type_code") == "ltc"
    assert 'id="company_type_code-hint">from XPM: “LTC”</p>' in page
    assert 'aria-describedby="company_type_code-hint"' in page
    assert "Still needed: Subscription plan" in page
    # The plan is what is left to fill in: it has the focus, not the prefilled type.
    assert re.search(r'<select autofocus[^>]*name="subscription_plan_id"', page)


def test_a_family_trust_starts_as_family(app, client, connected):
    trust = find(app, connected[1], "Pōhutukawa Family Trust")
    page = client.get(import_url(trust)).get_data(as_text=True)
    assert selected(page, "trust_type_code") == "family"
    assert "from XPM: “Family Trust”" in page


def test_a_structure_that_says_no_type_is_not_guessed(app, client, connected):
    """ "Company" may be small or large: the placeholder stays chosen, nothing is marked."""
    company = find(app, connected[1], CHAIN_COMPANY, "Company")
    page = client.get(import_url(company)).get_data(as_text=True)
    assert selected(page, "company_type_code") in (None, "")
    assert "from XPM:" not in page
    assert "Still needed: Company type, Subscription plan" in page


def test_the_administrators_default_is_the_one_the_form_starts_with(app, client, connected):
    firm_id = connected[1]
    with app.app_context():
        session = database.session()
        row = session.scalar(
            select(StructureMapping).where(
                StructureMapping.firm_id == firm_id, StructureMapping.structure_key == "company"
            )
        )
        mapping_id = row.id
    client.post(
        f"/settings/structures/{mapping_id}",
        data={
            f"m{mapping_id}-kind": "company",
            f"m{mapping_id}-company_type_code": "limited_large",
        },
    )
    company = find(app, firm_id, CHAIN_COMPANY, "Company")
    page = client.get(import_url(company)).get_data(as_text=True)
    assert selected(page, "company_type_code") == "limited_large"
    assert "from XPM: “Company”" in page


def test_a_role_reads_once(app, client, connected):
    """XPM's "Shareholder Of" is the role seen from the other side: not repeated."""
    company = find(app, connected[1], CHAIN_COMPANY, "Company")
    page = client.get(import_url(company)).get_data(as_text=True)
    assert "Ngāti Rua Farms Limited" in page  # held through "Shareholder Of"
    assert "(Shareholder Of)" not in page and "(Shareholder)" not in page
    assert "(Director Of)" not in page


def test_a_refused_create_says_what_to_fix_and_focuses_it(app, client, connected):
    company = find(app, connected[1], CHAIN_COMPANY, "Company")
    response = client.post(
        import_url(company), data={"kind": "company", "subscription_plan_id": ""}, headers=HTMX
    )
    page = response.get_data(as_text=True)
    summary = re.search(r'<div class="error-summary" role="alert".*?</div>', page, re.S).group(0)
    assert "Check these 2 fields, then press Create again" in summary
    assert '<a href="#company_type_code">Company type: Choose a company type.</a>' in summary
    assert '<a href="#subscription_plan_id">Subscription plan: ' in summary
    # The first field in error has the focus, and says it is in error.
    assert re.search(
        r'<select aria-describedby="company_type_code-errors" aria-invalid="true" '
        r'autofocus[^>]*name="company_type_code"',
        page,
    )
    assert page.count("autofocus") == 1


def test_xpms_label_shows_only_when_it_adds_to_the_role():
    from portal.web import extra_label

    assert extra_label("Shareholder Of", "shareholder") == ""
    assert extra_label("shareholder", "shareholder") == ""
    assert extra_label("Parent Of", "parent_of") == ""
    assert extra_label("", "director") == ""
    assert extra_label("Trustee (corporate)", "trustee") == "Trustee (corporate)"
    assert extra_label("Alternate Director", "director") == "Alternate Director"

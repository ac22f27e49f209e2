"""A company's registered office, address for service, incorporation date and filing
obligation; an individual's residential address; each profile's origin and the Companies
Office warning that depends on it (docs/spec.md §2, §3)."""

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from portal import database
from portal.clients.checklist import (
    checklist,
    share_warning,
    shows_companies_office_warning,
)
from portal.models import Association, AuditEvent, Profile
from tests.test_clients import company, individual, profiles

PHYSICAL = {
    "physical_address": "12 Rimu Street",
    "physical_city": "Auckland",
    "physical_region": "Auckland",
    "physical_postcode": "1010",
    "physical_country": "New Zealand",
}


def stored(app, profile_id: int) -> Profile:
    with app.app_context():
        return database.session().get(Profile, profile_id)


def add_company(app, client, firm_id, **values) -> Profile:
    response = client.post("/clients/new/company", data=company(app, firm_id, **values))
    assert response.status_code == 302, response.get_data(as_text=True)
    return profiles(app)[-1]


# --- The form ------------------------------------------------------------------------------
def test_a_company_is_added_with_its_new_details_and_a_manual_origin(app, client, signed_in):
    profile = add_company(
        app,
        client,
        signed_in[1],
        incorporation_date="2012-06-18",
        filing_obligation="registered_office_check_filing",
        registered_address="Level 2, 40 Queen Street",
        registered_city="Auckland",
        service_address="PO Box 1, Auckland",
    )
    assert profile.origin == "manual"
    assert profile.incorporation_date == date(2012, 6, 18)
    assert profile.filing_obligation == "registered_office_check_filing"
    assert (profile.registered_address, profile.registered_city) == (
        "Level 2, 40 Queen Street",
        "Auckland",
    )
    assert profile.service_address == "PO Box 1, Auckland"
    page = client.get(f"/clients/{profile.id}").get_data(as_text=True)
    for text in (
        "Incorporation date",
        "18 Jun 2012",
        "Filing obligation",
        "Registered office check filing",
        "Registered office",
        "Level 2, 40 Queen Street",
        "Address for service",
        "PO Box 1, Auckland",
        "How it came in",
        "Added manually",
    ):
        assert text in page
    assert "Not linked to the Companies Office" not in page  # added manually


def test_same_as_copies_each_address_on_save_without_the_script(app, client, signed_in):
    """The boxes work without JavaScript: the registered office is copied from the physical
    address first, then the address for service from it; what was typed there is replaced."""
    profile = add_company(
        app,
        client,
        signed_in[1],
        **PHYSICAL,
        registered_same_as_physical="y",
        registered_address="typed, then replaced",
        service_same_as_registered="y",
    )
    for prefix in ("registered", "service"):
        assert [
            getattr(profile, f"{prefix}_{part}") for part in ("address", "city", "country")
        ] == [
            "12 Rimu Street",
            "Auckland",
            "New Zealand",
        ]
    assert not any("same_as" in c.key for c in Profile.__table__.columns)


def test_same_as_applies_on_edit_too_and_is_audited(app, client, signed_in):
    profile = add_company(app, client, signed_in[1], **PHYSICAL)
    data = company(app, signed_in[1], **PHYSICAL, registered_same_as_physical="y")
    assert client.post(f"/clients/{profile.id}/edit", data=data).status_code == 302
    assert stored(app, profile.id).registered_postcode == "1010"
    with app.app_context():
        event = (
            database.session()
            .scalars(select(AuditEvent).where(AuditEvent.action == "profile_edited"))
            .one()
        )
    assert "registered_address" in event.detail["changes"]
    assert event.detail["changes"]["registered_address"] == ["", "12 Rimu Street"]


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"filing_obligation": "sometimes"}, "Choose one of the listed obligations."),
        ({"incorporation_date": "2020-02-31"}, "Not a valid date value."),
        (
            {"incorporation_date": (date.today() + timedelta(days=1)).isoformat()},
            "The incorporation date cannot be in the future.",
        ),
    ],
)
def test_bad_details_are_refused_beside_the_field(app, client, signed_in, values, message):
    response = client.post("/clients/new/company", data=company(app, signed_in[1], **values))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    field = next(iter(values))
    wrapper = page.index(f'id="field-{field}"')
    assert message in page[wrapper : wrapper + 2000]
    assert profiles(app) == []


def test_the_edit_form_offers_each_filing_obligation_and_the_same_as_boxes(app, client, signed_in):
    profile = add_company(app, client, signed_in[1])
    form = client.get(f"/clients/{profile.id}/edit").get_data(as_text=True)
    for label in (
        "Not registered office",
        "Office filing only",
        "Check filing only",
        "Registered office only",
        "Registered office check filing",
        "Registered office and filing",
    ):
        assert f">{label}</option>" in form
    assert 'type="date"' in form and 'name="incorporation_date"' in form
    assert 'data-copy-from="physical" data-copy-to="registered"' in form
    assert 'data-copy-from="registered" data-copy-to="service"' in form
    assert "Same as physical address" in form and "Same as registered office" in form


def test_an_individual_calls_the_physical_address_residential(app, client, signed_in):
    response = client.post(
        "/clients/new/individual", data=individual(app, signed_in[1], **PHYSICAL)
    )
    assert response.status_code == 302
    profile = profiles(app)[-1]
    form = client.get(f"/clients/{profile.id}/edit").get_data(as_text=True)
    assert "<legend>Residential address</legend>" in form
    assert "Registered office" not in form and "Physical address" not in form
    page = client.get(f"/clients/{profile.id}").get_data(as_text=True)
    assert "<dt>Residential address</dt>" in page and "Registered office" not in page
    assert profile.origin == "manual"


# --- Total shares ----------------------------------------------------------------------------
def shareholders(app, profile: Profile, *shares) -> None:
    with app.app_context():
        session = database.session()
        with database.writing(session):
            for count in shares:
                party = Profile(
                    firm_id=profile.firm_id,
                    kind="individual",
                    standing="contact",
                    name=f"Holder of {count}",
                    sort_name=f"holder of {count}",
                )
                session.add(party)
                session.flush()
                session.add(
                    Association(
                        firm_id=profile.firm_id,
                        profile_id=profile.id,
                        party_id=party.id,
                        role="shareholder",
                        shares=count,
                    )
                )


def test_total_shares_that_differ_from_the_shareholdings_are_saved_with_a_warning(
    app, client, signed_in
):
    profile = add_company(app, client, signed_in[1], total_shares="1000")
    shareholders(app, profile, 600, 300)
    form = client.get(f"/clients/{profile.id}/edit").get_data(as_text=True)
    wrapper = form.index('id="field-total_shares"')
    assert "The current shareholders hold 900 shares in all, not 1,000" in form[wrapper:]
    assert 'id="total_shares-warning"' in form and 'aria-describedby="total_shares-warning"' in form
    # Saving is not blocked: the shareholdings may be the ones to change next.
    data = company(app, signed_in[1], total_shares="950")
    response = client.post(f"/clients/{profile.id}/edit", data=data, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert stored(app, profile.id).total_shares == 950
    assert "flash-warning" in page and "hold 900 shares in all, not 950" in page
    data = company(app, signed_in[1], total_shares="900")
    page = client.post(f"/clients/{profile.id}/edit", data=data, follow_redirects=True)
    assert "shares in all" not in page.get_data(as_text=True)
    form = client.get(f"/clients/{profile.id}/edit").get_data(as_text=True)
    assert "total_shares-warning" not in form


def test_the_share_warning_counts_current_shareholders_only():
    ended = Association(role="shareholder", shares=500, end_date=date(2001, 1, 1))
    current = Association(role="shareholder", shares=400)
    director = Association(role="director")
    assert share_warning(400, [ended, current, director]) == ""
    assert "hold 400 shares in all, not 900" in share_warning(900, [ended, current])
    assert share_warning(None, [current]) == ""
    assert share_warning(100, [Association(role="shareholder", shares=None)]) == ""


# --- The checklist ---------------------------------------------------------------------------
def a_company(**values) -> Profile:
    defaults = {
        "kind": "company",
        "name": "Kōwhai Holdings Limited",
        "company_number": "1234567",
        "company_number_confirmed": True,
        "physical_address": "1 Queen Street",
        "registered_address": "1 Queen Street",
        "service_address": "1 Queen Street",
        "filing_obligation": "registered_office",
        "annual_return_month": 3,
        "total_shares": 10,
    }
    return Profile(**(defaults | values))


COMPLETE_ROLES = [Association(role="director"), Association(role="shareholder", shares=10)]


@pytest.mark.parametrize(
    ("values", "item"),
    [
        (
            {"registered_address": "", "service_address": ""},
            ("Add the registered office and address for service", "registered_address"),
        ),
        ({"registered_address": "  "}, ("Add the registered office", "registered_address")),
        ({"service_address": ""}, ("Add the address for service", "service_address")),
        ({"filing_obligation": None}, ("Choose the filing obligation", "filing_obligation")),
    ],
)
def test_each_missing_company_detail_is_one_item_at_its_field(values, item):
    assert checklist(a_company(), COMPLETE_ROLES) == []
    items = checklist(a_company(**values), COMPLETE_ROLES)
    assert [(i.text, i.field) for i in items] == [item]


def test_a_company_with_only_a_physical_address_still_needs_its_registered_office():
    items = checklist(a_company(registered_address="", service_address=""), COMPLETE_ROLES)
    assert items[0].field == "registered_address"


def test_an_individual_is_asked_for_the_residential_address_at_the_physical_field():
    person = Profile(
        kind="individual",
        name="Aroha Ngata",
        date_of_birth=date(1970, 11, 26),
        ird_number="49-091-850",
        email="aroha@example.nz",
        physical_address="",
    )
    assert [(i.text, i.field) for i in checklist(person, [])] == [
        ("Add the residential address", "physical_address")
    ]


def test_every_company_field_item_names_a_field_of_the_edit_form(app):
    from portal.clients.forms import CompanyForm

    with app.test_request_context():
        form = CompanyForm(meta={"csrf": False})
    bare = Profile(kind="company", name="x", total_shares=None, annual_return_month=None)
    for item in checklist(bare, []):
        # Role items link to the role forms (tests/roles), the others to the edit form.
        assert item.role or item.field in ("shareholders",) or item.field in form, item


# --- The Companies Office warning ------------------------------------------------------------
@pytest.mark.parametrize(
    ("origin", "linked", "confirmed", "shown"),
    [
        ("xpm", True, False, True),
        ("xpm", False, False, True),  # came from XPM, since disconnected
        ("xpm", True, True, False),  # its number has been checked
        ("manual", True, False, False),  # loaded manually, then linked to XPM
        ("bulk", True, False, False),  # bulk imported, then linked to XPM
        ("manual", False, False, False),
    ],
)
def test_the_companies_office_warning_only_shows_on_companies_from_xpm(
    app, client, signed_in, origin, linked, confirmed, shown
):
    link = {"xpm_provider": "xpm", "xpm_client_uuid": "e385e3e2-0000-4000-8000-000000000001"}
    profile = a_company(
        firm_id=signed_in[1],
        sort_name="kowhai holdings limited",
        standing="contact",
        origin=origin,
        company_number_confirmed=confirmed,
        **(link if linked else {}),
    )
    assert shows_companies_office_warning(profile) is shown
    with app.app_context():
        session = database.session()
        with database.writing(session):
            session.add(profile)
        profile_id = profile.id
    page = client.get(f"/clients/{profile_id}").get_data(as_text=True)
    assert ("Not linked to the Companies Office" in page) is shown


def test_no_profile_is_left_without_an_origin(app, client, signed_in):
    add_company(app, client, signed_in[1])
    with app.app_context():
        origins = database.session().scalars(select(Profile.origin)).all()
        assert origins == ["manual"]
        assert database.session().scalar(select(func.count(Profile.id))) == 1

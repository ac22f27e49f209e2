"""From the Companies Office and Link to the Companies Office, against the documented
register bodies on requests-mock (docs/spec.md §10)."""

import pytest
from sqlalchemy import select

from portal import database
from portal.clients.checklist import checklist
from portal.models import Association, AuditEvent, Profile
from tests.conftest import statements_run
from tests.nzbn.conftest import fixture
from tests.register_link.conftest import (
    JSON,
    NZBN,
    URL,
    add_company,
    add_person,
    choose,
    profile_named,
    stored,
)

COMPANY = "KŌWHAI HOLDINGS LIMITED"


def roles_of(app, profile_id):
    with app.app_context():
        rows = database.session().execute(
            select(Association, Profile)
            .join(Profile, Profile.id == Association.party_id)
            .where(Association.profile_id == profile_id)
            .order_by(Association.role, Association.allocation, Profile.name)
        )
        return [
            (a.role, p.name, p.kind, p.standing, a.shares, a.allocation, a.start_date, a.end_date)
            for a, p in rows
        ]


def test_the_menu_offers_it(client, signed_in):
    page = client.get("/clients/").get_data(as_text=True)
    assert 'href="/clients/from-register"' in page
    assert "From the Companies Office" in page


def test_search_lists_the_register_with_its_attribution(client, signed_in, register):
    page = client.get("/clients/from-register?q=kowhai").get_data(as_text=True)
    assert COMPANY in page
    assert f'href="/clients/from-register/{NZBN}"' in page
    assert "© Crown copyright" in page and "creativecommons.org/licenses/by/4.0" in page
    assert register.last_request.qs["search-term"] == ["kowhai"]


def test_htmx_search_answers_only_the_results(client, signed_in, register):
    answer = client.get("/clients/from-register?q=kowhai", headers={"HX-Request": "true"})
    text = answer.get_data(as_text=True)
    assert COMPANY in text and "<html" not in text


def test_an_empty_search_calls_nothing(client, signed_in, register):
    page = client.get("/clients/from-register").get_data(as_text=True)
    assert "press Enter" in page
    assert register.call_count == 0


def test_create_stores_the_company_linked_with_its_people(app, client, signed_in, register):
    _, firm_id = signed_in
    page = client.get(f"/clients/from-register/{NZBN}").get_data(as_text=True)
    assert "Aroha NGATA" in page and "held jointly" in page and "Resigned" in page
    assert "Create" in page and "© Crown copyright" in page
    answer = client.post(f"/clients/from-register/{NZBN}", data=choose(app, firm_id))
    assert answer.status_code == 302, answer.get_data(as_text=True)
    company = profile_named(app, COMPANY)
    assert answer.headers["Location"].endswith(f"/clients/{company.id}")
    assert (company.origin, company.standing, company.kind) == ("register", "client", "company")
    assert (company.nzbn, company.company_number) == (NZBN, "9044466")
    assert company.companies_office_linked and company.register_linked_at is not None
    assert company.register_status == "Registered"
    assert company.incorporation_date.isoformat() == "1999-11-15"
    assert company.annual_return_month == 11 and company.total_shares == 1050
    assert (company.registered_address, company.registered_city) == (
        "56 Colombo Street, Christchurch Central",
        "Christchurch",
    )
    assert company.registered_postcode == "8011" and company.registered_country == "New Zealand"
    assert company.service_address == (
        "C/- Kōwhai Chartered Accountants, Level 2, 100 Lambton Quay, Wellington Central"
    )
    assert company.service_city == "Wellington"
    roles = roles_of(app, company.id)
    directors = [r for r in roles if r[0] == "director"]
    assert [(r[1], r[7] and r[7].isoformat()) for r in directors] == [
        ("Aroha NGATA", None),
        ("Wiremu Ātaahua NGATA", "2024-06-30"),
    ]
    holdings = [r[1:6] for r in roles if r[0] == "shareholder"]
    assert holdings == [
        ("Aroha NGATA", "individual", "contact", 600, 1),
        ("PŌHUTUKAWA TRUSTEE COMPANY LIMITED", "company", "contact", 600, 1),
        ("Aroha NGATA", "individual", "contact", 450, 2),
    ]
    # The person authorised for service is no director, and no address of a person is kept.
    assert not profile_named(app, "Rāwiri PARATA")
    aroha = profile_named(app, "Aroha NGATA")
    assert aroha.physical_address == "" and aroha.origin == "register"
    holder = profile_named(app, "PŌHUTUKAWA TRUSTEE COMPANY LIMITED")
    assert (holder.nzbn, holder.company_number) == ("9429232669730", "1462630")
    with app.app_context():
        session = database.session()
        kept = session.get(Profile, company.id)
        held_on = list(
            session.scalars(select(Association).where(Association.profile_id == kept.id))
        )
        texts = [item.text for item in checklist(kept, held_on)]
        assert not any("Companies Office" in t for t in texts)
        assert not any("Share allocations add up" in t for t in texts)  # joint counts once
        events = session.scalars(select(AuditEvent.action)).all()
        assert events.count("register_company_added") == 1 and events.count("contact_added") == 3


def test_the_company_page_says_it_is_linked(app, client, signed_in, register):
    _, firm_id = signed_in
    client.post(f"/clients/from-register/{NZBN}", data=choose(app, firm_id))
    company = profile_named(app, COMPANY)
    page = client.get(f"/clients/{company.id}").get_data(as_text=True)
    assert "Linked to the Companies Office as NZBN" in page
    assert f"https://www.nzbn.govt.nz/mynzbn/nzbndetails/{NZBN}/" in page
    assert "Joint holding (allocation 1)" in page
    assert "© Crown copyright" in page


def test_the_mandatory_fields_are_asked(app, client, signed_in, register):
    before = stored(app)
    page = client.post(f"/clients/from-register/{NZBN}", data={}).get_data(as_text=True)
    assert "Choose a company type" in page.lower() or "choose a" in page.lower()
    assert stored(app) == before


def test_a_company_already_here_is_opened_not_added_again(app, client, signed_in, register):
    _, firm_id = signed_in
    existing = add_company(app, firm_id, company_number="9044466")
    page = client.get(f"/clients/from-register/{NZBN}").get_data(as_text=True)
    assert "already in the portal" in page and f'href="/clients/{existing}"' in page
    assert "data-gate-submit" not in page
    before = stored(app)
    client.post(f"/clients/from-register/{NZBN}", data=choose(app, firm_id))
    assert stored(app) == before
    search = client.get("/clients/from-register?q=kowhai").get_data(as_text=True)
    assert f'href="/clients/{existing}"' in search


def test_a_company_shareholder_already_here_is_linked(app, client, signed_in, register):
    _, firm_id = signed_in
    trustee = add_company(
        app, firm_id, name="Pōhutukawa Trustee Company Limited", nzbn="9429232669730"
    )
    client.post(f"/clients/from-register/{NZBN}", data=choose(app, firm_id))
    company = profile_named(app, COMPANY)
    parties = {r[1] for r in roles_of(app, company.id)}
    assert "Pōhutukawa Trustee Company Limited" in parties
    assert profile_named(app, "PŌHUTUKAWA TRUSTEE COMPANY LIMITED") is None
    assert trustee


def test_one_person_of_that_name_is_proposed_ticked(app, client, signed_in, register):
    _, firm_id = signed_in
    aroha = add_person(app, firm_id, "Aroha", "Ngata")
    page = client.get(f"/clients/from-register/{NZBN}").get_data(as_text=True)
    assert f'value="{aroha}" checked' in page
    key = page.split(f'value="{aroha}"')[0].rsplit('name="', 1)[1].split('"')[0]
    client.post(f"/clients/from-register/{NZBN}", data=choose(app, firm_id, **{key: aroha}))
    company = profile_named(app, COMPANY)
    holders = [r[1] for r in roles_of(app, company.id)]
    assert holders.count("Aroha Ngata") == 3  # director, joint and sole holder: one profile
    assert profile_named(app, "Aroha NGATA") is None


def test_an_unticked_match_makes_a_new_contact(app, client, signed_in, register):
    _, firm_id = signed_in
    add_person(app, firm_id, "Aroha", "Ngata")
    client.post(f"/clients/from-register/{NZBN}", data=choose(app, firm_id))
    assert profile_named(app, "Aroha NGATA") is not None


def test_two_people_of_that_name_are_proposed_unticked(app, client, signed_in, register):
    _, firm_id = signed_in
    first = add_person(app, firm_id, "Aroha", "Ngata")
    second = add_person(app, firm_id, "Aroha", "Ngata", standing="client")
    page = client.get(f"/clients/from-register/{NZBN}").get_data(as_text=True)
    assert "checked" not in page.split('id="field-matches"')[1].split("</fieldset>")[0]
    assert "2 profiles have this name" in page
    key = page.split(f'value="{first}"')[0].rsplit('name="', 1)[1].split('"')[0]
    before = stored(app)
    both = client.post(
        f"/clients/from-register/{NZBN}", data=choose(app, firm_id, **{key: [first, second]})
    ).get_data(as_text=True)
    assert "Tick at most one profile" in both
    assert stored(app) == before


def test_another_firms_person_is_never_taken(app, client, signed_in, other_firm_user, register):
    _, firm_id = signed_in
    _, other_firm = other_firm_user
    theirs = add_person(app, other_firm, "Aroha", "Ngata")
    page = client.get(f"/clients/from-register/{NZBN}").get_data(as_text=True)
    assert 'name="person-' not in page
    from portal.register_link.service import person_key

    data = choose(app, firm_id, **{f"person-{person_key('Aroha NGATA')}": theirs})
    client.post(f"/clients/from-register/{NZBN}", data=data)
    assert profile_named(app, "Aroha NGATA") is not None


@pytest.mark.parametrize(
    "answer",
    [
        {"status_code": 503},
        {"status_code": 429, "headers": {"Retry-After": "120"}},
        {"text": "{not json", "headers": JSON},
        {"status_code": 401, "json": fixture("401_invalid_key.json"), "headers": JSON},
        {"status_code": 404, "json": fixture("404.json"), "headers": JSON},
    ],
    ids=["unavailable", "rate-limited", "malformed", "refused", "not-found"],
)
def test_a_register_failure_on_create_changes_nothing(app, client, signed_in, register, answer):
    _, firm_id = signed_in
    register.get(f"{URL}/entities/{NZBN}", **answer)
    before = stored(app)
    page = client.post(f"/clients/from-register/{NZBN}", data=choose(app, firm_id))
    text = page.get_data(as_text=True)
    assert stored(app) == before
    assert "The Companies Office register (NZBN)" in text
    if answer.get("status_code") != 404:
        assert "Nothing was changed" in text or "Nothing was changed" in text.replace("\n", " ")


def test_a_search_failure_says_so(client, signed_in, register):
    register.get(f"{URL}/entities", status_code=500)
    page = client.get("/clients/from-register?q=kowhai").get_data(as_text=True)
    assert "is not answering right now" in page and "safe to try again" in page


def test_a_failure_at_the_write_changes_nothing(app, client, signed_in, register, monkeypatch):
    _, firm_id = signed_in
    add_person(app, firm_id, "Aroha", "Ngata")
    from portal.register_link import service

    def fail(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(service.audit, "record", fail)
    before = stored(app)
    with pytest.raises(RuntimeError):
        client.post(f"/clients/from-register/{NZBN}", data=choose(app, firm_id))
    assert stored(app) == before


def test_without_a_key_it_says_how_to_configure(app, client, signed_in):
    app.config.update(NZBN_SUBSCRIPTION_KEY=None)
    page = client.get("/clients/from-register?q=kowhai").get_data(as_text=True)
    assert "NZBN_SUBSCRIPTION_KEY" in page and "PORTAL_SANDBOX=1" in page
    assert 'id="register-search"' not in page  # no search box that cannot work
    detail = client.get(f"/clients/from-register/{NZBN}").get_data(as_text=True)
    assert "NZBN_SUBSCRIPTION_KEY" in detail


# --- Link ---------------------------------------------------------------------------------
def test_link_is_offered_on_a_company_and_prefilled(app, client, signed_in, register):
    _, firm_id = signed_in
    company = add_company(app, firm_id, company_number="9044466")
    profile = client.get(f"/clients/{company}").get_data(as_text=True)
    assert f'href="/clients/{company}/companies-office"' in profile
    page = client.get(f"/clients/{company}/companies-office").get_data(as_text=True)
    assert 'value="9044466"' in page
    assert register.last_request.qs["search-term"] == ["9044466"]
    assert f'action="/clients/{company}/companies-office/{NZBN}"' in page


def test_without_a_number_the_name_is_searched(app, client, signed_in, register):
    _, firm_id = signed_in
    company = add_company(app, firm_id)
    client.get(f"/clients/{company}/companies-office")
    assert register.last_request.qs["search-term"] == ["kōwhai holdings limited"]


def test_link_stores_the_nzbn_and_completes_the_checklist_item(app, client, signed_in, register):
    _, firm_id = signed_in
    company = add_company(app, firm_id, origin="xpm")
    profile = client.get(f"/clients/{company}").get_data(as_text=True)
    assert "Confirm the company number with the Companies Office" in profile
    assert "Not linked to the Companies Office." in profile  # the XPM warning
    answer = client.post(f"/clients/{company}/companies-office/{NZBN}")
    assert answer.status_code == 302
    linked = profile_named(app, "Kōwhai Holdings Limited")
    assert linked.companies_office_linked and linked.nzbn == NZBN
    assert linked.company_number == "9044466" and linked.register_status == "Registered"
    page = client.get(f"/clients/{company}").get_data(as_text=True)
    assert "Confirm the company number with the Companies Office" not in page
    assert "Not linked to the Companies Office." not in page
    assert "Linked to the Companies Office" in page
    with app.app_context():
        event = (
            database.session()
            .scalars(select(AuditEvent).where(AuditEvent.action == "companies_office_linked"))
            .one()
        )
        assert NZBN in event.summary and event.object_id == company


def test_link_refuses_a_different_company_number(app, client, signed_in, register):
    _, firm_id = signed_in
    company = add_company(app, firm_id, company_number="1234567")
    before = stored(app)
    page = client.post(f"/clients/{company}/companies-office/{NZBN}").get_data(as_text=True)
    assert "has company number 1234567" in page
    assert stored(app) == before


def test_link_refuses_when_another_profile_is_that_company(app, client, signed_in, register):
    _, firm_id = signed_in
    company = add_company(app, firm_id)
    add_company(app, firm_id, name="Kowhai Holdings Ltd", nzbn=NZBN)
    before = stored(app)
    page = client.post(f"/clients/{company}/companies-office/{NZBN}").get_data(as_text=True)
    assert "Merge the two profiles first" in page
    assert stored(app) == before


def test_a_register_failure_on_link_changes_nothing(app, client, signed_in, register):
    _, firm_id = signed_in
    company = add_company(app, firm_id)
    register.get(f"{URL}/entities/{NZBN}", status_code=502)
    before = stored(app)
    page = client.post(f"/clients/{company}/companies-office/{NZBN}").get_data(as_text=True)
    assert "safe to try again" in page
    assert stored(app) == before


def test_a_failure_at_the_link_write_changes_nothing(app, client, signed_in, register, monkeypatch):
    _, firm_id = signed_in
    company = add_company(app, firm_id)
    from portal.register_link import service

    monkeypatch.setattr(service.audit, "record", lambda *a, **k: 1 / 0)
    before = stored(app)
    with pytest.raises(ZeroDivisionError):
        client.post(f"/clients/{company}/companies-office/{NZBN}")
    assert stored(app) == before


def test_unlink_asks_first_then_unlinks(app, client, signed_in, register):
    _, firm_id = signed_in
    company = add_company(app, firm_id)
    client.post(f"/clients/{company}/companies-office/{NZBN}")
    before = stored(app)
    confirm = client.get(f"/clients/{company}/companies-office/unlink").get_data(as_text=True)
    assert "Unlink Kōwhai Holdings Limited from the Companies Office?" in confirm
    assert stored(app) == before
    unconfirmed = client.post(f"/clients/{company}/companies-office/unlink")  # no JavaScript
    asked = unconfirmed.get_data(as_text=True)
    assert "Unlink Kōwhai Holdings Limited from the Companies Office?" in asked
    assert stored(app) == before
    client.post(f"/clients/{company}/companies-office/unlink", data={"confirm": "1"})
    unlinked = profile_named(app, "Kōwhai Holdings Limited")
    assert not unlinked.companies_office_linked and unlinked.nzbn == NZBN


def test_a_trust_cannot_be_linked(app, client, signed_in, register):
    _, firm_id = signed_in
    person = add_person(app, firm_id, "Aroha", "Ngata")
    answer = client.get(f"/clients/{person}/companies-office")
    assert answer.status_code == 302


def test_without_a_key_link_explains(app, client, signed_in):
    _, firm_id = signed_in
    app.config.update(NZBN_SUBSCRIPTION_KEY=None)
    company = add_company(app, firm_id)
    profile = client.get(f"/clients/{company}").get_data(as_text=True)
    assert "Link to the Companies Office" in profile
    page = client.get(f"/clients/{company}/companies-office").get_data(as_text=True)
    assert "NZBN_SUBSCRIPTION_KEY" in page


# --- The Clients list ---------------------------------------------------------------------
def test_the_list_filters_companies_not_linked(app, client, signed_in, register):
    _, firm_id = signed_in
    add_company(app, firm_id, name="Unlinked Limited")
    linked = add_company(app, firm_id, name="Linked Limited")
    client.post(f"/clients/{linked}/companies-office/{NZBN}", follow_redirects=True)
    add_person(app, firm_id, "Aroha", "Ngata", standing="client")
    page = client.get("/clients/?register=unlinked").get_data(as_text=True)
    assert "Unlinked Limited" in page and "Linked Limited" not in page
    assert "Aroha Ngata" not in page
    assert 'value="unlinked" selected' in page
    both = client.get("/clients/?register=linked").get_data(as_text=True)
    assert "Linked Limited" in both and "Unlinked Limited" not in both


def test_the_filter_keeps_the_statements_per_page_constant(app, client, signed_in):
    _, firm_id = signed_in
    for i in range(12):
        add_company(app, firm_id, name=f"Company {i} Limited")
    with statements_run(app) as statements:
        client.get("/clients/")
        few = len(statements)
        statements.clear()
        client.get("/clients/?register=unlinked")
        assert len(statements) == few


@pytest.mark.parametrize("number", ["942909044466", "94290904446611", "94290904446a1"])
def test_an_nzbn_in_an_address_is_13_digits(app, client, signed_in, register, number):
    _, firm_id = signed_in
    company = add_company(app, firm_id)
    assert client.get(f"/clients/from-register/{number}").status_code == 404
    assert client.post(f"/clients/{company}/companies-office/{number}").status_code == 404
    assert register.call_count == 0


def test_an_unknown_nzbn_is_404_and_a_failure_offers_to_try_again(client, signed_in, register):
    register.get(f"{URL}/entities/{NZBN}", status_code=404, json=fixture("404.json"), headers=JSON)
    missing = client.get(f"/clients/from-register/{NZBN}")
    assert missing.status_code == 404 and "Try again" not in missing.get_data(as_text=True)
    register.get(f"{URL}/entities/{NZBN}", status_code=503)
    failed = client.get(f"/clients/from-register/{NZBN}").get_data(as_text=True)
    assert "Try again" in failed and f'href="/clients/from-register/{NZBN}"' in failed

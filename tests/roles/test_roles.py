"""People and roles on a profile, by hand: add, edit, end, remove, and the rules they keep."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from portal import database
from portal.models import Association, Profile
from portal.reference import KIND_ROLES, ROLES, roles_for
from portal.roles import service
from tests.roles.conftest import associations, events, hold, profile


def add(client, profile_id, **data):
    return client.post(f"/clients/{profile_id}/roles/new", data=data)


def page(response) -> str:
    return response.get_data(as_text=True).replace("&#39;", "'").replace("&amp;", "&")


# --- Which roles a kind of profile has ------------------------------------------------------
def test_each_kind_offers_its_own_roles_and_the_general_ones():
    company, trust, person = (dict(roles_for(kind)) for kind in ("company", "trust", "individual"))
    assert {"director", "shareholder", "secretary", "partner", "member"} <= company.keys()
    assert not company.keys() & set(KIND_ROLES["trust"])
    assert {"trustee", "beneficiary", "settlor", "appointer", "partner"} <= trust.keys()
    assert not trust.keys() & set(KIND_ROLES["company"])
    assert "director" not in person and "trustee" not in person and "spouse" in person
    assert [code for code, _ in roles_for("company")] == [
        code for code, _ in ROLES if code in company
    ]


def test_the_add_form_offers_the_profiles_roles_preselected(client, firm):
    text = page(client.get(f"/clients/{firm.company}/roles/new?role=director"))
    assert '<option selected value="director">Director</option>' in text
    assert 'value="trustee"' not in text
    trust = page(client.get(f"/clients/{firm.trust}/roles/new"))
    assert 'value="trustee"' in trust and 'value="director"' not in trust


# --- Finding the party ---------------------------------------------------------------------
def test_the_search_lists_same_named_profiles_apart_and_never_the_profile_itself(client, firm):
    fragment = client.get(
        f"/clients/{firm.company}/roles/new?q=aroha", headers={"HX-Request": "true"}
    )
    text = page(fragment)
    assert "<html" not in text and 'id="party-results"' in text
    assert text.count("Aroha Smith") == 2
    assert "born 26 Nov 1970" in text and "aroha@example.nz" in text
    assert "Individual · Contact" in text
    itself = page(client.get(f"/clients/{firm.company}/roles/new?q=kowhai"))
    assert f'name="party" value="{firm.company}"' not in itself
    assert "No client or contact of this firm has “kowhai” in their name" in itself


def test_the_search_works_as_a_whole_page_without_htmx(client, firm):
    text = page(client.get(f"/clients/{firm.company}/roles/new?q=Kea&role=director"))
    assert "<html" in text and f'value="{firm.trustee_company}"' in text
    assert '<option selected value="director">' in text


def test_the_search_shows_only_the_firms_own_profiles(app, client, firm, other_firm_user):
    from tests.roles.conftest import add_profile

    with app.app_context():
        session = database.session()
        with database.writing(session):
            add_profile(session, other_firm_user[1], "individual", "Aroha Smith Elsewhere")
    text = page(client.get(f"/clients/{firm.company}/roles/new?q=aroha"))
    assert "Elsewhere" not in text


# --- Adding --------------------------------------------------------------------------------
def test_adding_an_existing_party_as_director(app, client, firm):
    response = add(client, firm.company, role="director", party=firm.aroha, start_date="2020-02-01")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/clients/{firm.company}"
    [director] = associations(app, firm.company)
    assert (director.party_id, director.role, director.start_date) == (
        firm.aroha,
        "director",
        date(2020, 2, 1),
    )
    [event] = events(app, "role_added")
    assert event.summary == "Added Aroha Smith as director of Kōwhai Holdings Limited"
    assert event.object_type == "profile" and event.object_id == firm.company
    assert event.detail["party_id"] == firm.aroha and event.detail["from_xpm"] is False
    shown = page(client.get(f"/clients/{firm.company}"))
    assert "Add at least one director" not in shown
    assert "Add at least one shareholder" in shown


def test_adding_a_new_contact_inline_as_shareholder(app, client, firm):
    response = add(
        client,
        firm.company,
        role="shareholder",
        party="new",
        new_kind="individual",
        new_first_name="Mere",
        new_last_name="Tane",
        shares="1,000",
    )
    assert response.status_code == 302
    [holding] = associations(app, firm.company)
    contact = profile(app, holding.party_id)
    assert (contact.name, contact.kind, contact.standing) == ("Mere Tane", "individual", "contact")
    assert contact.subscription_plan_id is None and contact.setup_status == "preparing"
    assert holding.shares == 1000
    assert [e.action for e in events(app)][-2:] == ["contact_added", "role_added"]
    assert events(app, "contact_added")[0].summary == "Added individual Mere Tane as a contact"


@pytest.mark.parametrize("kind", ["company", "trust"])
def test_a_new_entity_needs_its_name(app, client, firm, kind):
    role = "trustee" if kind == "company" else "beneficiary"
    response = add(client, firm.trust, role=role, party="new", new_kind=kind)
    assert f"Enter the {kind}'s name." in page(response)
    response = add(client, firm.trust, role=role, party="new", new_kind=kind, new_name="Rimu Ltd")
    assert response.status_code == 302
    assert profile(app, associations(app, firm.trust)[0].party_id).kind == kind


def test_a_new_contact_needs_a_kind_and_names(app, client, firm):
    text = page(add(client, firm.company, role="director", party="new"))
    assert "Choose the new contact's kind." in text
    text = page(add(client, firm.company, role="director", party="new", new_kind="individual"))
    assert "Enter the first name." in text and "Enter the last name." in text
    assert associations(app, firm.company) == []


def test_choosing_no_one_says_so(app, client, firm):
    text = page(add(client, firm.company, role="director"))
    assert "Choose who holds the role from the search results, or add a new contact." in text
    assert 'id="party-errors"' in text


def test_on_a_trust_the_settlement_date_is_the_start_date_offered(client, firm):
    text = page(client.get(f"/clients/{firm.trust}/roles/new?role=trustee"))
    assert 'value="2010-04-01"' in text and "settlement date, 1 Apr 2010, is offered" in text
    assert 'value="2010-04-01"' not in page(client.get(f"/clients/{firm.company}/roles/new"))


def test_a_trustee_may_be_a_company_but_not_a_trust(app, client, firm):
    assert add(client, firm.trust, role="trustee", party=firm.trustee_company).status_code == 302
    text = page(add(client, firm.trust, role="trustee", party=firm.tui_trust))
    assert "Tui Trust is a trust: a trustee is a person or a company" in text
    assert len(associations(app, firm.trust)) == 1


def test_a_partner_takes_a_percentage(app, client, firm):
    assert add(client, firm.company, role="partner", party=firm.aroha, percentage="12.5")
    assert associations(app, firm.company)[0].percentage == Decimal("12.5")
    text = page(add(client, firm.trust, role="partner", party=firm.aroha, percentage="101"))
    assert "Enter a percentage from 0 to 100" in text
    text = page(add(client, firm.trust, role="settlor", party=firm.aroha, percentage="10"))
    assert "Only a partner has a percentage." in text


# --- Bad input -----------------------------------------------------------------------------
@pytest.mark.parametrize("shares", ["-5", "2.5", "ten", "1000000000000001"])
def test_a_share_count_must_be_a_whole_number_in_range(app, client, firm, shares):
    response = add(client, firm.company, role="shareholder", party=firm.aroha, shares=shares)
    text = page(response)
    assert response.status_code == 200
    assert "Enter a whole number of shares from 0 to 1,000,000,000,000,000" in text
    assert 'id="shares-errors"' in text
    assert associations(app, firm.company) == []


def test_no_shares_for_a_role_without_them(app, client, firm):
    text = page(add(client, firm.company, role="director", party=firm.aroha, shares="10"))
    assert "Only a shareholder holds shares, not a director." in text


def test_an_end_date_before_the_start_date_is_refused(app, client, firm):
    response = add(
        client,
        firm.company,
        role="director",
        party=firm.aroha,
        start_date="2020-01-01",
        end_date="2019-12-31",
    )
    assert "The end date is before the start date." in page(response)
    assert associations(app, firm.company) == []


def test_a_current_role_cannot_be_added_twice_but_an_ended_one_can_be_again(app, client, firm):
    assert add(client, firm.company, role="director", party=firm.aroha).status_code == 302
    text = page(add(client, firm.company, role="director", party=firm.aroha))
    assert "Aroha Smith is already a director of Kōwhai Holdings Limited." in text
    assert add(client, firm.company, role="secretary", party=firm.aroha).status_code == 302
    [director, _] = associations(app, firm.company)
    yesterday = (date.today() - timedelta(days=1)).isoformat()
    client.post(f"/clients/{firm.company}/roles/{director.id}/end", data={"end_date": yesterday})
    assert add(client, firm.company, role="director", party=firm.aroha).status_code == 302
    assert len(associations(app, firm.company)) == 3


def test_a_profile_cannot_hold_a_role_on_itself(app, client, firm):
    text = page(add(client, firm.company, role="director", party=firm.company))
    assert "Kōwhai Holdings Limited cannot hold a role on itself." in text
    assert associations(app, firm.company) == []


def test_another_firms_profile_cannot_be_the_party(app, client, firm, other_firm_user):
    from tests.roles.conftest import add_profile

    with app.app_context():
        session = database.session()
        with database.writing(session):
            stranger = add_profile(session, other_firm_user[1], "individual", "Stranger").id
    text = page(add(client, firm.company, role="director", party=stranger))
    assert "That profile is not in this firm" in text
    assert associations(app, firm.company) == []


def test_a_role_the_kind_does_not_have_is_refused(app, client, firm):
    text = page(add(client, firm.company, role="trustee", party=firm.aroha))
    assert "Not a valid choice" in text
    with app.app_context():
        session = database.session()
        company = session.get(Profile, firm.company)
        with pytest.raises(service.RoleRefused) as refused:
            details = service.Details()
            service.add_role(
                session, company, firm.user_id, "trustee", firm.aroha, details, address=None
            )
        assert refused.value.field == "role"


def test_a_refused_role_leaves_no_new_contact_behind(app, firm):
    """The contact and the role are one unit of work: a refusal stores neither."""
    with app.app_context():
        session = database.session()
        trust = session.get(Profile, firm.trust)
        before = session.scalar(select(func.count(Profile.id)))
        contact = service.NewContact("trust", {"name": "Kauri Trust"})
        with pytest.raises(service.RoleRefused):
            service.add_role(
                session, trust, firm.user_id, "trustee", contact, service.Details(), address=None
            )
        assert session.scalar(select(func.count(Profile.id))) == before
        assert session.scalar(select(func.count(Association.id))) == 0
    assert events(app, "contact_added") == []


# --- Edit, end, remove ---------------------------------------------------------------------
def test_editing_a_roles_details_is_recorded(app, client, firm):
    role_id = hold(app, firm, firm.company, firm.aroha, "shareholder", shares=10)
    edit = page(client.get(f"/clients/{firm.company}/roles/{role_id}/edit"))
    assert 'id="field-shares"' in edit and 'value="10"' in edit
    response = client.post(
        f"/clients/{firm.company}/roles/{role_id}/edit",
        data={"shares": "250", "start_date": "2021-05-01"},
    )
    assert response.status_code == 302
    [holding] = associations(app, firm.company)
    assert (holding.shares, holding.start_date) == (250, date(2021, 5, 1))
    [event] = events(app, "role_edited")
    assert event.summary == (
        "Edited Aroha Smith as shareholder of Kōwhai Holdings Limited: shares, start date"
    )
    assert event.detail["changes"] == {"shares": [10, 250], "start_date": [None, "2021-05-01"]}


def test_saving_an_unchanged_role_records_nothing(app, client, firm):
    role_id = hold(app, firm, firm.company, firm.aroha, "director")
    client.post(f"/clients/{firm.company}/roles/{role_id}/edit", data={})
    assert events(app, "role_edited") == []


def test_editing_refuses_bad_input_beside_the_field(app, client, firm):
    role_id = hold(app, firm, firm.company, firm.aroha, "shareholder", shares=10)
    url = f"/clients/{firm.company}/roles/{role_id}/edit"
    assert "Enter a whole number of shares" in page(client.post(url, data={"shares": "-1"}))
    dates = {"shares": "10", "start_date": "2020-01-02", "end_date": "2020-01-01"}
    assert "The end date is before the start date." in page(client.post(url, data=dates))
    assert associations(app, firm.company)[0].start_date is None


def test_a_role_from_xpm_says_so_and_its_edit_is_recorded_as_such(app, client, firm):
    role_id = hold(app, firm, firm.trust, firm.aroha, "trustee", source_relationship_uuid="rel-1")
    assert "From XPM" in page(client.get(f"/clients/{firm.trust}"))
    edit = page(client.get(f"/clients/{firm.trust}/roles/{role_id}/edit"))
    assert "This role came from Xero Practice Manager" in edit
    client.post(f"/clients/{firm.trust}/roles/{role_id}/edit", data={"start_date": "2011-01-01"})
    [event] = events(app, "role_edited")
    assert event.summary.endswith("(a role from XPM)") and event.detail["from_xpm"] is True


def test_ending_a_role_keeps_it_as_history(app, client, firm):
    role_id = hold(app, firm, firm.company, firm.aroha, "director", start_date=date(2020, 1, 1))
    confirm = page(client.get(f"/clients/{firm.company}/roles/{role_id}/end"))
    assert "End Aroha Smith as director?" in confirm
    assert f'value="{date.today().isoformat()}"' in confirm
    url = f"/clients/{firm.company}/roles/{role_id}/end"
    assert "before the start date" in page(client.post(url, data={"end_date": "2019-01-01"}))
    assert client.post(url, data={"end_date": "2024-06-30"}).status_code == 302
    [director] = associations(app, firm.company)
    assert director.end_date == date(2024, 6, 30)
    [event] = events(app, "role_ended")
    assert event.summary == (
        "Ended Aroha Smith as director of Kōwhai Holdings Limited on 30 Jun 2024"
    )
    shown = page(client.get(f"/clients/{firm.company}"))
    assert "Ended" in shown and "Add at least one director" in shown
    assert "already ends on 30 Jun 2024" in page(client.post(url, data={"end_date": "2024-07-01"}))


def test_removing_a_role_asks_first_then_deletes_it(app, client, firm):
    role_id = hold(app, firm, firm.company, firm.aroha, "director", shares=None)
    url = f"/clients/{firm.company}/roles/{role_id}/remove"
    confirm = page(client.get(url))
    assert "Remove Aroha Smith as director?" in confirm and "entered by mistake" in confirm
    assert len(associations(app, firm.company)) == 1  # asking removes nothing
    assert "Remove Aroha Smith as director?" in page(client.post(url))  # unconfirmed: asks
    assert len(associations(app, firm.company)) == 1
    assert client.post(url, data={"confirm": "1"}).status_code == 302
    assert associations(app, firm.company) == []
    assert profile(app, firm.aroha) is not None
    [event] = events(app, "role_removed")
    assert event.summary == "Removed Aroha Smith as director of Kōwhai Holdings Limited"
    assert client.get(url).status_code == 404


def test_a_role_is_reached_only_through_its_own_profile(app, client, firm):
    role_id = hold(app, firm, firm.company, firm.aroha, "director")
    for action in ("edit", "end", "remove"):
        assert client.get(f"/clients/{firm.trust}/roles/{role_id}/{action}").status_code == 404
        assert client.post(f"/clients/{firm.trust}/roles/{role_id}/{action}").status_code == 404
    assert len(associations(app, firm.company)) == 1


# --- Setup status and the checklist -----------------------------------------------------------
def test_every_change_recomputes_the_setup_status(app, client, firm):
    with app.app_context():
        session = database.session()
        with database.writing(session):
            person = session.get(Profile, firm.aroha)
            person.ird_number, person.email = "49091850", "a@example.nz"
            person.physical_address = "1 Queen Street"
            settlor = Profile(
                firm_id=firm.firm_id,
                kind="individual",
                standing="contact",
                name="Hemi",
                sort_name="hemi",
            )
            trust = session.get(Profile, firm.trust)
            trust.trust_deed_date, trust.vesting_date = date(2010, 4, 1), date(2090, 1, 1)
            trust.ird_number = "49091850"
            session.add(settlor)
    hold(app, firm, firm.trust, firm.aroha, "trustee", start_date=date(2010, 4, 1))
    hold(app, firm, firm.trust, firm.aroha, "beneficiary", start_date=date(2010, 4, 1))
    assert profile(app, firm.trust).setup_status == "preparing"
    assert add(client, firm.trust, role="settlor", party=firm.other_aroha).status_code == 302
    assert profile(app, firm.trust).setup_status == "complete"
    [settlor] = [a for a in associations(app, firm.trust) if a.role == "settlor"]
    client.post(f"/clients/{firm.trust}/roles/{settlor.id}/remove", data={"confirm": "1"})
    assert profile(app, firm.trust).setup_status == "preparing"


def test_checklist_items_link_to_the_control_that_completes_them(app, client, firm):
    text = page(client.get(f"/clients/{firm.company}"))
    assert f'href="/clients/{firm.company}/roles/new?role=director#field-party"' in text
    assert f'href="/clients/{firm.company}/roles/new?role=shareholder#field-party"' in text
    first = hold(app, firm, firm.company, firm.aroha, "shareholder", shares=5)
    second = hold(app, firm, firm.company, firm.other_aroha, "shareholder")
    text = page(client.get(f"/clients/{firm.company}"))
    assert f'href="/clients/{firm.company}/roles/{second}/edit#field-shares"' in text
    client.post(f"/clients/{firm.company}/roles/{second}/edit", data={"shares": "5"})
    with app.app_context():
        session = database.session()
        with database.writing(session):
            session.get(Profile, firm.company).total_shares = 100
    text = page(client.get(f"/clients/{firm.company}"))
    assert 'href="#field-shareholders">Share allocations add up to 10' in text
    assert 'id="field-shareholders"' in text and first


def test_trust_date_items_lead_to_the_first_role_lacking_a_date(app, client, firm):
    hold(app, firm, firm.trust, firm.aroha, "trustee", start_date=date(2010, 4, 1))
    lacking = hold(app, firm, firm.trust, firm.trustee_company, "trustee")
    beneficiary = hold(app, firm, firm.trust, firm.other_aroha, "beneficiary")
    text = page(client.get(f"/clients/{firm.trust}"))
    assert f'href="/clients/{firm.trust}/roles/{lacking}/edit#field-start_date"' in text
    assert f'href="/clients/{firm.trust}/roles/{beneficiary}/edit#field-start_date"' in text
    assert f'href="/clients/{firm.trust}/roles/new?role=settlor#field-party"' in text
    edit = page(client.get(f"/clients/{firm.trust}/roles/{lacking}/edit"))
    assert 'id="field-start_date"' in edit and 'value="2010-04-01"' in edit
    client.post(f"/clients/{firm.trust}/roles/{lacking}/edit", data={"start_date": "2012-03-04"})
    assert "Enter each trustee's appointment date" not in page(client.get(f"/clients/{firm.trust}"))


def test_plain_field_items_still_open_the_edit_form(client, firm):
    text = page(client.get(f"/clients/{firm.trust}"))
    assert f'href="/clients/{firm.trust}/edit#field-trust_deed_date"' in text


def test_the_profile_page_offers_edit_end_and_remove_per_role(app, client, firm):
    role_id = hold(app, firm, firm.company, firm.aroha, "director")
    text = page(client.get(f"/clients/{firm.company}"))
    assert f'href="/clients/{firm.company}/roles/new"' in text
    for action in ("edit", "end"):
        assert f'href="/clients/{firm.company}/roles/{role_id}/{action}"' in text
    # Remove asks first: a form whose button opens the confirmation dialog.
    assert f'action="/clients/{firm.company}/roles/{role_id}/remove" class="confirm-form"' in text
    assert 'data-confirm-question="Remove Aroha Smith as director?"' in text
    # Each link says whose role it acts on to a screen reader.
    assert f'aria-describedby="role-{role_id}-party">Remove</button>' in text
    assert f'id="role-{role_id}-party">Aroha Smith</a>' in text


def test_a_new_contact_with_a_known_name_is_confirmed_first(app, client, firm):
    data = {
        "role": "director",
        "party": "new",
        "new_kind": "individual",
        "new_first_name": "Aroha",
        "new_last_name": "Smith",
    }
    text = page(add(client, firm.company, **data))
    assert "An individual called “Aroha Smith” is already in this firm" in text
    assert 'id="field-confirm_duplicate"' in text
    assert associations(app, firm.company) == []
    assert add(client, firm.company, **data, confirm_duplicate="y").status_code == 302
    [director] = associations(app, firm.company)
    assert director.party_id not in (firm.aroha, firm.other_aroha)


def test_the_settlement_date_is_offered_only_for_appointments(app, client, firm):
    settlor = hold(app, firm, firm.trust, firm.aroha, "settlor")
    trustee = hold(app, firm, firm.trust, firm.aroha, "trustee")
    assert 'value="2010-04-01"' not in page(
        client.get(f"/clients/{firm.trust}/roles/{settlor}/edit")
    )
    assert 'value="2010-04-01"' in page(client.get(f"/clients/{firm.trust}/roles/{trustee}/edit"))


def test_the_audit_log_names_role_changes(app, client, firm):
    add(client, firm.company, role="director", party=firm.aroha)
    log = page(client.get("/audit/"))
    assert "Role added" in log
    assert "Added Aroha Smith as director of Kōwhai Holdings Limited" in log
    # Its details name the party (looked up from its id) and the role, never the ids.
    assert "<dt>Person or entity</dt><dd>Aroha Smith</dd>" in log
    assert "<dt>Role</dt><dd>Director</dd>" in log and "Association id" not in log


def test_a_role_held_elsewhere_reads_as_a_sentence(app, client, firm):
    """ "Director of X", and "Parent of X" (its label says "of" already), not "Parent of of"."""
    hold(app, firm, firm.company, firm.aroha, "director")
    hold(app, firm, firm.other_aroha, firm.aroha, "parent_of")
    shown = page(client.get(f"/clients/{firm.aroha}"))
    assert "Director of <a" in shown
    assert "Parent of <a" in shown
    assert "of of" not in shown

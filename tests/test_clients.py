from datetime import date

import pytest
from sqlalchemy import func, select

from portal import database
from portal.models import AuditEvent, Profile, SubscriptionPlan


def plan_id(app, firm_id, name="Standard"):
    with app.app_context():
        return database.session().scalar(
            select(SubscriptionPlan.id).where(
                SubscriptionPlan.firm_id == firm_id, SubscriptionPlan.name == name
            )
        )


def profiles(app):
    with app.app_context():
        return list(database.session().scalars(select(Profile).order_by(Profile.id)))


def company(app, firm_id, **overrides):
    return {
        "name": "Kōwhai Holdings Limited",
        "company_type_code": "limited_small",
        "subscription_plan_id": str(plan_id(app, firm_id)),
        **overrides,
    }


def trust(app, firm_id, **overrides):
    return {
        "name": "Tui & Kea Family Trust",
        "trust_type_code": "family",
        "subscription_plan_id": str(plan_id(app, firm_id)),
        **overrides,
    }


def individual(app, firm_id, **overrides):
    return {
        "first_name": "Aroha",
        "last_name": "Ngata",
        "subscription_plan_id": str(plan_id(app, firm_id, "Guest")),
        **overrides,
    }


KINDS = {"company": company, "trust": trust, "individual": individual}


# --- The list ------------------------------------------------------------------------------
def test_empty_state_says_what_to_do(client, signed_in):
    page = client.get("/clients/").get_data(as_text=True)
    assert "No clients yet" in page
    assert "Add client manually" in page
    assert "I would like to..." in page


def test_list_is_a_page_or_a_fragment(client, signed_in):
    full = client.get("/clients/?q=k")
    fragment = client.get("/clients/?q=k", headers={"HX-Request": "true"})
    assert "HX-Request" in full.headers["Vary"] and "HX-Request" in fragment.headers["Vary"]
    assert b"<html" in full.data and b"<html" not in fragment.data
    assert b'class="count"' in fragment.data
    boosted = client.get("/clients/", headers={"HX-Request": "true", "HX-Boosted": "true"})
    assert b"<html" in boosted.data


@pytest.mark.parametrize("kind", KINDS)
def test_manual_creation_of_each_kind(app, client, signed_in, kind):
    _, firm_id = signed_in
    response = client.post(f"/clients/new/{kind}", data=KINDS[kind](app, firm_id))
    assert response.status_code == 302
    [profile] = profiles(app)
    assert response.headers["Location"] == f"/clients/{profile.id}"
    assert (profile.kind, profile.standing, profile.setup_status) == (kind, "client", "preparing")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert profile.name in page.replace("&amp;", "&")
    assert "To check and complete" in page
    listing = client.get("/clients/").get_data(as_text=True)
    assert profile.name in listing.replace("&amp;", "&")
    with app.app_context():
        event = database.session().scalar(
            select(AuditEvent).where(AuditEvent.action == "profile_created")
        )
        assert event.object_id == profile.id


def test_individual_name_is_built_from_its_parts(app, client, signed_in):
    client.post("/clients/new/individual", data=individual(app, signed_in[1], other_name="Mere"))
    assert profiles(app)[0].name == "Aroha Mere Ngata"


@pytest.mark.parametrize(
    ("kind", "missing", "message"),
    [
        ("company", "company_type_code", "Choose a company type"),
        ("company", "subscription_plan_id", "Choose a subscription plan"),
        ("company", "name", "Enter the company name"),
        ("trust", "trust_type_code", "Choose a trust type"),
        ("individual", "first_name", "Enter the first name"),
        ("individual", "subscription_plan_id", "Choose a subscription plan"),
    ],
)
def test_missing_mandatory_field_rerenders_with_error(
    app, client, signed_in, kind, missing, message
):
    data = KINDS[kind](app, signed_in[1], **{missing: ""})
    response = client.post(f"/clients/new/{kind}", data=data)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert message in page
    assert "data-gate-submit disabled" in page
    assert profiles(app) == []


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name", "x" * 501, "Field cannot be longer than 500 characters"),
        ("email", "not-an-email", "Enter an e-mail address"),
        ("website", "javascript:alert(1)", "starting with https://"),
        ("ird_number", "123456789", "not a valid IRD number"),
        ("nzbn", "12345", "NZBN is 13 digits"),
        ("company_number", "12a", "digits only"),
        ("company_type_code", "made_up", "Not a valid choice"),
    ],
)
def test_bad_input_is_explained(app, client, signed_in, field, value, message):
    response = client.post(
        "/clients/new/company", data=company(app, signed_in[1], **{field: value})
    )
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert profiles(app) == []


def test_plan_of_another_firm_is_refused(app, client, signed_in, other_firm_user):
    foreign_plan = plan_id(app, other_firm_user[1])
    data = company(app, signed_in[1], subscription_plan_id=str(foreign_plan))
    response = client.post("/clients/new/company", data=data)
    assert "Not a valid choice" in response.get_data(as_text=True)
    assert profiles(app) == []


def test_duplicate_name_asks_for_confirmation(app, client, signed_in):
    data = company(app, signed_in[1])
    client.post("/clients/new/company", data=data)
    response = client.post(
        "/clients/new/company", data=company(app, signed_in[1], name="KŌWHAI holdings limited")
    )
    page = response.get_data(as_text=True)
    assert "is already in this firm" in page and "Create it anyway" in page
    assert len(profiles(app)) == 1
    client.post("/clients/new/company", data={**data, "confirm_duplicate": "y"})
    assert len(profiles(app)) == 2


def test_duplicate_client_reference_is_refused(app, client, signed_in):
    client.post("/clients/new/company", data=company(app, signed_in[1], client_reference="K-1"))
    response = client.post(
        "/clients/new/trust", data=trust(app, signed_in[1], client_reference="K-1")
    )
    assert "Another profile already has this reference" in response.get_data(as_text=True)
    assert len(profiles(app)) == 1


def test_unicode_is_stored_exactly_and_escaped(app, client, signed_in):
    name = "<script>alert('x')</script> Ngā Tūpuna 🌿 & Co"
    client.post("/clients/new/company", data=company(app, signed_in[1], name=name))
    [profile] = profiles(app)
    assert profile.name == name
    page = client.get(f"/clients/{profile.id}").get_data(as_text=True)
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; Ngā Tūpuna 🌿 &amp; Co" in page


# --- Searching and filtering ------------------------------------------------------------------
@pytest.fixture
def three_profiles(app, client, signed_in):
    firm_id = signed_in[1]
    for kind, data in (
        ("company", company(app, firm_id)),
        ("trust", trust(app, firm_id, name="100% Pure_Trust")),
        ("individual", individual(app, firm_id)),
    ):
        assert (
            client.post(f"/clients/new/{kind}", data=data, follow_redirects=True).status_code == 200
        )
    return profiles(app)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("kowhai", ["Kōwhai Holdings Limited"]),
        ("KŌWHAI", ["Kōwhai Holdings Limited"]),
        ("100%", ["100% Pure_Trust"]),
        ("_", ["100% Pure_Trust"]),
        ("%", ["100% Pure_Trust"]),
        ("' OR 1=1 --", []),
        ("<b>", []),
        ("x" * 500, []),
        ("Kō\x07whai\x1f", ["Kōwhai Holdings Limited"]),
    ],
)
def test_search_is_literal(client, three_profiles, query, expected):
    response = client.get("/clients/", query_string={"q": query}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    for profile in three_profiles:
        assert (profile.name in page) == (profile.name in expected)


def test_filter_by_kind_and_status(client, three_profiles):
    page = client.get("/clients/?kind=trust").get_data(as_text=True)
    assert "100% Pure_Trust" in page and "Aroha Ngata" not in page
    page = client.get("/clients/?status=complete").get_data(as_text=True)
    assert "No clients match these filters" in page


def test_contacts_are_shown_on_request(app, client, three_profiles):
    with app.app_context():
        session = database.session()
        with database.writing(session):
            session.get(Profile, three_profiles[2].id).standing = "contact"
    clients_page = client.get("/clients/").get_data(as_text=True)
    contacts_page = client.get("/clients/?show=contacts").get_data(as_text=True)
    assert "Aroha Ngata" not in clients_page and "Aroha Ngata" in contacts_page
    assert "1 contact" in contacts_page


def test_pagination(app, client, signed_in):
    app.config["CLIENTS_PER_PAGE"] = 50
    firm_id = signed_in[1]
    with app.app_context():
        session = database.session()
        plan = plan_id(app, firm_id)
        with database.writing(session):
            for i in range(60):
                session.add(
                    Profile(
                        firm_id=firm_id,
                        kind="individual",
                        name=f"Person {i:03}",
                        sort_name=f"person {i:03}",
                        subscription_plan_id=plan,
                    )
                )
    first = client.get("/clients/").get_data(as_text=True)
    second = client.get("/clients/?page=2").get_data(as_text=True)
    assert "Person 000" in first and "Person 049" in first and "Person 050" not in first
    assert "Person 050" in second and "Page 2 of 2" in second
    assert client.get("/clients/?page=99").status_code == 200
    assert client.get("/clients/?page=abc").status_code == 200


# --- A profile --------------------------------------------------------------------------------
def test_another_firms_profile_is_not_found(app, client, auth, signed_in, other_firm_user):
    client.post("/clients/new/company", data=company(app, signed_in[1]))
    [profile] = profiles(app)
    auth.logout()
    auth.login(email="staff@rata.example")
    assert client.get(f"/clients/{profile.id}").status_code == 404
    assert client.get(f"/clients/{profile.id}/edit").status_code == 404
    assert client.post(f"/clients/{profile.id}/edit", data={"name": "x"}).status_code == 404
    assert "Kōwhai" not in client.get("/clients/").get_data(as_text=True)


def test_edit_changes_fields_and_audits(app, client, signed_in):
    client.post("/clients/new/company", data=company(app, signed_in[1]))
    [profile] = profiles(app)
    form = client.get(f"/clients/{profile.id}/edit").get_data(as_text=True)
    assert 'value="Kōwhai Holdings Limited"' in form
    data = company(
        app, signed_in[1], name="Kōwhai Holdings (2026) Limited", email="office@kowhai.nz"
    )
    response = client.post(f"/clients/{profile.id}/edit", data=data)
    assert response.status_code == 302
    [edited] = profiles(app)
    assert edited.name == "Kōwhai Holdings (2026) Limited"
    assert edited.email == "office@kowhai.nz"
    with app.app_context():
        event = database.session().scalar(
            select(AuditEvent).where(AuditEvent.action == "profile_edited")
        )
        assert event.detail["changes"]["email"] == ["", "office@kowhai.nz"]


def test_setup_becomes_complete_when_nothing_is_missing(app, client, signed_in):
    data = individual(
        app,
        signed_in[1],
        date_of_birth="1970-11-26",
        physical_address="1 Queen Street",
        ird_number="49-091-850",
        email="aroha@example.nz",
    )
    client.post("/clients/new/individual", data=data)
    [profile] = profiles(app)
    assert profile.setup_status == "complete"
    assert "Setup is complete" in client.get(f"/clients/{profile.id}").get_data(as_text=True)
    assert "Aroha" in client.get("/clients/?status=complete").get_data(as_text=True)


def test_list_uses_a_constant_number_of_queries(app, client, signed_in):
    from tests.conftest import statements_run

    firm_id = signed_in[1]
    with app.app_context():
        session = database.session()
        with database.writing(session):
            for i in range(30):
                session.add(
                    Profile(
                        firm_id=firm_id,
                        kind="company",
                        name=f"Co {i}",
                        sort_name=f"co {i}",
                        company_type_code="ltc",
                        subscription_plan_id=plan_id(app, firm_id),
                    )
                )
    with statements_run(app) as statements:
        client.get("/clients/")
        few = len(statements)
        statements.clear()
        client.get("/clients/?kind=company")
        assert len(statements) == few
    assert few <= 6
    with app.app_context():
        assert database.session().scalar(select(func.count(Profile.id))) == 30


# --- A contact of unknown kind ----------------------------------------------------------------
def unknown_contact(app, firm_id, name="Waikato Independent Trustees Limited") -> int:
    """A contact XPM said too little about, as an import stores one."""
    with app.app_context():
        session = database.session()
        with database.writing(session):
            profile = Profile(
                firm_id=firm_id,
                kind="unknown",
                standing="contact",
                name=name,
                sort_name=name.lower(),
                xpm_provider="xpm",
                xpm_client_uuid="2c947a56-2fa0-45c8-ae8f-c78f17419b62",
            )
            session.add(profile)
        return profile.id


def test_a_contact_of_unknown_kind_asks_for_its_kind(app, client, signed_in):
    profile_id = unknown_contact(app, signed_in[1])
    page = client.get(f"/clients/{profile_id}").get_data(as_text=True)
    assert "Kind not known" in page
    assert "What kind of contact is this?" in page
    assert 'href="#field-kind">Choose whether this is a company, a trust or an individual' in page
    assert "Setup is complete" not in page
    edit = client.get(f"/clients/{profile_id}/edit")
    assert edit.status_code == 302 and edit.headers["Location"].endswith("#field-kind")
    listed = client.get("/clients/?show=contacts").get_data(as_text=True)
    assert "Kind not known" in listed


def test_choosing_the_kind_is_saved_and_audited(app, client, signed_in):
    profile_id = unknown_contact(app, signed_in[1])
    refused = client.post(f"/clients/{profile_id}/kind", data={"kind": ""})
    assert refused.status_code == 400
    assert "Choose whether it is a company, a trust or a person." in refused.get_data(as_text=True)
    assert client.post(f"/clients/{profile_id}/kind", data={"kind": "unknown"}).status_code == 400
    saved = client.post(f"/clients/{profile_id}/kind", data={"kind": "company"})
    assert saved.status_code == 302
    page = client.get(saved.headers["Location"]).get_data(as_text=True)
    assert "is now recorded as a company" in page and "What kind of contact" not in page
    with app.app_context():
        session = database.session()
        assert session.get(Profile, profile_id).kind == "company"
        event = session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
        assert event.summary == "Chose that Waikato Independent Trustees Limited is a company"
    again = client.post(f"/clients/{profile_id}/kind", data={"kind": "trust"})
    assert "already a company" in client.get(again.headers["Location"]).get_data(as_text=True)


def test_a_person_keeps_the_name_xpm_gave_until_it_is_split(app, client, signed_in):
    profile_id = unknown_contact(app, signed_in[1], name="T. Ruru")
    client.post(f"/clients/{profile_id}/kind", data={"kind": "individual"})
    with app.app_context():
        profile = database.session().get(Profile, profile_id)
        assert (profile.kind, profile.name, profile.last_name) == (
            "individual",
            "T. Ruru",
            "T. Ruru",
        )
    assert client.get(f"/clients/{profile_id}/edit").status_code == 200


def test_saving_other_fields_keeps_the_name_a_person_came_with(app, client, signed_in):
    """XPM lists Hēmi Angus Ngata as "Hēmi Ngata": adding his date of birth keeps that name;
    changing a part of his name builds it from the parts."""
    data = individual(app, signed_in[1], first_name="Hēmi", other_name="Angus")
    client.post("/clients/new/individual", data=data)
    [profile] = profiles(app)
    with app.app_context():
        session = database.session()
        with database.writing(session):
            session.get(Profile, profile.id).name = "Hēmi Ngata"  # as an import stores it
    client.post(f"/clients/{profile.id}/edit", data=data | {"date_of_birth": "1948-03-14"})
    [kept] = profiles(app)
    assert (kept.name, kept.date_of_birth) == ("Hēmi Ngata", date(1948, 3, 14))
    client.post(f"/clients/{profile.id}/edit", data=data | {"other_name": "Anaru"})
    assert profiles(app)[0].name == "Hēmi Anaru Ngata"


def test_a_client_cannot_be_of_unknown_kind(app, signed_in):
    from sqlalchemy.exc import IntegrityError

    with app.app_context():
        session = database.session()
        with pytest.raises(IntegrityError), database.writing(session):
            session.add(
                Profile(
                    firm_id=signed_in[1],
                    kind="unknown",
                    standing="client",
                    name="X",
                    sort_name="x",
                    subscription_plan_id=plan_id(app, signed_in[1]),
                )
            )


def test_another_firms_unknown_contact_is_not_found(app, client, auth, signed_in, other_firm_user):
    profile_id = unknown_contact(app, signed_in[1])
    auth.logout()
    auth.login(email="staff@rata.example")
    assert client.post(f"/clients/{profile_id}/kind", data={"kind": "company"}).status_code == 404

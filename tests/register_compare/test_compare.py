"""Compare with the Companies Office: each kind of difference, taking only what was ticked,
nothing silently, audited; a register failure or a failed write changes nothing."""

import re
from datetime import date

import pytest
import requests
from sqlalchemy import select

from portal import database
from portal.models import Association, AuditEvent, Profile
from portal.register_compare import take
from tests.register_compare.conftest import ENTITY_URL, JSON, answer, snapshot

PAGE = "/clients/{}/companies-office/compare"


def page(client, linked):
    response = client.get(PAGE.format(linked.company))
    assert response.status_code == 200
    return response.get_data(as_text=True)


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def post(client, linked, **form):
    return client.post(PAGE.format(linked.company), data=form)


def get(app, model, id_):
    with app.app_context():
        session = database.session()
        row = session.get(model, id_)
        session.expunge_all()
        return row


def roles(app, profile_id):
    with app.app_context():
        session = database.session()
        rows = session.scalars(
            select(Association).where(Association.profile_id == profile_id)
        ).all()
        found = {(r.party_id, r.role): (r.shares, r.start_date, r.end_date) for r in rows}
        return found


def with_extras(entity):
    """The documented entity with a director and a shareholder company the portal lacks."""
    entity["roles"].append(
        entity["roles"][0]
        | {
            "rolePerson": {
                "title": None,
                "firstName": "Mere",
                "middleNames": None,
                "lastName": "TANE",
            },
            "startDate": "2020-02-03T00:00:00.000+1300",
            "uniqueIdentifier": "3301199",
        }
    )
    holder = {
        "type": "Other",
        "appointmentDate": "2021-01-01T00:00:00.000+1300",
        "vacationDate": None,
        "individualShareholder": None,
        "otherShareholder": {
            "currentEntityName": "TE ARAWA PASTORAL INVESTMENTS LIMITED",
            "nzbn": "9429000000000",
            "companyNumber": "8123457",
            "entityType": "LTD",
        },
        "shareholderAddress": None,
    }
    entity["company-details"]["shareholding"]["shareAllocation"].append(
        {"allocation": 250, "shareholder": [holder]}
    )
    return entity


def test_the_page_shows_each_difference(client, linked, requests_mock, entity):
    answer(requests_mock, with_extras(entity))
    shown = text_of(page(client, linked))
    assert "KŌWHAI HOLDINGS LIMITED" in shown and "Registered" in shown
    # the name differs only in case and macrons: not offered
    assert 'value="name"' not in page(client, linked)
    assert "Registered office" in shown and "56 Colombo Street, Christchurch Central" in shown
    assert "Annual return filing month" in shown and "November" in shown
    assert "Total shares issued" in shown and "1,050" in shown
    assert "Incorporation date" not in shown and "Company number" not in shown
    # the address for service is the same once commas and spaces are set aside
    assert "Address for service" not in shown
    assert "Wiremu Ngata — Director: resigned on the register. End the role on 30 Jun 2024" in shown
    assert "Aroha Ngata: 400 shares in the portal, 450 on the register. Take 450" in shown
    assert "Hone Heke — Shareholder: no longer a shareholder on the register" in shown
    assert "Add Mere Tane as director from 3 Feb 2020" in shown
    assert "Mere Tane (already in the portal)" in shown
    assert "Add Te Arawa Pastoral Investments Limited as shareholder of 250 shares" in shown
    assert "Te Arawa Pastoral Investments Limited (already in the portal) · 8123457" in shown
    # the trust's 600 shares, held jointly by its trustees on the register: the same holding
    assert "Pōhutukawa" not in shown
    assert "CC BY 4.0" in shown


def test_a_get_changes_nothing(app, client, linked, requests_mock, entity):
    answer(requests_mock, with_extras(entity))
    before = snapshot(app)
    page(client, linked)
    assert snapshot(app) == before


def ids_on(html):
    return {name: value for name, value in re.findall(r'name="(end|shares)" value="(\d+)"', html)}


def association_id(app, linked, party, role_name):
    with app.app_context():
        session = database.session()
        return session.scalar(
            select(Association.id).where(
                Association.profile_id == linked.company,
                Association.party_id == party,
                Association.role == role_name,
            )
        )


def test_taking_ticked_items_changes_only_them(app, client, linked, requests_mock, entity):
    answer(requests_mock, with_extras(entity))
    html = page(client, linked)
    keys = re.findall(r'name="add" value="([^"]+)" id="add-(\d+)"', html)
    adds = {key: index for key, index in keys}
    te_arawa = next(k for k in adds if k.startswith("shareholder:"))
    mere = next(k for k in adds if k.startswith("director:"))
    wiremu = association_id(app, linked, linked.wiremu, "director")
    aroha = association_id(app, linked, linked.aroha, "shareholder")
    response = post(
        client,
        linked,
        take=["registered", "annual_return_month"],
        end=[str(wiremu)],
        shares=[str(aroha)],
        add=[te_arawa, mere],
        **{f"party-{adds[te_arawa]}": str(linked.te_arawa), f"party-{adds[mere]}": "new"},
    )
    assert response.status_code == 302
    company = get(app, Profile, linked.company)
    assert company.registered_address == "56 Colombo Street, Christchurch Central"
    assert (company.registered_city, company.registered_postcode) == ("Christchurch", "8011")
    assert company.registered_country == "New Zealand"
    assert company.annual_return_month == 11
    assert company.total_shares == 1000  # not ticked: unchanged
    assert company.name == "Kōwhai Holdings Limited"
    held = roles(app, linked.company)
    assert held[(linked.wiremu, "director")][2] == date(2024, 6, 30)
    assert held[(linked.aroha, "shareholder")][0] == 450
    assert held[(linked.hone, "shareholder")] == (50, None, None)  # not ticked
    assert held[(linked.te_arawa, "shareholder")][0] == 250  # the existing company
    with app.app_context():
        session = database.session()
        mere_new = session.scalars(
            select(Profile).where(Profile.sort_name == "mere tane").order_by(Profile.id)
        ).all()
        assert len(mere_new) == 2 and mere_new[1].standing == "contact"
        assert (mere_new[1].first_name, mere_new[1].last_name) == ("Mere", "Tane")
        assert held[(mere_new[1].id, "director")][1] == date(2020, 2, 3)
        event = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "register_taken")
        ).one()
        assert event.summary.startswith("Took from the Companies Office for Kōwhai Holdings")
        assert "ended Wiremu Ngata as director" in event.summary
        assert "registered office, annual return filing month" in event.summary
        assert event.detail["changes"]["annual_return_month"] == [3, 11]
        assert event.detail["shares_changed"][0]["shares"] == [400, 450]
        assert len(event.detail["roles_added"]) == 2
    # taken again (a double submit): nothing more changes
    before = snapshot(app)
    post(
        client, linked, take=["registered"], end=[str(wiremu)], shares=[str(aroha)], add=[te_arawa]
    )
    assert snapshot(app) == before


def test_ending_a_shareholder_the_register_no_longer_lists(
    app, client, linked, requests_mock, entity
):
    answer(requests_mock, entity)
    hone = association_id(app, linked, linked.hone, "shareholder")
    post(client, linked, end=[str(hone)])
    assert roles(app, linked.company)[(linked.hone, "shareholder")][2] == date.today()


def test_a_name_that_really_differs_is_offered_and_taken_readably(
    app, client, linked, requests_mock, entity
):
    entity["entityName"] = "KŌWHAI HOLDINGS (1999) LIMITED"
    answer(requests_mock, entity)
    assert 'value="name"' in page(client, linked)
    post(client, linked, take=["name"])
    company = get(app, Profile, linked.company)
    assert company.name == "Kōwhai Holdings (1999) Limited"
    assert company.sort_name == "kowhai holdings (1999) limited"


def test_a_removed_company_is_shown_prominently(client, linked, requests_mock, entity):
    entity["entityStatusCode"] = "80"
    entity["entityStatusDescription"] = "Removed"
    answer(requests_mock, entity)
    html = page(client, linked)
    assert 'role="alert" id="register-status"' in html
    assert "KŌWHAI HOLDINGS LIMITED is removed on the Companies Register" in text_of(html)


def test_nothing_ticked_changes_nothing(app, client, linked, requests_mock, entity):
    answer(requests_mock, entity)
    before = snapshot(app)
    response = post(client, linked)
    assert response.status_code == 302
    assert snapshot(app) == before


def test_a_choice_never_offered_is_not_taken(app, client, linked, requests_mock, entity):
    answer(requests_mock, with_extras(entity))
    html = page(client, linked)
    key, index = re.findall(r'name="add" value="([^"]+)" id="add-(\d+)"', html)[0]
    before = snapshot(app)
    post(client, linked, add=[key], **{f"party-{index}": str(linked.hone)})
    assert snapshot(app) == before


@pytest.mark.parametrize(
    "fault",
    [
        {"status_code": 503, "json": {"message": "down"}},
        {"exc": requests.exceptions.ConnectTimeout},
        {"status_code": 200, "text": "{not json", "headers": JSON},
        {"status_code": 404, "json": {"status": "404", "errorDescription": "Object Not Found"}},
    ],
)
def test_a_register_failure_changes_nothing_and_says_so(app, client, linked, requests_mock, fault):
    requests_mock.get(ENTITY_URL, **fault)
    before = snapshot(app)
    response = post(client, linked, take=["registered"])
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "could not be read just now" in html and "Trying again is safe" in html
    assert "The Companies Office register (NZBN)" in html
    assert snapshot(app) == before


def test_a_failure_at_the_write_step_changes_nothing(
    app, client, linked, requests_mock, entity, monkeypatch
):
    answer(requests_mock, with_extras(entity))
    html = page(client, linked)
    keys = re.findall(r'name="add" value="([^"]+)" id="add-(\d+)"', html)
    wiremu = association_id(app, linked, linked.wiremu, "director")
    before = snapshot(app)

    def failing(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(take.audit, "record", failing)
    with pytest.raises(RuntimeError):
        post(
            client,
            linked,
            take=["registered", "total_shares"],
            end=[str(wiremu)],
            add=[k for k, _ in keys],
            **{f"party-{i}": "new" for _, i in keys},
        )
    assert snapshot(app) == before


def test_not_configured_says_how(app, client, linked, requests_mock):
    app.config["NZBN_SUBSCRIPTION_KEY"] = ""
    html = page(client, linked)
    assert "NZBN_SUBSCRIPTION_KEY" in html
    assert not requests_mock.called


def test_a_company_not_linked_is_explained_without_a_button(app, client, linked, requests_mock):
    with app.app_context():
        session = database.session()
        with database.writing(session):
            session.get(Profile, linked.company).companies_office_linked = False
    html = page(client, linked)
    assert "is not linked to the Companies Office" in html
    assert "Take ticked items" not in html and not requests_mock.called
    profile = client.get(f"/clients/{linked.company}").get_data(as_text=True)
    assert "Compare with the Companies Office" not in profile


def test_the_profile_of_a_linked_company_offers_compare(client, linked):
    profile = client.get(f"/clients/{linked.company}").get_data(as_text=True)
    assert f'href="/clients/{linked.company}/companies-office/compare"' in profile


def test_another_firms_company_is_not_found(app, client, linked, other_firm_user, requests_mock):
    from tests.roles.conftest import add_profile

    with app.app_context():
        session = database.session()
        with database.writing(session):
            other = add_profile(
                session,
                other_firm_user[1],
                "company",
                "Other Limited",
                nzbn="9429090444661",
                companies_office_linked=True,
            )
            other_id = other.id
    assert client.get(PAGE.format(other_id)).status_code == 404
    assert not requests_mock.called


def test_a_company_shareholder_matched_by_its_nzbn_alone(
    app, client, linked, requests_mock, entity
):
    entity = with_extras(entity)
    holder = entity["company-details"]["shareholding"]["shareAllocation"][-1]["shareholder"][0]
    holder["otherShareholder"]["companyNumber"] = None
    with app.app_context():
        session = database.session()
        with database.writing(session):
            session.get(Profile, linked.te_arawa).nzbn = "9429000000000"
    answer(requests_mock, entity)
    shown = text_of(page(client, linked))
    assert "Te Arawa Pastoral Investments Limited (already in the portal)" in shown


def test_a_joint_holding_no_trust_matches_is_explained_not_offered(
    app, client, linked, requests_mock, entity
):
    with app.app_context():
        session = database.session()
        with database.writing(session):
            trustee = session.scalar(
                select(Association).where(
                    Association.profile_id == linked.trust, Association.party_id == linked.aroha
                )
            )
            session.delete(trustee)
    answer(requests_mock, entity)
    shown = text_of(page(client, linked))
    assert (
        "The register has 600 shares held jointly by Pōhutukawa Trustee Company Limited and "
        "Aroha Ngata" in shown
    )
    assert "Pōhutukawa Family Trust — Shareholder: no longer a shareholder on the register" in shown


def test_a_director_the_register_does_not_list_is_offered_to_end_today(
    app, client, linked, requests_mock, entity
):
    with app.app_context():
        session = database.session()
        with database.writing(session):
            session.add(
                Association(
                    firm_id=linked.firm_id,
                    profile_id=linked.company,
                    party_id=linked.hone,
                    role="director",
                )
            )
    answer(requests_mock, entity)
    shown = text_of(page(client, linked))
    today = f"{date.today():%-d %b %Y}"
    assert f"Hone Heke — Director: not a director on the register. End the role on {today}" in shown


def test_a_new_director_with_no_match_becomes_a_new_contact(
    app, client, linked, requests_mock, entity
):
    entity["roles"].append(
        entity["roles"][0]
        | {
            "rolePerson": {
                "title": None,
                "firstName": "Tama",
                "middleNames": None,
                "lastName": "RUA",
            }
        }
    )
    answer(requests_mock, entity)
    html = page(client, linked)
    key, index = re.findall(r'name="add" value="([^"]+)" id="add-(\d+)"', html)[0]
    assert re.search(rf'id="party-{index}">\s*<option value="new" selected>', html)
    post(client, linked, add=[key], **{f"party-{index}": "new"})
    with app.app_context():
        tama = (
            database.session().scalars(select(Profile).where(Profile.sort_name == "tama rua")).one()
        )
        assert (tama.kind, tama.standing, tama.last_name) == ("individual", "contact", "Rua")
        assert tama.origin == "register"  # came in from the register, not typed


def test_no_transaction_is_open_while_the_register_answers(
    app, client, linked, requests_mock, entity
):
    seen = []

    def respond(request, context):
        seen.append(database.session().in_transaction())
        context.headers.update(JSON)
        return entity

    requests_mock.get(ENTITY_URL, json=respond)
    page(client, linked)
    wiremu = association_id(app, linked, linked.wiremu, "director")
    post(client, linked, end=[str(wiremu)])
    assert seen == [False, False]

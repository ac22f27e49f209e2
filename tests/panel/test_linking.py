"""Linking an existing profile to its XPM client from the panel, the one-link rule,
disconnecting, and refreshing chosen fields from XPM, over real HTTP against the sandbox."""

import re

import pytest
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from portal import database
from portal.clients.service import refresh_status
from portal.models import Association, AuditEvent, Profile
from portal.sandbox.fixtures import CHAIN_COMPANY
from tests.importing.sandboxed import find, plan_id
from tests.panel.conftest import HX, fragment

HTMX = {"HX-Request": "true"}


def make_company(app, client, firm_id, name=CHAIN_COMPANY, **values) -> int:
    """A company added manually (as staff would, before linking it)."""
    data = {
        "name": name,
        "company_type_code": "limited_small",
        "subscription_plan_id": plan_id(app, firm_id),
        **values,
    }
    assert client.post("/clients/new/company", data=data).status_code == 302
    with app.app_context():
        return database.session().scalar(select(Profile.id).where(Profile.name == name))


def profile(app, profile_id) -> Profile:
    with app.app_context():
        return database.session().get(Profile, profile_id)


def events(app, action) -> list[AuditEvent]:
    with app.app_context():
        found = select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
        return list(database.session().scalars(found))


@pytest.fixture
def company(app, client, synced):
    return make_company(app, client, synced[1], email="old@kowhai.example", phone="09 000 0000")


@pytest.fixture
def xpm_uuid(app, synced):
    return find(app, synced[1], CHAIN_COMPANY, "Company")


def link(client, profile_id, client_uuid):
    return client.post(
        f"/clients/{profile_id}/xpm/link", data={"client_uuid": client_uuid}, headers=HTMX
    )


def test_connect_now_opens_the_panel_in_link_mode_with_the_name(client, company):
    page = client.get(f"/clients/{company}").get_data(as_text=True)
    assert "Connect now" in page
    assert f"/clients/add?link={company}&amp;q=K%C5%8Dwhai+Holdings+Limited" in page


def test_link_mode_offers_link_and_suggests_the_matching_client_first(client, company, xpm_uuid):
    for response in (
        fragment(client, "/clients/add", link=company, q="Kōwhai"),
        client.get("/clients/add", query_string={"link": company, "q": "Kōwhai"}),
    ):
        page = response.get_data(as_text=True)
        assert "Linking <strong>Kōwhai Holdings Limited</strong>" in page
        assert "data-row-action>Link</span>" in page and ">Import</span>" not in page
        ids = re.findall(r'<li id="([^"]+)" role="option"', page)
        suggested = [i for i in ids if i.startswith("suggested-")]
        assert f"suggested-{xpm_uuid}" in suggested and ids[: len(suggested)] == suggested
        assert f"client-{xpm_uuid}" not in ids  # listed once, under Suggested
        assert "Suggested" in page
        assert f'name="link" value="{company}"' in page


def test_a_profile_links_once_and_shows_the_xpm_name_and_disconnect(app, client, company, xpm_uuid):
    response = link(client, company, xpm_uuid)
    assert response.headers["HX-Redirect"] == f"/clients/{company}"
    linked = profile(app, company)
    assert (linked.xpm_provider, linked.xpm_client_uuid) == ("xpm", xpm_uuid)
    assert linked.xpm_name == CHAIN_COMPANY
    page = client.get(f"/clients/{company}").get_data(as_text=True)
    assert "as <strong>Kōwhai Holdings Limited</strong>" in page
    assert "Disconnect" in page and "Refresh from XPM" in page and "Connect now" not in page
    [event] = events(app, "link")
    assert event.object_id == company and event.detail["client_uuid"] == xpm_uuid


def test_one_xpm_client_links_to_one_profile_only(app, client, synced, company, xpm_uuid):
    other = make_company(app, client, synced[1], name="Kōwhai Holdings (old copy) Limited")
    link(client, company, xpm_uuid)
    response = link(client, other, xpm_uuid)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "already linked to Kōwhai Holdings Limited" in page and 'role="alert"' in page
    assert profile(app, other).xpm_client_uuid is None
    assert len(events(app, "link")) == 1
    rows = fragment(client, "/clients/add", link=other, q="Kōwhai").get_data(as_text=True)
    assert "Linked to another profile" in rows


def test_an_unknown_client_is_not_linked(app, client, company):
    page = link(client, company, "no-such-client").get_data(as_text=True)
    assert "not found" in page
    assert profile(app, company).xpm_client_uuid is None


def test_disconnect_removes_the_link_and_audits(app, client, company, xpm_uuid):
    link(client, company, xpm_uuid)
    asked = client.post(f"/clients/{company}/xpm/unlink")  # unconfirmed (no JavaScript): asks
    assert "Disconnect Kōwhai Holdings Limited from XPM?" in asked.get_data(as_text=True)
    assert profile(app, company).xpm_client_uuid == xpm_uuid
    response = client.post(f"/clients/{company}/xpm/unlink", data={"confirm": "1"})
    assert response.status_code == 302
    unlinked = profile(app, company)
    assert unlinked.xpm_client_uuid is None and unlinked.xpm_provider is None
    [event] = events(app, "unlink")
    assert event.detail["client_uuid"] == xpm_uuid
    assert "Connect now" in client.get(f"/clients/{company}").get_data(as_text=True)


def test_refresh_shows_differences_side_by_side(client, company, xpm_uuid):
    link(client, company, xpm_uuid)
    page = client.get(f"/clients/{company}/xpm/refresh").get_data(as_text=True)
    assert '<tr class="differs">' in page
    assert "<del>old@kowhai.example</del>" in page
    assert 'name="take" value="email"' in page and 'name="take" value="phone"' in page
    assert "In XPM but not in the portal" in page  # its directors and shareholders


def test_refresh_offers_tick_all_and_shows_empty_values_as_empty(client, company, xpm_uuid):
    link(client, company, xpm_uuid)
    page = client.get(f"/clients/{company}/xpm/refresh").get_data(as_text=True)
    # "Tick all differences" (shown by portal.js) ticks every box the form offers.
    assert '<input type="checkbox" id="tick-all" data-tick-all hidden>' in page
    assert '<label for="tick-all" hidden>Tick all differences</label>' in page
    boxes = re.findall(r'<input type="checkbox" name="(take|add|remove)"[^>]*>', page)
    assert boxes and page.count("data-tickable>") == len(boxes)
    # A side with nothing in it reads "(empty)", untinted: it is not an error.
    assert re.search(r'<td class="(was|now) empty"><span class="muted empty-value">\(empty\)', page)
    assert "<del><span" not in page and "(empty)</del>" not in page


def test_refresh_takes_only_the_ticked_fields_and_audits(app, client, company, xpm_uuid):
    link(client, company, xpm_uuid)
    response = client.post(f"/clients/{company}/xpm/refresh", data={"take": ["email"]})
    assert response.status_code == 302
    refreshed = profile(app, company)
    assert refreshed.email not in ("", "old@kowhai.example")
    assert refreshed.phone == "09 000 0000"  # not ticked: untouched
    [event] = events(app, "refresh")
    assert event.detail["changes"] == {"email": ["old@kowhai.example", refreshed.email]}
    page = client.get(f"/clients/{company}/xpm/refresh").get_data(as_text=True)
    assert 'value="email"' not in page and 'value="phone"' in page


def test_refresh_with_nothing_ticked_changes_nothing(app, client, company, xpm_uuid):
    link(client, company, xpm_uuid)
    client.post(f"/clients/{company}/xpm/refresh", data={})
    assert profile(app, company).email == "old@kowhai.example"
    assert events(app, "refresh") == []


def test_another_firms_profile_is_not_found(app, client, auth, company, xpm_uuid, other_firm_user):
    link(client, company, xpm_uuid)
    auth.logout()
    auth.login(email="staff@rata.example")
    assert client.get("/clients/add", query_string={"link": company}).status_code == 404
    assert client.get("/clients/add", query_string={"link": "x"}).status_code == 404
    assert link(client, company, xpm_uuid).status_code == 404
    assert client.post(f"/clients/{company}/xpm/unlink").status_code == 404
    assert client.get(f"/clients/{company}/xpm/refresh").status_code == 404
    assert client.post(f"/clients/{company}/xpm/refresh", data={"take": "email"}).status_code == 404
    assert profile(app, company).xpm_client_uuid == xpm_uuid


def test_the_refresh_page_says_when_xpm_cannot_be_read(
    app, client, company, xpm_uuid, sandbox_control
):
    link(client, company, xpm_uuid)
    sandbox_control("POST", "faults", json={"fault": "503", "endpoints": ["client.api/get"]})
    page = client.get(f"/clients/{company}/xpm/refresh", headers=HX).get_data(as_text=True)
    assert "XPM could not be read just now" in page


def refresh_page(client, profile_id) -> str:
    return client.get(f"/clients/{profile_id}/xpm/refresh").get_data(as_text=True)


def tick(page, name, described) -> str:
    """The value of the checkbox ``name`` whose label is ``described``."""
    label = described.replace("&", "&amp;")
    found = re.search(
        rf'name="{name}" value="([^"]+)" id="[^"]+" aria-label="[^"]*: {label}"', page
    )
    assert found, f"no {name} box for {described!r}"
    return found.group(1)


def associations(app, profile_id) -> list[Association]:
    with app.app_context():
        statement = select(Association).where(
            (Association.profile_id == profile_id) | (Association.party_id == profile_id)
        )
        rows = list(database.session().scalars(statement.options(joinedload(Association.party))))
        return rows


def status_is_current(app, profile_id) -> bool:
    """The stored setup status is what the checklist gives now."""
    with app.app_context():
        stored = database.session().get(Profile, profile_id)
        before = stored.setup_status
        refresh_status(database.session(), stored)
        return stored.setup_status == before


def named(app, name) -> list[Profile]:
    with app.app_context():
        return list(database.session().scalars(select(Profile).where(Profile.name == name)))


def test_an_xpm_relationship_ticked_adds_it_and_its_person_as_a_contact(
    app, client, synced, company, xpm_uuid
):
    link(client, company, xpm_uuid)
    page = refresh_page(client, company)
    wiremu = tick(page, "add", "Wiremu Ngata — Director")
    response = client.post(f"/clients/{company}/xpm/refresh", data={"add": [wiremu]})
    assert response.status_code == 302
    [association] = associations(app, company)
    assert (association.role, association.label) == ("director", "Director")
    assert association.source_relationship_uuid == wiremu
    [contact] = named(app, "Wiremu Ngata")
    assert association.party_id == contact.id and contact.standing == "contact"
    assert contact.kind == "individual" and contact.xpm_provider == "xpm"
    assert contact.xpm_client_uuid == find(app, synced[1], "Wiremu Ngata")
    assert profile(app, company).email == "old@kowhai.example"  # not ticked: untouched
    assert status_is_current(app, company) and status_is_current(app, contact.id)
    page = refresh_page(client, company)
    assert "Wiremu Ngata — Director" not in page and "Aroha Ngata — Director" in page
    [event] = events(app, "refresh")
    assert event.detail["changes"] == {}
    [added] = event.detail["relationships_added"]
    assert added["relationship_uuid"] == wiremu and added["created_contact"] is True
    assert added["role"] == "director" and event.detail["relationships_removed"] == []


def test_a_party_already_in_the_portal_is_linked_not_duplicated(app, client, company, xpm_uuid):
    link(client, company, xpm_uuid)
    director = tick(refresh_page(client, company), "add", "Aroha Ngata — Director")
    client.post(f"/clients/{company}/xpm/refresh", data={"add": director})
    [aroha] = named(app, "Aroha Ngata")
    page = refresh_page(client, company)
    shares = tick(page, "add", "Aroha Ngata — Shareholder")
    client.post(f"/clients/{company}/xpm/refresh", data={"add": shares, "take": "email"})
    assert [p.id for p in named(app, "Aroha Ngata")] == [aroha.id]
    held = {(a.role, a.party_id, a.shares) for a in associations(app, company)}
    assert held == {("director", aroha.id, None), ("shareholder", aroha.id, 400)}
    assert profile(app, company).email != "old@kowhai.example"
    second = events(app, "refresh")[-1]
    assert second.detail["relationships_added"][0]["created_contact"] is False
    assert list(second.detail["changes"]) == ["email"]


def test_a_portal_only_relationship_ticked_is_removed_and_unticked_ones_stay(
    app, client, synced, company, xpm_uuid
):
    link(client, company, xpm_uuid)
    old = make_company(app, client, synced[1], name="Old Director Limited")
    kept = make_company(app, client, synced[1], name="Kept Secretary Limited")
    with app.app_context():
        session = database.session()
        for party, role in ((old, "director"), (kept, "secretary")):
            session.add(
                Association(firm_id=synced[1], profile_id=company, party_id=party, role=role)
            )
        session.commit()
    page = refresh_page(client, company)
    assert "In the portal but not in XPM" in page
    gone = tick(page, "remove", "Old Director Limited — Director")
    tick(page, "remove", "Kept Secretary Limited — Secretary")
    client.post(f"/clients/{company}/xpm/refresh", data={"remove": gone})
    assert [(a.party_id, a.role) for a in associations(app, company)] == [(kept, "secretary")]
    assert named(app, "Old Director Limited")  # the entity itself stays
    assert status_is_current(app, company)
    [event] = events(app, "refresh")
    [removed] = event.detail["relationships_removed"]
    assert removed["association_id"] == int(gone) and removed["party"] == "Old Director Limited"
    assert event.detail["relationships_added"] == []
    assert "Removed 1 relationship from the portal." in client.get(f"/clients/{company}").get_data(
        as_text=True
    )


def test_a_holding_of_the_profile_is_added_on_the_other_entity(app, client, company, xpm_uuid):
    link(client, company, xpm_uuid)
    farms = tick(refresh_page(client, company), "add", "Shareholder of Ngāti Rua Farms Limited")
    client.post(f"/clients/{company}/xpm/refresh", data={"add": farms})
    [association] = associations(app, company)
    [entity] = named(app, "Ngāti Rua Farms Limited")
    assert (association.profile_id, association.party_id) == (entity.id, company)
    assert association.shares == 1000 and entity.standing == "contact"


def test_a_manual_company_linked_to_xpm_stays_manual_and_shows_no_warning(
    app, client, company, xpm_uuid
):
    """Its origin says how it came in, whatever it is linked to since; a contact that
    linking brings came from XPM (docs/spec.md §2, §3)."""
    link(client, company, xpm_uuid)
    farms = tick(refresh_page(client, company), "add", "Shareholder of Ngāti Rua Farms Limited")
    client.post(f"/clients/{company}/xpm/refresh", data={"add": farms})
    [entity] = named(app, "Ngāti Rua Farms Limited")
    assert (profile(app, company).origin, entity.origin) == ("manual", "xpm")
    page = client.get(f"/clients/{company}").get_data(as_text=True)
    assert "as <strong>Kōwhai Holdings Limited</strong>" in page
    assert "Not linked to the Companies Office" not in page
    assert "Confirm the company number with the Companies Office" in page  # still to do

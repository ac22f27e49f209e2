"""Compare with the Companies Office against the register sandbox over real HTTP: its
deliberate differences (a director resigned on the register, shares that differ, a
shareholder company the practice lacks) are offered, taken when ticked, and a fault at the
register changes nothing."""

import re
from datetime import date

import pytest
from sqlalchemy import select

from portal import database, nzbn, register_sandbox
from portal.models import Profile
from tests.register_compare.conftest import (
    held,
    snapshot,
    store_the_sandboxs_companies,
    the_sandboxs_companies,
)

PAGE = "/clients/{}/companies-office/compare"


@pytest.fixture
def on_the_sandbox(app, signed_in, register_url, register_control):
    app.config.update(register_sandbox.provider_urls(register_url))
    app.config.update(NZBN_RETRY_BACKOFF=0)
    _, firm_id = signed_in
    kowhai, farms = the_sandboxs_companies(nzbn.api_from_config(app.config))
    farms_number = "8123457"
    assert any(h.company_number == farms_number for a in farms.allocations for h in a.shareholders)
    with app.app_context():
        session = database.session()
        with database.writing(session):
            ids = store_the_sandboxs_companies(session, firm_id, kowhai, farms)
    return ids


def text_of(html):
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_sandboxs_differences_are_offered_and_taken(app, client, on_the_sandbox):
    kowhai, farms = on_the_sandbox
    html = client.get(PAGE.format(kowhai)).get_data(as_text=True)
    shown = text_of(html)
    assert "KŌWHAI HOLDINGS LIMITED" in shown
    assert "The details match the register" in shown  # capitals and macrons are no change
    assert "Wiremu Ngata — Director: resigned on the register. End the role on 30 Jun 2024" in shown
    assert "Aroha Ngata: 400 shares in the portal, 450 on the register" in shown
    assert "On the register but not in the portal" not in shown
    ends = re.findall(r'name="end" value="(\d+)"', html)
    shares = re.findall(r'name="shares" value="(\d+)"', html)
    assert len(ends) == 1 and len(shares) == 1
    response = client.post(PAGE.format(kowhai), data={"end": ends, "shares": shares})
    assert response.status_code == 302
    now = held(app, kowhai)
    assert now[("Wiremu Ngata", "director")] == (None, date(2024, 6, 30))
    assert now[("Aroha Ngata", "shareholder")] == (450, None)
    again = text_of(client.get(PAGE.format(kowhai)).get_data(as_text=True))
    assert "The directors and shareholders match the register" in again

    html = client.get(PAGE.format(farms)).get_data(as_text=True)
    shown = text_of(html)
    assert "Add Te Arawa Pastoral Investments Limited as shareholder of 250 shares" in shown
    assert "A new company contact" in shown
    key, index = re.findall(r'name="add" value="([^"]+)" id="add-(\d+)"', html)[0]
    client.post(PAGE.format(farms), data={"add": key, f"party-{index}": "new"})
    assert held(app, farms)[("Te Arawa Pastoral Investments Limited", "shareholder")] == (
        250,
        None,
    )
    with app.app_context():
        contact = (
            database.session()
            .scalars(select(Profile).where(Profile.company_number == "8123457"))
            .one()
        )
        assert (contact.standing, contact.kind, len(contact.nzbn)) == ("contact", "company", 13)


@pytest.mark.parametrize("fault", ["503", "timeout", "malformed", "401"])
def test_a_fault_at_the_register_changes_nothing(
    app, client, on_the_sandbox, register_control, fault
):
    kowhai, _ = on_the_sandbox
    html = client.get(PAGE.format(kowhai)).get_data(as_text=True)
    ends = re.findall(r'name="end" value="(\d+)"', html)
    if fault == "timeout":
        app.config.update(NZBN_READ_TIMEOUT=0.3, NZBN_CALL_DEADLINE=2)
    register_control("POST", "faults", json={"fault": fault, "endpoints": ["entities/get"]})
    before = snapshot(app)
    response = client.post(PAGE.format(kowhai), data={"end": ends})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "could not be read just now" in page
    assert "Nothing was changed" in page
    assert snapshot(app) == before
    register_control("POST", "reset")
    response = client.post(PAGE.format(kowhai), data={"end": ends})  # retrying is safe
    assert response.status_code == 302
    assert held(app, kowhai)[("Wiremu Ngata", "director")][1] == date(2024, 6, 30)

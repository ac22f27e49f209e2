"""From the Companies Office and Link, against the register sandbox over real HTTP (its
register is drawn from the XPM sandbox's practice; tests/sandboxed.py serves it), with a
fault injected at each register call."""

import re

import pytest

from portal import register_sandbox
from tests.register_link.conftest import add_company, choose, profile_named, stored
from tests.register_link.test_service import roles_of

FARMS = "NGĀTI RUA FARMS LIMITED"
EXTRA = "TE ARAWA PASTORAL INVESTMENTS LIMITED"


@pytest.fixture
def on_register(app, register_url, register_control):
    app.config.update(register_sandbox.provider_urls(register_url), NZBN_RETRY_BACKOFF=0.001)
    app.config.update(NZBN_READ_TIMEOUT=2, NZBN_CALL_DEADLINE=3)
    return register_control


def found(client, text):
    """(nzbn, company number) of the first result of the portal's register search."""
    page = client.get("/clients/from-register", query_string={"q": text}).get_data(as_text=True)
    assert text in page, page
    row = page.split(text, 1)[1]
    number, nzbn = re.findall(r"<td>(\d*)</td><td>(\d{13})</td>", row)[0]
    return nzbn, number


def test_a_company_comes_in_with_its_directors_and_shareholders(
    app, client, signed_in, on_register
):
    _, firm_id = signed_in
    nzbn, number = found(client, FARMS)
    page = client.get(f"/clients/from-register/{nzbn}").get_data(as_text=True)
    assert EXTRA in page and "© Crown copyright" in page
    answer = client.post(f"/clients/from-register/{nzbn}", data=choose(app, firm_id))
    assert answer.status_code == 302, answer.get_data(as_text=True)
    company = profile_named(app, FARMS)
    assert company.companies_office_linked and company.nzbn == nzbn
    assert company.company_number == number and company.origin == "register"
    roles = roles_of(app, company.id)
    assert any(r[0] == "director" for r in roles)
    holders = {r[1]: r for r in roles if r[0] == "shareholder"}
    assert holders[EXTRA][2:5] == ("company", "contact", 250)
    assert all(r[5] for r in holders.values())  # each holding keeps its allocation number
    calls = on_register("GET", "calls")["calls"]
    assert calls.get("entities/get", 0) == 2  # the page, then Create: nothing else


@pytest.mark.parametrize("fault", ["503", "timeout", "malformed", "429", "401"])
def test_a_fault_at_the_entity_read_changes_nothing(app, client, signed_in, on_register, fault):
    _, firm_id = signed_in
    nzbn, _ = found(client, FARMS)
    rule = {"fault": fault, "endpoints": ["entities/get"], "timeout_seconds": 4}
    if fault == "429":
        rule["retry_after"] = 600
    on_register("POST", "faults", json=rule)
    before = stored(app)
    text = client.post(f"/clients/from-register/{nzbn}", data=choose(app, firm_id)).get_data(
        as_text=True
    )
    assert stored(app) == before
    assert "The Companies Office register (NZBN)" in text


def test_a_fault_at_the_search_says_so(client, signed_in, on_register):
    on_register("POST", "faults", json={"fault": "502", "endpoints": ["entities/search"]})
    page = client.get("/clients/from-register?q=farms").get_data(as_text=True)
    assert "not answering right now" in page and "safe to try again" in page


def test_an_existing_company_is_linked(app, client, signed_in, on_register):
    _, firm_id = signed_in
    nzbn, number = found(client, FARMS)
    company = add_company(app, firm_id, name="Ngāti Rua Farms Limited", company_number=number)
    page = client.get(f"/clients/{company}/companies-office").get_data(as_text=True)
    assert f'value="{number}"' in page and nzbn in page
    assert client.post(f"/clients/{company}/companies-office/{nzbn}").status_code == 302
    linked = profile_named(app, "Ngāti Rua Farms Limited")
    assert linked.companies_office_linked and linked.nzbn == nzbn


def test_a_fault_at_the_link_read_changes_nothing(app, client, signed_in, on_register):
    _, firm_id = signed_in
    nzbn, number = found(client, FARMS)
    company = add_company(app, firm_id, name="Ngāti Rua Farms Limited", company_number=number)
    on_register("POST", "faults", json={"fault": "500", "endpoints": ["entities/get"]})
    before = stored(app)
    page = client.post(f"/clients/{company}/companies-office/{nzbn}").get_data(as_text=True)
    assert "safe to try again" in page
    assert stored(app) == before


def test_a_removed_company_shows_its_status(app, client, signed_in, on_register):
    _, firm_id = signed_in
    nzbn, _ = found(client, "TŌTARA PARTNERSHIP EXAMPLE LIMITED")
    client.post(f"/clients/from-register/{nzbn}", data=choose(app, firm_id))
    company = profile_named(app, "TŌTARA PARTNERSHIP EXAMPLE LIMITED")
    assert company.register_status == "Removed"

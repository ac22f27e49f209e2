"""The register sandbox over real HTTP: NZBN v5's requests, answers and refusals."""

import re

import pytest
import requests

from portal.nzbn import NotFound, Unauthorised
from portal.register_sandbox import register as registry
from tests.nzbn.conftest import fixture
from tests.sandboxed import SANDBOX_CLIENTS as CLIENTS

OFFSET = re.compile(r"^\d{4}-\d\d-\d\dT00:00:00\.000\+1[23]00$")


def chain_company():
    return registry.build(CLIENTS).by_number("9044466")


def get(url, params=None, headers=None):
    return requests.get(url, params=params, headers=headers, timeout=30)


def test_search_by_name_number_and_nzbn(register):
    by_name = register.search("kowhai holdings")  # without macrons, in lower case
    assert "KŌWHAI HOLDINGS LIMITED" in [r.name for r in by_name.results]
    by_number = register.search("9044466")
    assert [(r.name, r.company_number) for r in by_number.results] == [
        ("KŌWHAI HOLDINGS LIMITED", "9044466")
    ]
    nzbn = by_number.results[0].nzbn
    assert [r.nzbn for r in register.search(nzbn).results] == [nzbn]
    assert register.by_company_number("9044466").nzbn == nzbn


def test_the_search_envelope_has_the_documented_members(api_url, key):
    body = get(f"{api_url}/entities", {"search-term": "limited", "page-size": 3}, key).json()
    expected = set(fixture("search.json"))
    assert set(body) == expected
    assert set(body["items"][0]) == set(fixture("search.json")["items"][0])
    assert (body["page"], body["pageSize"], len(body["items"])) == (0, 3, 3)
    assert body["sortBy"] is None and OFFSET.match(body["items"][0]["registrationDate"])


def test_pages_start_at_zero_and_do_not_overlap(register):
    first, second = register.search("limited", 0, 5), register.search("limited", 1, 5)
    assert first.total == second.total > 10 and first.has_more
    assert not {r.nzbn for r in first.results} & {r.nzbn for r in second.results}


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({}, "search-term"),
        ({"search-term": "  "}, "search-term"),
        ({"search-term": "x", "page-size": "0"}, "page-size"),
        ({"search-term": "x", "page-size": "101"}, "page-size"),
        ({"search-term": "x", "page-size": "ten"}, "page-size"),
        ({"search-term": "x", "page": "-1"}, "page"),
        ({"search-term": "x", "entity-status": "Sleeping"}, "entity-status"),
    ],
)
def test_invalid_searches_are_refused_with_the_field(api_url, key, params, field):
    answer = get(f"{api_url}/entities", params, key)
    assert answer.status_code == 400
    body = answer.json()
    assert set(body) == set(fixture("400.json"))
    assert [problem["field"] for problem in body["list"]] == [field]


def test_the_entity_has_the_documented_members_with_explicit_nulls(api_url, key):
    company = chain_company()
    body = get(f"{api_url}/entities/{company.nzbn}", None, key).json()
    documented = set(fixture("entity.json"))
    assert documented <= set(body)
    assert body["sourceRegisterUniqueIdentifier"] == "9044466"
    assert body["non-company-details"] is None and "company-details" in body
    details = body["company-details"]
    assert 1 <= details["annualReturnFilingMonth"] <= 12
    address = body["addresses"]["addressList"][0]
    assert set(address) == set(fixture("entity.json")["addresses"]["addressList"][0])
    assert address["endDate"] is None or OFFSET.match(address["endDate"])
    holder = details["shareholding"]["shareAllocation"][0]["shareholder"][0]
    assert set(holder) == {
        "type",
        "appointmentDate",
        "vacationDate",
        "individualShareholder",
        "otherShareholder",
        "shareholderAddress",
    }
    assert OFFSET.match(body["registrationDate"])


def test_the_entity_reads_into_records(register):
    company = register.entity(chain_company().nzbn)
    assert company.name == "KŌWHAI HOLDINGS LIMITED" and company.status == "Registered"
    assert company.registered_office is not None and company.address_for_service is not None
    assert {d.name for d in company.current_directors} == {"Aroha Ngata"}


def test_an_unknown_nzbn_is_404_with_the_error_body(api_url, key, register):
    answer = get(f"{api_url}/entities/9429000000001", None, key)
    assert answer.status_code == 404
    assert set(answer.json()) == set(fixture("404.json"))
    assert "Object Not Found" in answer.json()["errorDescription"]
    with pytest.raises(NotFound):
        register.entity("9429000000001")


@pytest.mark.parametrize(
    ("headers", "params", "body"),
    [
        ({}, {}, "401_missing_key.json"),
        ({"Ocp-Apim-Subscription-Key": "wrong"}, {}, "401_invalid_key.json"),
        ({}, {"subscription-key": "wrong"}, "401_invalid_key.json"),
    ],
)
def test_the_subscription_key_is_required(api_url, headers, params, body):
    answer = get(f"{api_url}/entities", {"search-term": "x", **params}, headers)
    assert answer.status_code == 401
    assert answer.json() == fixture(body)


def test_the_key_may_also_come_as_the_query_parameter(api_url, key):
    params = {"search-term": "9044466", "subscription-key": key["Ocp-Apim-Subscription-Key"]}
    assert get(f"{api_url}/entities", params).status_code == 200


def test_a_wrong_key_is_unauthorised_for_the_client(api_url, control):
    from portal.nzbn import RegisterApi

    with pytest.raises(Unauthorised):
        RegisterApi(api_url, "wrong").search("kowhai")


def test_calls_are_counted(register, control):
    register.search("kowhai")
    register.entity(chain_company().nzbn)
    assert control("GET", "calls")["calls"] == {"entities/get": 1, "entities/search": 1}

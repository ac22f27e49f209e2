"""The parser on XPM's own shapes: Xero's 3.1 documentation samples and real 3.0 answers
recorded by a public client library, transcribed with invented values (tests/fixtures/xpm,
SOURCES.md there says which file comes from where; docs/xpm-shapes.md explains them)."""

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from portal.xpm import (
    XpmAuthError,
    XpmBadResponse,
    XpmForbidden,
    XpmNotFound,
    XpmRateLimited,
    XpmUnavailable,
    parse_document,
    read_response,
)
from portal.xpm.parsers import client_page_from, clients_in, single_client
from tests.xpm.conftest import XPM_URL

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "xpm"
GET_URL = XPM_URL + "client.api/get/c28fc91c-a4fd-4e06-9e93-b0a557e245ed"


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def answer(name: str):
    return read_response(fixture(name))


def headers(name: str) -> dict[str, str]:
    """The headers of a recorded answer (``name.headers``: a status line, then headers)."""
    lines = (FIXTURES / f"{name}.headers").read_text().splitlines()[1:]
    return dict(line.split(": ", 1) for line in lines if ": " in line)


def test_a_basic_list_carries_no_structure_and_not_always_the_flags():
    first, second = clients_in(answer("list_basic.xml"))
    assert first.name == "Kōwhai Bay Holdings, Otago Branch"
    assert first.business_structure == "" and first.company_number == ""
    assert first.date_of_birth == date(1968, 3, 14)  # sent as 1968-03-14T00:00:00
    assert first.is_archived is False and first.is_prospect is None  # 3.1 sends no IsProspect
    assert first.contacts[0].name == "Mere Whaanga" and first.contacts[0].is_primary
    # A multi-line postal address is kept exactly as XPM sent it, indentation and all.
    assert first.postal_address.splitlines()[1].strip() == "Level 4, Harbour Chambers"
    assert first.postal_address.startswith("\n")
    assert second.name == "H. Pōtiki" and second.is_archived is None and second.contacts == ()


def test_a_search_answer_says_nothing_of_archived_or_deleted():
    found = clients_in(answer("search.xml"))
    assert [c.name for c in found] == [
        "Rimu Ridge Orchards, Hawke's Bay Unit",
        "Rimu Ridge Cottage",
    ]
    assert all(c.is_archived is None and c.is_deleted is None for c in found)
    assert found[0].date_of_birth == date(1971, 7, 2)  # date only, unlike the list


def test_paged_list_pages_follow_the_next_link_and_stop_without_one():
    first = client_page_from(answer("paged_list_page1.xml"))
    assert first.next_page_token == "dGUgcmVyZW5nYQ"
    assert [c.contacts for c in first.clients] == [(), ()]  # paged-list sends no contacts
    last = client_page_from(answer("paged_list_last.xml"))
    assert last.next_page_token is None and last.clients


def test_a_company_read_with_get():
    company = single_client(answer("get_company_with_relationships.xml"))
    assert company.uuid == "c28fc91c-a4fd-4e06-9e93-b0a557e245ed"
    assert (company.business_structure, company.company_number) == ("Company", "6729104")
    assert company.business_number == "9429048812036"
    # XPM's get sends DateOfBirth twice; the second ("Individual Only") is the person's.
    assert company.date_of_birth is None
    assert company.tax_number == ""  # the sample's stray "******417" is outside the element
    assert company.job_manager == "Sione Latu" and company.groups[0].name == "Walker Family"
    shares = {(r.type, r.related_client_name): r.number_of_shares for r in company.relationships}
    assert shares == {
        ("Shareholder", "Hemi Walker"): 600,
        ("Shareholder", "Walker Whānau Trust"): 400,
        ("Director", "Hemi Walker"): 0,
        ("Director", "Anahera Walker"): 0,
    }
    assert {r.percentage for r in company.relationships} == {Decimal("0")}
    ended = [r for r in company.relationships if r.end_date]
    assert [(r.related_client_name, r.end_date) for r in ended] == [
        ("Anahera Walker", date(2022, 3, 31))
    ]


def test_a_trust_and_an_individual_read_with_get():
    trust = single_client(answer("get_trust_with_relationships.xml"))
    assert trust.business_structure == "Trust" and trust.date_of_birth is None
    assert {r.type for r in trust.relationships} == {"Trustee", "Beneficiary", "Settlor"}
    assert all(r.number_of_shares is None for r in trust.relationships)  # left out here
    person = single_client(answer("get_individual.xml"))
    assert (person.first_name, person.last_name) == ("Hemi", "Walker")
    assert person.date_of_birth == date(1979, 2, 23) and person.relationships == ()


def test_a_30_answer_with_numeric_ids_before_the_uuid():
    client = single_client(answer("get_30_style_with_ID.xml"))
    assert client.uuid == "dd9a2ac4-811e-496a-81bc-06e7e8576da2"  # the last element
    assert client.contacts[0].uuid == "" and client.contacts[0].email == "pm@matailane.example.nz"
    assert client.groups[0].uuid == "" and client.groups[0].name == "Matai Lane Group"
    assert client.is_prospect is False and client.is_deleted is False


@pytest.mark.parametrize("name", ["list_basic_30_recorded.xml", "list_detailed_30_recorded.xml"])
def test_recorded_30_listings_parse(name):
    clients = clients_in(answer(name))
    assert clients and all(len(c.uuid) == 36 for c in clients)


def test_list_detailed_carries_what_get_carries():
    clients = clients_in(answer("list_detailed.xml"))
    assert {c.business_structure for c in clients} == {"Company", "Individual"}


def test_xpms_own_wording_for_an_unknown_client_is_not_found():
    with pytest.raises(XpmNotFound, match="Invalid client identifier"):
        answer("error_invalid_identifier.xml")


@pytest.mark.parametrize(
    "name",
    [
        "malformed_paged_list_doc_sample.xml",
        "malformed_contacts_paged_doc_sample.xml",
        "malformed_clientgroup_get_doc_sample.xml",
        "malformed_addrelationship_doc_sample.xml",
        "malformed_clientgroup_add_doc_sample.xml",
    ],
)
def test_the_documentations_own_malformed_samples_are_refused(name):
    with pytest.raises(XpmBadResponse, match="XML is broken"):
        parse_document(fixture(name))


# --- HTTP errors as api.xero.com sends them ------------------------------------------------
def test_an_expired_token_without_a_content_type_is_refreshed_once(api, tokens, requests_mock):
    requests_mock.get(
        GET_URL,
        [
            {
                "status_code": 401,
                "content": fixture("401_expired.json"),
                "headers": headers("401_expired"),
            },
            {"content": fixture("get_company_with_relationships.xml")},
        ],
    )
    assert api.get("c28fc91c-a4fd-4e06-9e93-b0a557e245ed").name == "Kahikatea Timber Limited"
    assert tokens.refreshes == 1


def test_an_unauthorised_token_after_a_refresh_says_to_reconnect(api, requests_mock):
    body, sent = fixture("401_invalid.json"), headers("401_invalid")
    requests_mock.get(GET_URL, status_code=401, content=body, headers=sent)
    with pytest.raises(XpmAuthError, match="AuthenticationUnsuccessful"):
        api.get("c28fc91c-a4fd-4e06-9e93-b0a557e245ed")


def test_a_wrong_tenant_is_forbidden(api, requests_mock):
    requests_mock.get(GET_URL, status_code=403, content=fixture("403.json"), headers=headers("403"))
    with pytest.raises(XpmForbidden, match="AuthenticationUnsuccessful"):
        api.get("c28fc91c-a4fd-4e06-9e93-b0a557e245ed")


def test_a_429_with_an_empty_body_and_no_content_type(api, requests_mock, clock):
    requests_mock.get(GET_URL, status_code=429, content=b"", headers=headers("429"))
    with pytest.raises(XpmRateLimited) as raised:
        api.get("c28fc91c-a4fd-4e06-9e93-b0a557e245ed")
    assert raised.value.problem == "minute"
    # Told there is nothing left this minute (and to wait 22 s), it does not ask again.
    assert requests_mock.call_count == 1 and raised.value.retry_after >= 22


@pytest.mark.parametrize(
    ("status", "name", "detail"),
    [
        (500, "500.json", "An error occurred in Xero"),
        (503, "503.json", "ServiceNotAvailable"),
        (503, "503_maintenance.txt", "currently offline for maintenance"),
    ],
)
def test_server_errors_say_xero_is_not_answering(api, requests_mock, status, name, detail):
    requests_mock.get(GET_URL, status_code=status, content=fixture(name))
    with pytest.raises(XpmUnavailable, match=detail) as raised:
        api.get("c28fc91c-a4fd-4e06-9e93-b0a557e245ed")
    assert "try again in a few minutes" in str(raised.value)


def test_an_html_error_page_behind_a_byte_order_mark_is_never_echoed(api, requests_mock):
    page = "\ufeff<!DOCTYPE html><html><title>Xero | Error 500</title><body>oops</body></html>"
    requests_mock.get(GET_URL, status_code=500, content=page.encode())
    with pytest.raises(XpmUnavailable) as raised:
        api.get("c28fc91c-a4fd-4e06-9e93-b0a557e245ed")
    assert "DOCTYPE" not in str(raised.value) and "oops" not in str(raised.value)


def test_an_answer_about_another_client_is_refused(api, requests_mock):
    requests_mock.get(
        XPM_URL + "client.api/get/471e3506-0233-420f-a870-b8463e391c00",
        content=fixture("get_company_with_relationships.xml"),
    )
    with pytest.raises(XpmBadResponse, match="answered about client c28fc91c"):
        api.get("471e3506-0233-420f-a870-b8463e391c00")


def test_an_answer_without_a_uuid_is_refused(api, requests_mock):
    body = fixture("get_individual.xml").replace(
        b"<UUID>471e3506-0233-420f-a870-b8463e391c00</UUID>", b"", 1
    )
    requests_mock.get(XPM_URL + "client.api/get/471e3506-0233-420f-a870-b8463e391c00", content=body)
    with pytest.raises(XpmBadResponse, match="a client without a UUID"):
        api.get("471e3506-0233-420f-a870-b8463e391c00")

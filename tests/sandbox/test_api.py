"""The XPM 3.1 client API: authentication, headers, and the XML shapes the portal must parse."""

import re
import uuid
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit
from xml.etree import ElementTree

import pytest

from portal.sandbox import fixtures, tenants
from tests.sandbox.flows import API, CONTROL, api, clients_of, connect, parse

BASIC_ONLY = ("Relationships", "Groups", "Notes", "TaxNumber", "GSTRegistered", "JobManager")


@pytest.fixture
def xpm(client):
    return connect(client)


def by_name(root, name):
    return [c for c in clients_of(root) if c.findtext("Name") == name]


def test_api_needs_a_tenant_the_token_reaches(client, xpm):
    assert api(client, xpm, "client.api/list", tenant="").status_code == 403
    assert api(client, xpm, "client.api/list", tenant=tenants.TOTARA.id).status_code == 403
    assert api(client, xpm, "client.api/list", tenant=str(uuid.uuid4())).status_code == 403
    response = client.get(API + "client.api/list", headers={"Xero-Tenant-Id": tenants.KOWHAI.id})
    assert response.status_code == 401


def test_every_answer_carries_correlation_id_and_limits(client, xpm):
    first = api(client, xpm, "client.api/search", query="Ngata")
    second = api(client, xpm, "client.api/search", query="Ngata")
    refused = api(client, xpm, "client.api/list", tenant=tenants.TOTARA.id)
    for response in (first, second, refused):
        assert uuid.UUID(response.headers["xero-correlation-id"])
        assert int(response.headers["X-DayLimit-Remaining"]) >= 0
    assert first.headers["xero-correlation-id"] != second.headers["xero-correlation-id"]
    assert int(first.headers["X-MinLimit-Remaining"]) == 59
    assert int(second.headers["X-MinLimit-Remaining"]) == 58
    assert int(second.headers["X-DayLimit-Remaining"]) == 4998


def test_list_has_every_client_with_basic_fields_only(client, xpm):
    response = api(client, xpm, "client.api/list")
    root = parse(response)
    assert response.headers["Content-Type"] == "text/xml; charset=utf-8"
    assert root.tag == "Response" and root.get("api-method") == "List"
    assert not response.data.startswith(b"<?xml")  # no declaration, as XPM sends it
    assert root.findtext("Status") == "OK"
    listed = clients_of(root)
    assert len(listed) >= 300
    assert {c.findtext("IsArchived") for c in listed} == {"Yes", "No"}
    assert {c.findtext("IsDeleted") for c in listed} == {"Yes", "No"}
    # XPM 3.1's list sends no IsProspect, and none of the detailed fields: not even the
    # BusinessStructure, which only get and detailed answers carry.
    for field in (*BASIC_ONLY, "IsProspect", "BusinessStructure", "CompanyNumber"):
        assert all(c.find(field) is None for c in listed), field
    assert all(c.find("Title") is not None and c.find("Gender") is not None for c in listed)
    assert any(c.find("Email") is None for c in listed), "an empty Email is left out"
    births = [c.findtext("DateOfBirth") for c in listed if c.findtext("DateOfBirth")]
    assert births and all(re.fullmatch(r"\d{4}-\d\d-\d\dT00:00:00", d) for d in births)


def test_detailed_list_adds_relationships_groups_notes_and_tax(client, xpm):
    response = api(client, xpm, "client.api/list", detailed="true")
    with pytest.raises(ElementTree.ParseError):  # the sandbox's one malformed client
        parse(response)
    listed = clients_of(parse(response, lenient=True))
    for field in BASIC_ONLY:
        assert all(c.find(field) is not None for c in listed if field != "JobManager"), field
    assert sum(len(c.find("Relationships")) for c in listed) > 300
    masked = [c.findtext("TaxNumber") for c in listed if c.findtext("TaxNumber")]
    assert masked and all(re.fullmatch(r"\*{6}\d{3}", value) for value in masked)
    structures = [c.findtext("BusinessStructure") for c in listed]
    assert "" in structures and "Company" in structures  # some practices leave it empty


def test_search_sends_neither_status_flags_nor_person_fields(client, xpm):
    found = clients_of(parse(api(client, xpm, "client.api/search", query="ngata")))
    assert found
    for field in (
        "IsArchived",
        "IsDeleted",
        "IsProspect",
        "Title",
        "FirstName",
        "BusinessStructure",
    ):
        assert all(c.find(field) is None for c in found), field
    assert all(c.find("BillingClient") is not None for c in found)
    births = [c.findtext("DateOfBirth") for c in found if c.findtext("DateOfBirth")]
    assert births and all(re.fullmatch(r"\d{4}-\d\d-\d\d", d) for d in births)


def test_text_is_escaped_by_the_serializer(client, xpm):
    response = api(client, xpm, "client.api/search", query="Kea Trust")
    assert b"<Name>T\xc5\xab\xc4\xab &amp; Kea Trust</Name>" in response.data
    hostile = api(client, xpm, "client.api/search", query="script")
    assert b"&lt;script&gt;alert(1)&lt;/script&gt;" in hostile.data
    assert b"<script>" not in hostile.data
    (record,) = by_name(parse(hostile), fixtures.XSS_NAME)
    detail = parse(api(client, xpm, "client.api/get/" + record.findtext("UUID")))
    assert detail.find("Client/Website").text == fixtures.XSS_WEBSITE
    assert detail.find("Client/Notes/Note/Text").text == fixtures.XSS_NOTE
    apostrophe = parse(api(client, xpm, "client.api/search", query="o'connor family"))
    assert by_name(apostrophe, "O'Connor Family Trust")


def _chain_company(client, xpm):
    root = parse(api(client, xpm, "client.api/search", query=fixtures.CHAIN_COMPANY))
    first = by_name(root, fixtures.CHAIN_COMPANY)[0]
    return parse(api(client, xpm, "client.api/get/" + first.findtext("UUID"))).find("Client")


def test_get_is_detailed(client, xpm):
    root = parse(api(client, xpm, "client.api/get/" + _chain_company(client, xpm).findtext("UUID")))
    assert [child.tag for child in root] == ["Status", "WebUrl", "Client"]
    company = root.find("Client")
    relationships = company.find("Relationships").findall("Relationship")
    kinds = {(r.findtext("Type"), r.findtext("RelatedClient/Name")) for r in relationships}
    assert ("Director", "Aroha Ngata") in kinds
    assert ("Shareholder", "Pōhutukawa Family Trust") in kinds
    assert ("Secretary", "Rāwiri Parata") in kinds
    trust_holding = next(
        r for r in relationships if r.findtext("RelatedClient/Name") == "Pōhutukawa Family Trust"
    )
    assert trust_holding.findtext("NumberOfShares") == "600"
    assert {r.findtext("Percentage") for r in relationships} == {"0"}  # XPM's 0, not a value
    assert [g.findtext("Name") for g in company.find("Groups")] == ["Ngata Family"]
    assert company.find("Contacts/Contact/IsPrimary").text == "Yes"
    assert company.findtext("BusinessStructure") == "Company"
    # get says nothing of archived or deleted, and sends DateOfBirth twice.
    assert company.find("IsArchived") is None and company.find("IsDeleted") is None
    assert len(company.findall("DateOfBirth")) == 2


def test_shares_on_other_relationships_are_left_out_or_zero(client, xpm):
    response = api(client, xpm, "client.api/list", detailed="true")
    listed = clients_of(parse(response, lenient=True))
    directors = [
        r for c in listed for r in c.find("Relationships") if r.findtext("Type") == "Director"
    ]
    sent = {r.findtext("NumberOfShares") for r in directors}
    assert sent == {None, "0"}


def test_some_companies_have_a_date_of_birth(client, xpm):
    listed = clients_of(parse(api(client, xpm, "client.api/list")))
    companies = [c for c in listed if c.findtext("Name").endswith("Limited")]
    assert any(c.findtext("DateOfBirth") for c in companies)


def test_a_relationship_shows_on_both_records(client, xpm):
    company = _chain_company(client, xpm)
    director = next(
        r
        for r in company.find("Relationships")
        if r.findtext("Type") == "Director" and r.findtext("RelatedClient/Name") == "Aroha Ngata"
    )
    person = parse(
        api(client, xpm, "client.api/get/" + director.findtext("RelatedClient/UUID"))
    ).find("Client")
    mirrored = [
        r for r in person.find("Relationships") if r.findtext("UUID") == director.findtext("UUID")
    ]
    assert len(mirrored) == 1
    assert mirrored[0].findtext("Type") == "Director Of"
    assert mirrored[0].findtext("RelatedClient/UUID") == company.findtext("UUID")
    types = {r.findtext("Type") for r in person.find("Relationships")}
    assert {"Husband", "Parent Of", "Child Of", "Trustee Of", "Shareholder Of"} <= types


def test_xpms_parsing_traps_are_all_present(client, xpm):
    response = api(client, xpm, "client.api/list", detailed="true")
    listed = clients_of(parse(response, lenient=True))
    births = [d.text for c in listed for d in c.findall("DateOfBirth") if d.text]
    assert any(re.fullmatch(r"\d{4}-\d\d-\d\d", d) for d in births)
    assert any(re.fullmatch(r"\d{4}-\d\d-\d\dT00:00:00", d) for d in births)
    assert any("\n" in (c.findtext("PostalAddress") or "") for c in listed)
    assert b"<Relationships />" in response.data and b"<Groups />" in response.data
    assert any(len(c.find("Contacts")) == 1 for c in listed)
    assert any(len(c.find("Relationships")) == 1 for c in listed)
    percentages = [
        r.findtext("Percentage")
        for c in listed
        for r in c.find("Relationships")
        if r.findtext("Type") == "Partner"
    ]
    assert "0" in percentages


def test_unknown_and_deleted_clients_are_xpms_invalid_identifier(client, xpm):
    listed = clients_of(parse(api(client, xpm, "client.api/list")))
    deleted = next(c.findtext("UUID") for c in listed if c.findtext("IsDeleted") == "Yes")
    for identifier in (str(uuid.uuid4()), "not-a-uuid", deleted):
        response = api(client, xpm, "client.api/get/" + identifier)
        root = parse(response)
        assert root.findtext("Status") == "ERROR"
        assert root.findtext("ErrorDescription") == "Invalid client identifier"


def test_one_client_is_answered_with_malformed_xml(client, xpm):
    (record,) = by_name(
        parse(api(client, xpm, "client.api/search", query=fixtures.MALFORMED_COMPANY)),
        fixtures.MALFORMED_COMPANY,
    )
    response = api(client, xpm, "client.api/get/" + record.findtext("UUID"))
    assert response.status_code == 200 and b"\x0b" in response.data
    with pytest.raises(ElementTree.ParseError):
        parse(response)


def test_paged_list_walks_every_active_client_once(client, xpm):
    everyone = clients_of(parse(api(client, xpm, "client.api/list")))
    active = {
        c.findtext("UUID")
        for c in everyone
        if c.findtext("IsArchived") == "No" and c.findtext("IsDeleted") == "No"
    }
    seen, pages = [], 0
    response = api(client, xpm, "client.api/paged-list", pageSize=37)
    while True:
        root = parse(response)
        pages += 1
        page = clients_of(root)
        assert len(page) <= 37 and page[0].find("Contacts") is None
        seen += [c.findtext("UUID") for c in page]
        links = root.find("Pagination/Links")
        assert urlsplit(links.findtext("First")).query == "pageSize=37"
        following = links.findtext("Next")
        if following is None:
            break
        parts = urlsplit(following)
        response = client.get(f"{parts.path}?{parts.query}", headers=xpm.headers())
    assert len(seen) == len(set(seen)) and set(seen) == active
    assert pages == -(-len(active) // 37)


@pytest.mark.parametrize("params", [{"pageSize": 0}, {"pageSize": 501}, {"pageToken": "!!bad"}])
def test_paged_list_refuses_bad_arguments(client, xpm, params):
    root = parse(api(client, xpm, "client.api/paged-list", **params))
    assert root.findtext("Status") == "ERROR"


def test_search_ignores_case_and_macrons(client, xpm):
    names = {}
    for query in ("kowhai holdings", "KŌWHAI HOLDINGS", "Kōwhai Holdings"):
        root = parse(api(client, xpm, "client.api/search", query=query))
        assert root.get("api-method") == "Search"
        names[query] = sorted(c.findtext("UUID") for c in clients_of(root))
    assert len(set(map(tuple, names.values()))) == 1
    assert len(names["kowhai holdings"]) == 2  # two clients share the name
    empty = api(client, xpm, "client.api/search", query="no such client zzz")
    assert b"<Clients />" in empty.data
    assert parse(api(client, xpm, "client.api/search", query=" ")).findtext("Status") == "ERROR"


def test_detailed_search(client, xpm):
    root = parse(api(client, xpm, "client.api/search", query="Pōhutukawa Family", detailed="true"))
    (trust,) = clients_of(root)
    kinds = [r.findtext("Type") for r in trust.find("Relationships")]
    assert kinds.count("Trustee") == 2 and kinds.count("Beneficiary") == 4
    assert {"Settlor", "Appointer", "Shareholder Of"} <= set(kinds)


def test_modifiedsince_picks_up_added_and_archived_clients(client, xpm):
    since = (datetime.now(UTC) - timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%S")
    assert clients_of(parse(api(client, xpm, "client.api/list", modifiedsince=since))) == []
    existing = by_name(
        parse(api(client, xpm, "client.api/search", query="Kea Ventures")), "Kea Ventures Limited"
    )[0]
    added = client.post(
        "/sandbox/_control/clients",
        headers=CONTROL,
        json={
            "Name": "Tāwhirimātea Wind Farms Limited",
            "BusinessStructure": "Company",
            "Relationships": [
                {
                    "Type": "Shareholder",
                    "RelatedClient": existing.findtext("UUID"),
                    "NumberOfShares": 10,
                }
            ],
        },
    )
    assert added.status_code == 201
    archived = client.patch(
        "/sandbox/_control/clients/" + existing.findtext("UUID"),
        headers=CONTROL,
        json={"IsArchived": "Yes"},
    )
    assert archived.status_code == 200
    changed = clients_of(
        parse(api(client, xpm, "client.api/list", modifiedsince=since, detailed="true"))
    )
    assert {c.findtext("UUID") for c in changed} == {added.json["uuid"], existing.findtext("UUID")}
    kea = next(c for c in changed if c.findtext("UUID") == existing.findtext("UUID"))
    assert kea.findtext("IsArchived") == "Yes"
    assert "Shareholder Of" in {r.findtext("Type") for r in kea.find("Relationships")}
    bad = parse(api(client, xpm, "client.api/list", modifiedsince="yesterday"))
    assert bad.findtext("Status") == "ERROR"


def test_client_groups(client, xpm):
    root = parse(api(client, xpm, "clientgroup.api/list"))
    groups = root.find("Groups").findall("Group")
    ngata = next(g for g in groups if g.findtext("Name") == "Ngata Family")
    assert ngata.findtext("Taxable") in ("Yes", "No")
    detail = parse(api(client, xpm, "clientgroup.api/get/" + ngata.findtext("UUID")))
    members = {c.findtext("Name") for c in detail.find("Group/Clients")}
    assert {"Aroha Ngata", "Pōhutukawa Family Trust", fixtures.CHAIN_COMPANY} <= members
    missing = parse(api(client, xpm, "clientgroup.api/get/" + str(uuid.uuid4())))
    assert missing.findtext("Status") == "ERROR"

"""Every parsing trap seen in real XPM answers, read into records."""

import time
from datetime import date
from decimal import Decimal

import pytest

from portal.xpm import XpmBadResponse, XpmBusinessError, XpmNotFound, read_response
from portal.xpm.parsers import (
    client_page_from,
    clients_in,
    single_client,
    single_group,
    workflowmax_page_from,
)
from tests.xpm.conftest import response_xml


def client(inner: str):
    """The one client of a ``get`` answer whose <Client> holds ``inner``."""
    return single_client(read_response(response_xml(f"<Client>{inner}</Client>").encode()))


DETAILED = """
<Response api-method="Get">
  <Status>OK</Status>
  <WebUrl>https://practicemanager.xero.com/Client/123/Detail</WebUrl>
  <Client>
    <ID>4471</ID>
    <UUID>
      f8235e1a-d383-48b7-9139-ba97ab8ca889
    </UUID>
    <Name>Tui &amp; Kea Trust</Name>
    <FirstName />
    <Email>office@example.nz</Email>
    <DateOfBirth />
    <PostalAddress>Level 32, PWC Building
188 Quay Street
Auckland Central</PostalAddress>
    <PostalCity>Auckland</PostalCity>
    <IsProspect>No</IsProspect>
    <IsArchived>Yes</IsArchived>
    <IsDeleted>No</IsDeleted>
    <AccountManager><UUID>dc48</UUID><Name>Jo Blogs</Name></AccountManager>
    <JobManager><UUID>9846</UUID><Name>John Smith</Name></JobManager>
    <Type><Name>20th of Month</Name><CostMarkup>30.00</CostMarkup></Type>
    <TaxNumber>******123</TaxNumber>
    <CompanyNumber>1234567</CompanyNumber>
    <BusinessStructure>Trust</BusinessStructure>
    <BalanceMonth>March</BalanceMonth>
    <GSTRegistered>Yes</GSTRegistered>
    <GSTPeriod>2 Monthly</GSTPeriod>
    <Contacts>
      <Contact>
        <UUID>dd92</UUID><Name>Wyett E Coyote</Name><Mobile /><IsDeleted>No</IsDeleted>
        <IsPrimary>Yes</IsPrimary><Position>Trustee</Position>
      </Contact>
    </Contacts>
    <Notes>
      <Note><Title>Deed</Title><Text>Deed held in the safe</Text><Folder />
        <Date>2008-09-12T13:00:00</Date><CreatedBy>Jo Bloggs</CreatedBy></Note>
    </Notes>
    <Groups>
      <Group><UUID>0dd9</UUID><Name>Bloggs Family</Name></Group>
    </Groups>
    <Relationships>
      <Relationship>
        <UUID>1d44</UUID><Type>Shareholder</Type>
        <RelatedClient><UUID>7b57</UUID><Name>Bloggs Ltd</Name></RelatedClient>
        <NumberOfShares>1000</NumberOfShares><Percentage>0</Percentage>
        <StartDate>2011-01-01</StartDate><EndDate>2013-03-31T00:00:00</EndDate>
      </Relationship>
      <Relationship>
        <UUID>1d45</UUID><Type>Parent Of</Type>
        <RelatedClient><UUID>7b58</UUID><Name>Aroha Ngata</Name></RelatedClient>
        <NumberOfShares /><Percentage />
        <StartDate /><EndDate />
      </Relationship>
    </Relationships>
  </Client>
</Response>
"""


def test_a_detailed_client_is_read_field_by_field():
    record = single_client(read_response(DETAILED.encode()))
    assert record.uuid == "f8235e1a-d383-48b7-9139-ba97ab8ca889"
    assert record.name == "Tui & Kea Trust"
    assert record.first_name == "" and record.date_of_birth is None
    assert record.postal_address == "Level 32, PWC Building\n188 Quay Street\nAuckland Central"
    assert (record.is_prospect, record.is_archived, record.is_deleted) == (False, True, False)
    assert record.account_manager == "Jo Blogs" and record.job_manager == "John Smith"
    assert record.billing_type == "20th of Month"  # billing terms, not the kind of entity
    assert record.business_structure == "Trust"
    assert record.tax_number == "******123" and record.tax_number_masked
    assert record.company_number == "1234567" and record.balance_month == "March"
    assert record.gst_registered == "Yes" and record.gst_period == "2 Monthly"
    [contact] = record.contacts
    assert contact.name == "Wyett E Coyote" and contact.is_primary and contact.mobile == ""
    [note] = record.notes
    assert note.title == "Deed" and note.date == date(2008, 9, 12)
    assert [g.name for g in record.groups] == ["Bloggs Family"]
    shareholder, parent = record.relationships
    assert shareholder.type == "Shareholder"
    assert shareholder.related_client_uuid == "7b57"
    assert shareholder.related_client_name == "Bloggs Ltd"
    assert shareholder.number_of_shares == 1000
    assert shareholder.percentage == Decimal("0")
    assert shareholder.start_date == date(2011, 1, 1)
    assert shareholder.end_date == date(2013, 3, 31)
    assert parent.type == "Parent Of"
    assert parent.number_of_shares is None and parent.percentage is None
    assert parent.start_date is None and parent.end_date is None


def test_one_child_is_still_a_list_and_self_closing_collections_are_empty():
    single = clients_in(
        read_response(
            response_xml(
                "<Clients><Client><UUID>a</UUID><Name>Only</Name></Client></Clients>"
            ).encode()
        )
    )
    assert [c.name for c in single] == ["Only"]
    empty = client(
        "<UUID>a</UUID><Name>A</Name><Relationships /><Contacts/><Groups></Groups><Notes />"
    )
    assert (empty.relationships, empty.contacts, empty.groups, empty.notes) == ((), (), (), ())
    assert clients_in(read_response(response_xml("<Clients />").encode())) == ()


@pytest.mark.parametrize(
    ("sent", "expected"),
    [
        ("1970-11-26", date(1970, 11, 26)),
        ("1970-11-26T00:00:00", date(1970, 11, 26)),
        ("1970-11-26T13:45:10.123Z", date(1970, 11, 26)),
        ("  1970-11-26\n", date(1970, 11, 26)),
        ("", None),
        ("0001-01-01T00:00:00", None),  # .NET's "no date"
        ("2015-02-30", None),
        ("26/11/1970", None),
    ],
)
def test_dates_in_either_format_and_empty(sent, expected):
    assert client(f"<UUID>a</UUID><DateOfBirth>{sent}</DateOfBirth>").date_of_birth == expected
    assert client("<UUID>a</UUID>").date_of_birth is None


@pytest.mark.parametrize(
    ("sent", "expected"),
    [("Yes", True), ("No", False), (" Yes ", True), ("yes", True), ("", False), ("Maybe", False)],
)
def test_yes_and_no(sent, expected):
    assert client(f"<UUID>a</UUID><IsArchived>{sent}</IsArchived>").is_archived is expected


def test_missing_elements_are_empty_not_errors():
    record = client("<UUID>a</UUID>")
    assert record.name == "" and record.email == "" and record.business_structure == ""
    assert record.billing_type == "" and record.account_manager == ""
    assert record.tax_number == "" and not record.tax_number_masked
    # XPM's search and get answers say nothing of these flags: not said, rather than No.
    assert record.is_archived is None and record.is_deleted is None
    assert client("<UUID>a</UUID><IsArchived />").is_archived is False


def test_text_is_kept_exactly_as_received():
    # Decomposed macron (o + U+0304), an apostrophe, markup that was escaped, outer spaces,
    # an emoji, a CDATA section: all come through untouched.
    name = "  Ko\u0304whai O\u2019Brien &lt;script&gt;alert(1)&lt;/script&gt; 🌿 "
    record = client(
        f"<UUID>a</UUID><Name>{name}</Name><Website>javascript:alert(1)</Website>"
        "<Address><![CDATA[1 <Main> St & Co]]></Address>"
    )
    assert record.name == "  Ko\u0304whai O\u2019Brien <script>alert(1)</script> 🌿 "
    assert record.website == "javascript:alert(1)"
    assert record.address == "1 <Main> St & Co"


def test_line_breaks_in_addresses_are_kept_xml_normalises_crlf():
    body = response_xml(
        "<Client><UUID>a</UUID><PostalAddress>PO Box 1\r\nTe Aro\r\n</PostalAddress></Client>"
    ).encode()
    assert single_client(read_response(body)).postal_address == "PO Box 1\nTe Aro\n"


def test_legacy_id_elements_and_nested_names_are_not_confused():
    record = client(
        "<ID>17</ID><UUID>real-uuid</UUID><Name>Client name</Name>"
        "<AccountManager><ID>3</ID><Name>Manager</Name></AccountManager>"
    )
    assert record.uuid == "real-uuid" and record.name == "Client name"
    assert record.account_manager == "Manager"


@pytest.mark.parametrize(
    ("sent", "masked"),
    [("******123", True), ("XXX-XXX-123", True), ("", False), ("123-456-789", False)],
)
def test_tax_number_is_kept_as_received_and_flagged_when_masked(sent, masked):
    record = client(f"<UUID>a</UUID><TaxNumber>{sent}</TaxNumber>")
    assert record.tax_number == sent and record.tax_number_masked is masked


def test_numbers_that_are_not_numbers_become_none_quickly():
    started = time.monotonic()
    record = client(
        "<UUID>a</UUID><Relationships><Relationship><UUID>r</UUID>"
        "<NumberOfShares>1e999999999</NumberOfShares>"
        "<Percentage>NaN</Percentage></Relationship></Relationships>"
    )
    [relationship] = record.relationships
    assert relationship.number_of_shares is None and relationship.percentage is None
    assert time.monotonic() - started < 1
    shares = client(
        "<UUID>a</UUID><Relationships><Relationship><NumberOfShares>1,500"
        "</NumberOfShares><Percentage>33.33</Percentage><RelatedClient />"
        "</Relationship></Relationships>"
    ).relationships[0]
    assert shares.number_of_shares == 1500 and shares.percentage == Decimal("33.33")
    assert shares.related_client_uuid == "" and shares.related_client_name == ""


def test_website_spelt_either_way():
    assert client("<UUID>a</UUID><WebSite>https://a.example</WebSite>").website == (
        "https://a.example"
    )


def test_paged_list_next_token_comes_from_the_next_link():
    body = response_xml(
        "<Clients><Client><UUID>a</UUID></Client></Clients><Pagination><Links>"
        "<First>https://api.xero.com/practicemanager/3.1/client.api/paged-list?pageSize=10"
        "</First><Next>https://api.xero.com/practicemanager/3.1/client.api/paged-list?"
        "pageToken=bGlnaHQgd29y&amp;pageSize=10</Next></Links></Pagination>"
    )
    page = client_page_from(read_response(body.encode()))
    assert page.next_page_token == "bGlnaHQgd29y" and len(page.clients) == 1
    last = client_page_from(
        read_response(
            response_xml(
                "<Clients /><Pagination><Links><First>x</First><Next /></Links></Pagination>"
            ).encode()
        )
    )
    assert last.next_page_token is None and last.clients == ()


def test_workflowmax_page_counts():
    body = response_xml(
        "<Page>2</Page><PageSize>100</PageSize><TotalRecords>250</TotalRecords>"
        "<Clients><Client><UUID>a</UUID></Client></Clients>"
    )
    page = workflowmax_page_from(read_response(body.encode()))
    assert (page.page, page.page_size, page.total_records, len(page.clients)) == (2, 100, 250, 1)


def test_a_group_with_its_members():
    body = response_xml(
        "<Group><UUID>g</UUID><Name>Bloggs Family</Name><Taxable>Yes</Taxable>"
        "<Clients><Client><UUID>c1</UUID><Name>Jo Bloggs</Name></Client>"
        "</Clients></Group>"
    )
    group = single_group(read_response(body.encode()))
    assert group.name == "Bloggs Family" and group.taxable
    assert [(c.uuid, c.name) for c in group.clients] == [("c1", "Jo Bloggs")]


def test_status_error_carries_the_description():
    body = response_xml("<ErrorDescription>Name is required</ErrorDescription>", status="ERROR")
    with pytest.raises(XpmBusinessError) as raised:
        read_response(body.encode())
    assert raised.value.detail == "Name is required"
    assert "Name is required" in str(raised.value)
    missing = response_xml("<ErrorDescription>Client not found</ErrorDescription>", "ERROR")
    with pytest.raises(XpmNotFound):
        read_response(missing.encode())


def test_a_get_without_a_client_is_a_bad_response():
    with pytest.raises(XpmBadResponse):
        single_client(read_response(response_xml("").encode()))


def test_a_byte_order_mark_and_declaration_are_fine():
    body = '\ufeff<?xml version="1.0" encoding="utf-8"?>' + response_xml(
        "<Client><UUID>a</UUID><Name>Rātā</Name></Client>"
    )
    assert single_client(read_response(body.encode())).name == "Rātā"


def test_a_client_comes_back_from_json_exactly():
    from pathlib import Path

    from portal.xpm.parsers import single_client
    from portal.xpm.records import client_from_json, client_to_json

    fixtures = Path(__file__).resolve().parents[1] / "fixtures" / "xpm"
    for name in ("get_company_with_relationships.xml", "get_30_style_with_ID.xml"):
        client = single_client(read_response((fixtures / name).read_bytes()))
        assert client_from_json(client_to_json(client)) == client

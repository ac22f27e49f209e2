"""Reading XPM's elements into records: one parser per element, sharing the field readers.

Each parser reads the element's own children only (``AccountManager/Name`` is never
taken for the client's ``Name``), and fills every field whether or not XPM sent it.
"""

import re
from urllib.parse import parse_qs, urlsplit
from xml.etree.ElementTree import Element

from portal.xpm.errors import XpmBadResponse
from portal.xpm.records import (
    ClientPage,
    ClientRef,
    Contact,
    Group,
    Note,
    Relationship,
    WorkflowMaxPage,
    XpmClient,
)
from portal.xpm.xml import day, decimal, first_text, flag, items, sent_flag, text, whole_number

FULL_TAX_NUMBER = re.compile(r"\d{8,9}")


# --- One element -------------------------------------------------------------------------------
def uuid_of(element: Element) -> str:
    """A UUID field, with any layout whitespace around it removed."""
    return text(element, "UUID").strip()


def client_ref_from(element: Element) -> ClientRef:
    """A ``{UUID, Name}`` pair."""
    return ClientRef(uuid=uuid_of(element), name=text(element, "Name"))


def contact_from(element: Element) -> Contact:
    """One ``<Contact>``."""
    return Contact(
        uuid=uuid_of(element),
        name=text(element, "Name"),
        salutation=text(element, "Salutation"),
        addressee=text(element, "Addressee"),
        mobile=text(element, "Mobile"),
        email=text(element, "Email"),
        phone=text(element, "Phone"),
        position=text(element, "Position"),
        is_primary=flag(element, "IsPrimary"),
        is_deleted=flag(element, "IsDeleted"),
    )


def group_from(element: Element) -> Group:
    """One ``<Group>``, with its members when XPM lists them (``clientgroup.api/get``)."""
    return Group(
        uuid=uuid_of(element),
        name=text(element, "Name"),
        taxable=flag(element, "Taxable"),
        clients=tuple(client_ref_from(e) for e in items(element, "Clients", "Client")),
    )


def note_from(element: Element) -> Note:
    """One ``<Note>``."""
    return Note(
        title=text(element, "Title"),
        text=text(element, "Text"),
        folder=text(element, "Folder"),
        date=day(element, "Date"),
        created_by=text(element, "CreatedBy"),
    )


def relationship_from(element: Element) -> Relationship:
    """One ``<Relationship>``, seen from the client that carries it."""
    related = element.find("RelatedClient")
    return Relationship(
        uuid=uuid_of(element),
        type=text(element, "Type"),
        related_client_uuid="" if related is None else uuid_of(related),
        related_client_name=text(related, "Name"),
        number_of_shares=whole_number(element, "NumberOfShares"),
        percentage=decimal(element, "Percentage"),
        start_date=day(element, "StartDate"),
        end_date=day(element, "EndDate"),
    )


def client_from(element: Element) -> XpmClient:
    """One ``<Client>``, basic or detailed."""
    tax_number = text(element, "TaxNumber")
    return XpmClient(
        uuid=uuid_of(element),
        name=text(element, "Name"),
        first_name=text(element, "FirstName"),
        last_name=text(element, "LastName"),
        other_name=text(element, "OtherName"),
        date_of_birth=day(element, "DateOfBirth", last=True),
        email=text(element, "Email"),
        phone=text(element, "Phone"),
        fax=text(element, "Fax"),
        website=first_text(element, "Website", "WebSite"),
        address=text(element, "Address"),
        city=text(element, "City"),
        region=text(element, "Region"),
        post_code=text(element, "PostCode"),
        country=text(element, "Country"),
        postal_address=text(element, "PostalAddress"),
        postal_city=text(element, "PostalCity"),
        postal_region=text(element, "PostalRegion"),
        postal_post_code=text(element, "PostalPostCode"),
        postal_country=text(element, "PostalCountry"),
        is_prospect=sent_flag(element, "IsProspect"),
        is_archived=sent_flag(element, "IsArchived"),
        is_deleted=sent_flag(element, "IsDeleted"),
        account_manager=text(element.find("AccountManager"), "Name"),
        job_manager=text(element.find("JobManager"), "Name"),
        billing_type=text(element.find("Type"), "Name"),
        tax_number=tax_number,
        tax_number_masked=tax_number_is_masked(tax_number),
        company_number=text(element, "CompanyNumber"),
        business_number=text(element, "BusinessNumber"),
        business_structure=text(element, "BusinessStructure"),
        balance_month=text(element, "BalanceMonth"),
        prepare_gst=text(element, "PrepareGST"),
        gst_registered=text(element, "GSTRegistered"),
        gst_period=text(element, "GSTPeriod"),
        gst_basis=text(element, "GSTBasis"),
        provisional_tax_basis=text(element, "ProvisionalTaxBasis"),
        provisional_tax_ratio=text(element, "ProvisionalTaxRatio"),
        contacts=tuple(contact_from(e) for e in items(element, "Contacts", "Contact")),
        groups=tuple(group_from(e) for e in items(element, "Groups", "Group")),
        notes=tuple(note_from(e) for e in items(element, "Notes", "Note")),
        relationships=tuple(
            relationship_from(e) for e in items(element, "Relationships", "Relationship")
        ),
    )


def tax_number_is_masked(value: str) -> bool:
    """True unless ``value`` is a whole IRD-style number (XPM normally sends ``******123``)."""
    digits = re.sub(r"[\s-]", "", value)
    return bool(digits) and not FULL_TAX_NUMBER.fullmatch(digits)


def clients_in(response: Element) -> tuple[XpmClient, ...]:
    """Every ``Clients/Client`` of a list or search answer."""
    return tuple(client_from(e) for e in items(response, "Clients", "Client"))


def single_client(response: Element) -> XpmClient:
    """The one ``<Client>`` of a ``client.api/get`` answer."""
    element = response.find("Client")
    if element is None:
        raise XpmBadResponse("the answer holds no <Client>")
    return client_from(element)


def single_group(response: Element) -> Group:
    """The one ``<Group>`` of a ``clientgroup.api/get`` answer."""
    element = response.find("Group")
    if element is None:
        raise XpmBadResponse("the answer holds no <Group>")
    return group_from(element)


def client_page_from(response: Element) -> ClientPage:
    """A ``paged-list`` answer; the next token is read from ``Pagination/Links/Next``."""
    links = response.find("Pagination/Links")
    next_link = text(links, "Next").strip()
    token = None
    if next_link:
        found = parse_qs(urlsplit(next_link).query).get("pageToken")
        # A bare token (no URL around it) is accepted too; the documentation shows a URL.
        token = found[0] if found else (next_link if "/" not in next_link else None)
    return ClientPage(clients=clients_in(response), next_page_token=token or None)


def workflowmax_page_from(response: Element) -> WorkflowMaxPage:
    """A WorkflowMax ``client.api/list`` page with ``Page``, ``PageSize``, ``TotalRecords``."""
    # Where the counts sit is not documented; they are read from the response or from a
    # Pagination element, whichever holds them.
    holder = response if response.find("Page") is not None else response.find("Pagination")
    if holder is None:
        holder = response
    clients = clients_in(response)
    page, size, total = (whole_number(holder, n) for n in ("Page", "PageSize", "TotalRecords"))
    return WorkflowMaxPage(
        clients=clients,
        page=1 if page is None else page,
        page_size=len(clients) if size is None else size,
        total_records=len(clients) if total is None else total,
    )

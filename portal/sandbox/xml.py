"""XPM's XML, written by ElementTree so every value is escaped by a real serializer.

The shapes follow XPM 3.1 as recorded: a ``<Response api-method="…">`` envelope with
``<Status>``, "Yes"/"No" flags, empty elements self-closing (``<Relationships />``),
BusinessStructure sometimes absent, and two spellings of dates side by side.
"""

from collections.abc import Iterable, Iterator
from xml.etree.ElementTree import Element, SubElement, tostring
from xml.sax.saxutils import quoteattr

CONTENT_TYPE = "text/xml; charset=utf-8"

#: Text fields every client carries, in XPM's order.
BASIC_FIELDS = (
    "FirstName",
    "LastName",
    "OtherName",
    "Email",
    "DateOfBirth",
    "Address",
    "City",
    "Region",
    "PostCode",
    "Country",
    "PostalAddress",
    "PostalCity",
    "PostalRegion",
    "PostalPostCode",
    "PostalCountry",
    "Phone",
    "Fax",
    "Website",
    "ReferralSource",
    "ExportCode",
)
#: Fields ``detailed=true`` and ``get`` add (tax and practice-management fields).
DETAILED_FIELDS = (
    "TaxNumber",
    "CompanyNumber",
    "BusinessNumber",
    "BusinessStructure",
    "BalanceMonth",
    "PrepareGST",
    "GSTRegistered",
    "GSTPeriod",
    "GSTBasis",
    "ProvisionalTaxBasis",
    "ProvisionalTaxRatio",
    "SignedTaxAuthority",
    "TaxAgent",
    "AgencyStatus",
    "ReturnType",
)
CONTACT_FIELDS = ("UUID", "Name", "Salutation", "Addressee", "Mobile", "Email", "Phone")
NOTE_FIELDS = ("Title", "Text", "Folder", "Date", "CreatedBy")
TYPE_FIELDS = ("Name", "CostMarkup", "PaymentTerm", "PaymentDay")
#: Every field a client record may hold (what the control endpoints accept).
CLIENT_FIELDS = frozenset(("Name", *BASIC_FIELDS, *DETAILED_FIELDS))


def yes_no(value: bool) -> str:
    """XPM's spelling of a flag."""
    return "Yes" if value else "No"


def _text(parent: Element, tag: str, value="") -> Element:
    element = SubElement(parent, tag)
    if value not in ("", None):
        element.text = str(value)
    return element


def _person(parent: Element, tag: str, value: dict | None) -> None:
    if value:
        element = SubElement(parent, tag)
        _text(element, "UUID", value["UUID"])
        _text(element, "Name", value["Name"])


def client_element(
    entry: dict,
    detailed: bool = False,
    contacts: bool = True,
    relationships: list | None = None,
    groups: list | None = None,
) -> Element:
    """A ``<Client>``: basic fields, plus notes, tax fields, groups, relationships if detailed."""
    data = entry["data"]
    client = Element("Client")
    _text(client, "UUID", entry["uuid"])
    _text(client, "Name", entry["name"])
    for field in BASIC_FIELDS:
        _text(client, field, data.get(field, ""))
    _text(client, "IsProspect", yes_no(entry["is_prospect"]))
    _text(client, "IsArchived", yes_no(entry["is_archived"]))
    _text(client, "IsDeleted", yes_no(entry["is_deleted"]))
    _person(client, "AccountManager", data.get("AccountManager"))
    if data.get("Type"):
        billing = SubElement(client, "Type")
        for field in TYPE_FIELDS:
            _text(billing, field, data["Type"].get(field, ""))
    if contacts:
        _contacts(client, data.get("Contacts", []))
    if not detailed:
        if "BusinessStructure" in data:  # absent in some practices' records, not just empty
            _text(client, "BusinessStructure", data["BusinessStructure"])
        return client
    notes = SubElement(client, "Notes")
    for note in data.get("Notes", []):
        element = SubElement(notes, "Note")
        for field in NOTE_FIELDS:
            _text(element, field, note.get(field, ""))
    _person(client, "JobManager", data.get("JobManager"))
    for field in DETAILED_FIELDS:
        if field != "BusinessStructure" or field in data:
            _text(client, field, data.get(field, ""))
    group_list = SubElement(client, "Groups")
    for group in groups or []:
        _person(group_list, "Group", group)
    _relationships(client, relationships or [])
    return client


def _contacts(client: Element, contacts: list) -> None:
    element = SubElement(client, "Contacts")
    for contact in contacts:
        item = SubElement(element, "Contact")
        for field in CONTACT_FIELDS:
            _text(item, field, contact.get(field, ""))
        _text(item, "IsDeleted", "No")
        _text(item, "IsPrimary", contact.get("IsPrimary", "No"))
        _text(item, "Position", contact.get("Position", ""))


def _relationships(client: Element, relationships: list) -> None:
    element = SubElement(client, "Relationships")
    for relationship in relationships:
        item = SubElement(element, "Relationship")
        _text(item, "UUID", relationship["UUID"])
        _text(item, "Type", relationship["Type"])
        _person(item, "RelatedClient", relationship["RelatedClient"])
        if relationship["NumberOfShares"] is not None:
            _text(item, "NumberOfShares", relationship["NumberOfShares"])
        if relationship["Percentage"] is not None:
            _text(item, "Percentage", f"{relationship['Percentage']:g}")
        _text(item, "StartDate", relationship["StartDate"])
        _text(item, "EndDate", relationship["EndDate"])


def group_element(group, clients: Iterable | None = None) -> Element:
    """A ``<Group>``, with its member clients when given."""
    element = Element("Group")
    _text(element, "UUID", group.uuid)
    _text(element, "Name", group.name)
    _text(element, "Taxable", group.taxable)
    if clients is not None:
        listing = SubElement(element, "Clients")
        for client in clients:
            _person(listing, "Client", {"UUID": client.uuid, "Name": client.name})
    return element


def groups_element(groups: Iterable) -> Element:
    """``<Groups>`` listing every group (self-closing when there are none)."""
    element = Element("Groups")
    element.extend(group_element(group) for group in groups)
    return element


def pagination(first: str, following: str | None) -> Element:
    """``<Pagination><Links><First/><Next/></Links></Pagination>``; no Next on the last page."""
    element = Element("Pagination")
    links = SubElement(element, "Links")
    _text(links, "First", first)
    if following:
        _text(links, "Next", following)
    return element


def fields(**values) -> list[Element]:
    """Simple ``<Name>value</Name>`` elements, in the order given."""
    elements = []
    for tag, value in values.items():
        element = Element(tag)
        element.text = str(value)
        elements.append(element)
    return elements


def response(method: str, *children: Element) -> bytes:
    """A whole ``<Response>`` with Status OK."""
    root = Element("Response", {"api-method": method})
    _text(root, "Status", "OK")
    root.extend(children)
    return tostring(root, encoding="utf-8", xml_declaration=False)


def error(method: str, description: str) -> bytes:
    """A business error: HTTP 200 with Status ERROR, as XPM answers an unknown UUID."""
    root = Element("Response", {"api-method": method})
    _text(root, "Status", "ERROR")
    _text(root, "ErrorDescription", description)
    return tostring(root, encoding="utf-8", xml_declaration=False)


def streamed(
    method: str,
    container: str,
    items: Iterable[Element],
    before: Iterable[Element] = (),
    after: Iterable[Element] = (),
) -> Iterator[bytes]:
    """A Status OK response written one element at a time (large lists stay out of memory)."""
    yield f"<Response api-method={quoteattr(method)}><Status>OK</Status>".encode()
    for element in before:
        yield tostring(element, encoding="utf-8")
    items = iter(items)
    first = next(items, None)
    if first is None:
        yield f"<{container} />".encode()
    else:
        yield f"<{container}>".encode() + tostring(first, encoding="utf-8")
        for element in items:
            yield tostring(element, encoding="utf-8")
        yield f"</{container}>".encode()
    for element in after:
        yield tostring(element, encoding="utf-8")
    yield b"</Response>"

"""XPM's XML, written by ElementTree so every value is escaped by a real serializer.

The shapes are XPM 3.1's as its documentation shows them and as real answers were recorded
(docs/xpm-shapes.md): a ``<Response api-method="…">`` envelope with ``<Status>``, no XML
declaration, "Yes"/"No" flags, empty elements self-closing. Each endpoint sends its own
set of fields, in its own order, and no kinder than XPM:

- ``list`` and ``paged-list`` carry the basic fields and the status flags but no
  BusinessStructure, company or tax numbers (``paged-list`` no contacts either);
- ``search`` carries neither the flags nor the person fields;
- ``get`` (and ``detailed=true``) add notes, the practice-management block with the
  structure and tax fields, groups and relationships; ``get`` says nothing of whether a
  client is archived or deleted, and sends DateOfBirth twice (near the top, where XPM's
  own samples give companies one too, and again for individuals only).

Where XPM is seen to vary (Email left out when empty, NumberOfShares left out or sent as 0
on a director) each record varies the same way every time, by its UUID.
"""

import hashlib
from collections.abc import Iterable, Iterator
from datetime import date, timedelta
from xml.etree.ElementTree import Element, SubElement, tostring
from xml.sax.saxutils import quoteattr

CONTENT_TYPE = "text/xml; charset=utf-8"
SHAPES = ("list", "paged-list", "search", "get")

#: AU-only and individual-only fields that lists and pages send (empty for the rest).
PERSON_FIELDS = ("Title", "Gender", "FirstName", "LastName", "OtherName")
ADDRESS_FIELDS = (
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
#: The practice-management block of a detailed answer, after JobManager and the names.
PRACTICE_FIELDS = (
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
    "PrepareActivityStatement",
    "PrepareTaxReturn",
)
CONTACT_FIELDS = ("UUID", "Name", "Salutation", "Addressee", "Mobile", "Email", "Phone")
NOTE_FIELDS = ("Title", "Text", "Folder", "Date", "CreatedBy")
TYPE_FIELDS = ("Name", "CostMarkup", "PaymentTerm", "PaymentDay")
#: Every field a client record may hold (what the control endpoints accept).
CLIENT_FIELDS = frozenset(
    ("Name", *PERSON_FIELDS, "Email", "DateOfBirth", *ADDRESS_FIELDS, *PRACTICE_FIELDS)
)
#: The practice's web address of a client, as ``get`` sends it beside the client.
WEB_URL = "https://practicemanager.xero.com/Client/{}/Detail"


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


def _roll(key: str, salt: str) -> float:
    """A number in [0, 1) that is always the same for ``key`` (a UUID) and ``salt``."""
    digest = hashlib.sha256(f"{salt}:{key}".encode()).digest()
    return int.from_bytes(digest[:4], "big") / 2**32


def _is_person(data: dict) -> bool:
    return bool(data.get("FirstName") or data.get("LastName"))


def _date_of_birth(entry: dict, with_time: bool) -> str:
    """The date of birth a list shows: a person's; for one entity in four, the date the
    practice typed into that field (often the incorporation date), as XPM's samples do."""
    data = entry["data"]
    born = data.get("DateOfBirth", "")
    if not born and not _is_person(data) and _roll(entry["uuid"], "dob") < 0.25:
        born = date(1980, 1, 1) + timedelta(days=int(_roll(entry["uuid"], "day") * 15_000))
        born = born.isoformat()
    born = born[:10]
    return born + "T00:00:00" if born and with_time else born


def client_element(
    entry: dict,
    shape: str = "get",
    detailed: bool = False,
    relationships: list | None = None,
    groups: list | None = None,
) -> Element:
    """A ``<Client>`` as ``shape`` (list, paged-list, search or get) sends it."""
    data, uuid = entry["data"], entry["uuid"]
    detailed = detailed or shape == "get"
    listing = shape in ("list", "paged-list")
    client = Element("Client")
    _text(client, "UUID", uuid)
    _text(client, "Name", entry["name"])
    if listing and not detailed:
        for field in PERSON_FIELDS:
            _text(client, field, data.get(field, ""))
    if data.get("Email") or _roll(uuid, "email") < 0.5:  # left out when empty, now and then
        _text(client, "Email", data.get("Email", ""))
    _text(client, "DateOfBirth", _date_of_birth(entry, with_time=listing))
    for field in ADDRESS_FIELDS:
        _text(client, field, data.get(field, ""))
    if listing:
        _text(client, "IsArchived", yes_no(entry["is_archived"]))
        _text(client, "IsDeleted", yes_no(entry["is_deleted"]))
    _person(client, "AccountManager", data.get("AccountManager"))
    if data.get("Type"):
        billing = SubElement(client, "Type")
        for field in TYPE_FIELDS:
            _text(billing, field, data["Type"].get(field, ""))
    if shape != "paged-list":
        _contacts(client, data.get("Contacts", []))
    if not detailed:
        if shape == "search":
            SubElement(client, "BillingClient")
        return client
    notes = SubElement(client, "Notes")
    for note in data.get("Notes", []):
        element = SubElement(notes, "Note")
        for field in NOTE_FIELDS:
            _text(element, field, note.get(field, ""))
    SubElement(client, "BillingClient")
    _person(client, "JobManager", data.get("JobManager"))
    for field in ("FirstName", "LastName", "OtherName"):
        _text(client, field, data.get(field, ""))
    _text(client, "DateOfBirth", data.get("DateOfBirth", "")[:10] if _is_person(data) else "")
    for field in PRACTICE_FIELDS:
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
        shares = relationship["NumberOfShares"]
        if shares is not None:
            _text(item, "NumberOfShares", shares)
        elif _roll(relationship["UUID"], "shares") < 0.5:  # "only set for Shareholder and Owner"
            _text(item, "NumberOfShares", 0)
        percentage = relationship["Percentage"]
        _text(item, "Percentage", "0" if percentage is None else f"{percentage:g}")
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


def web_url(seq: int) -> Element:
    """``<WebUrl>``: where the client opens in XPM (``get`` sends it before the client)."""
    element = Element("WebUrl")
    element.text = WEB_URL.format(seq)
    return element


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

"""Typed, immutable records of what XPM says about a practice's clients.

Every field is always filled: a missing element is "" (text), None (dates, numbers, and
the status flags, which some answers leave out) or False (other "Yes"/"No" flags). Text
fields are exactly as XPM sent them. Nothing here decides what a
client *is* (company, trust, individual): that is the import service's rule.
"""

import json
from dataclasses import asdict, dataclass, fields
from datetime import date
from decimal import Decimal


@dataclass(frozen=True)
class ClientRef:
    """Another client named inside a record: a group member or a related client."""

    uuid: str
    name: str


@dataclass(frozen=True)
class Contact:
    """A person XPM keeps against a client (not a client of the practice in their own right)."""

    uuid: str
    name: str
    salutation: str
    addressee: str
    mobile: str
    email: str
    phone: str
    position: str
    is_primary: bool
    is_deleted: bool


@dataclass(frozen=True)
class Group:
    """A client group (often a family or a group of companies)."""

    uuid: str
    name: str
    taxable: bool = False
    clients: tuple[ClientRef, ...] = ()


@dataclass(frozen=True)
class Note:
    """A note on a client's record in XPM."""

    title: str
    text: str
    folder: str
    date: date | None
    created_by: str


@dataclass(frozen=True)
class Relationship:
    """One link from a client to another: a director, shareholder, trustee, and so on."""

    uuid: str
    type: str  # XPM's own label, kept as received ("Director", "Parent Of", ...)
    related_client_uuid: str
    related_client_name: str
    number_of_shares: int | None  # Shareholder and Owner only
    percentage: Decimal | None  # Partner only; XPM often sends 0
    start_date: date | None
    end_date: date | None


@dataclass(frozen=True)
class XpmClient:
    """One client as XPM describes it; the detailed fields are empty in basic listings."""

    uuid: str
    name: str
    first_name: str = ""
    last_name: str = ""
    other_name: str = ""
    date_of_birth: date | None = None
    email: str = ""
    phone: str = ""
    fax: str = ""
    website: str = ""
    address: str = ""
    city: str = ""
    region: str = ""
    post_code: str = ""
    country: str = ""
    postal_address: str = ""  # may run over several lines; kept as received
    postal_city: str = ""
    postal_region: str = ""
    postal_post_code: str = ""
    postal_country: str = ""
    #: None when the answer did not say (search and get answers leave these out).
    is_prospect: bool | None = None
    is_archived: bool | None = None
    is_deleted: bool | None = None
    account_manager: str = ""
    job_manager: str = ""
    billing_type: str = ""  # Type/Name: billing terms, never the kind of entity
    tax_number: str = ""  # XPM masks all but the last three digits
    tax_number_masked: bool = False
    company_number: str = ""
    business_number: str = ""
    business_structure: str = ""  # the practice's own label; may be empty
    balance_month: str = ""
    prepare_gst: str = ""
    gst_registered: str = ""
    gst_period: str = ""
    gst_basis: str = ""
    provisional_tax_basis: str = ""
    provisional_tax_ratio: str = ""
    contacts: tuple[Contact, ...] = ()
    groups: tuple[Group, ...] = ()
    notes: tuple[Note, ...] = ()
    relationships: tuple[Relationship, ...] = ()


@dataclass(frozen=True)
class ClientPage:
    """One page of ``client.api/paged-list``; ``next_page_token`` is None on the last page."""

    clients: tuple[XpmClient, ...]
    next_page_token: str | None


@dataclass(frozen=True)
class WorkflowMaxPage:
    """One page of WorkflowMax's ``client.api/list``, with its numbered-page counts."""

    clients: tuple[XpmClient, ...]
    page: int
    page_size: int
    total_records: int


# --- Kept between requests (the installation's shared store holds JSON) -----------------------
_NESTED = {"contacts": Contact, "groups": Group, "notes": Note, "relationships": Relationship}
_DATES = {"date_of_birth", "date", "start_date", "end_date"}


def client_to_json(client: XpmClient) -> str:
    """``client`` as JSON, every field kept exactly (dates as ISO text, figures as text)."""

    def plain(value):
        if isinstance(value, date):
            return value.isoformat()
        if isinstance(value, Decimal):
            return str(value)
        raise TypeError(type(value).__name__)

    return json.dumps(asdict(client), default=plain, ensure_ascii=False)


def client_from_json(text: str) -> XpmClient:
    """The ``XpmClient`` that ``client_to_json`` wrote."""
    return _build(XpmClient, json.loads(text))


def _build(kind, values: dict):
    built = {}
    for field in fields(kind):
        value = values.get(field.name)
        if field.name in _NESTED:
            value = tuple(_build(_NESTED[field.name], item) for item in value or ())
        elif field.name == "clients":
            value = tuple(_build(ClientRef, item) for item in value or ())
        elif field.name in _DATES and value:
            value = date.fromisoformat(value)
        elif field.name == "percentage" and value is not None:
            value = Decimal(value)
        built[field.name] = value
    return kind(**built)

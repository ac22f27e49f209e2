"""The columns of a bulk import file: their headers, what each holds, and the template.

One row per profile (a company, trust or individual); optional association rows say that
the profile in "Client reference" holds a role on the profile in "On client reference".
"""

import re
from dataclasses import dataclass

from portal.limits import shares_range
from portal.text import fold

ALL_KINDS = ("company", "trust", "individual")


@dataclass(frozen=True)
class Column:
    """One column of the file: the header in the template and how its cells are read."""

    key: str
    header: str
    parse: str = "text"
    #: The kinds of profile it applies to; empty for a column of association rows.
    kinds: tuple[str, ...] = ALL_KINDS
    max_length: int = 100
    hint: str = ""


COLUMNS = (
    Column("record", "Row type", "record", hint="profile (or empty), or association"),
    Column("standing", "Client or contact", "standing", hint="client (or empty), or contact"),
    Column("client_reference", "Client reference", hint="your own code, unique in the firm"),
    Column("kind", "Kind", "kind", hint="company, trust or individual"),
    Column("name", "Name", "name", kinds=("company", "trust"), max_length=500),
    Column("first_name", "First name", "name", kinds=("individual",), max_length=200),
    Column("other_name", "Other names", "name", kinds=("individual",), max_length=200),
    Column("last_name", "Last name", "name", kinds=("individual",), max_length=200),
    Column("date_of_birth", "Date of birth", "date", kinds=("individual",)),
    Column("company_type", "Company type", "company_type", kinds=("company",)),
    Column("trust_type", "Trust type", "trust_type", kinds=("trust",)),
    Column("subscription_plan", "Subscription plan", "plan", hint="needed for a client"),
    Column("company_number", "Company number", "digits", kinds=("company",), max_length=20),
    Column("nzbn", "NZBN", "nzbn", kinds=("company",), max_length=20),
    Column("ird_number", "IRD number", "ird", max_length=20),
    Column(
        "total_shares",
        "Total shares",
        "shares_issued",
        kinds=("company",),
        hint=shares_range(1),
    ),
    Column("annual_return_month", "Annual return month", "month", kinds=("company",)),
    Column("incorporation_date", "Incorporation date", "past_date", kinds=("company",)),
    Column(
        "filing_obligation",
        "Filing obligation",
        "filing_obligation",
        kinds=("company",),
        hint="Registered office only, Office filing only…",
    ),
    Column("settlement_date", "Settlement date", "date", kinds=("trust",)),
    Column("trust_deed_date", "Trust deed date", "date", kinds=("trust",)),
    Column("vesting_date", "Vesting date", "date", kinds=("trust",)),
    Column("email", "E-mail", "email", max_length=254),
    Column("phone", "Phone", max_length=50),
    Column("mobile", "Mobile", max_length=50),
    Column("website", "Website", "web", max_length=300),
    Column("physical_address", "Street address", max_length=1000),
    Column("physical_city", "City"),
    Column("physical_region", "Region"),
    Column("physical_postcode", "Postcode", max_length=20),
    Column("physical_country", "Country"),
    Column("postal_address", "Postal address", max_length=1000),
    Column("postal_city", "Postal city"),
    Column("postal_region", "Postal region"),
    Column("postal_postcode", "Postal postcode", max_length=20),
    Column("postal_country", "Postal country"),
    *(
        Column(f"{prefix}_{part}", f"{title}{suffix}", kinds=("company",), max_length=length)
        for prefix, title in (
            ("registered", "Registered office"),
            ("service", "Address for service"),
        )
        for part, suffix, length in (
            ("address", "", 1000),
            ("city", " city", 100),
            ("region", " region", 100),
            ("postcode", " postcode", 20),
            ("country", " country", 100),
        )
    ),
    Column("role", "Role", "role", kinds=(), hint="director, shareholder, trustee…"),
    Column("role_on", "On client reference", kinds=(), hint="the profile the role is held on"),
    Column("shares", "Shares", "shares", kinds=(), hint=shares_range()),
    Column("percentage", "Percentage", "percentage", kinds=()),
    Column("start_date", "Start date", "date", kinds=()),
    Column("end_date", "End date", "date", kinds=()),
)
BY_KEY = {column.key: column for column in COLUMNS}
#: Columns every file needs, whatever its rows.
REQUIRED = (
    "client_reference",
    "kind",
    "name",
    "first_name",
    "last_name",
    "company_type",
    "trust_type",
    "subscription_plan",
)
#: Columns a file with association rows needs as well.
REQUIRED_FOR_ASSOCIATIONS = ("role", "role_on")
#: Profile columns the row's kind, standing, type and plan columns turn into.
CHOICE_COLUMNS = {
    "company_type": "company_type_code",
    "trust_type": "trust_type_code",
    "subscription_plan": "subscription_plan_id",
}


def header_key(header: str) -> str:
    """A header reduced to letters and digits, so "Client reference" = "client_reference"."""
    return re.sub(r"[^a-z0-9]", "", fold(header))


_KNOWN = {header_key(c.header): c.key for c in COLUMNS} | {
    header_key(c.key): c.key for c in COLUMNS
}


def column_for(header: str) -> str | None:
    """The key of the column a header names, or None for a column the portal does not know."""
    return _KNOWN.get(header_key(header))


def template_rows(plan: str) -> list[dict[str, str]]:
    """Example rows for the template: a company, a trust, two people and their roles."""
    profile = {"record": "profile", "standing": "client", "subscription_plan": plan}
    contact = {"record": "profile", "standing": "contact", "kind": "individual"}
    role = {"record": "association"}
    return [
        profile
        | {
            "client_reference": "CO-0001",
            "kind": "company",
            "name": "Kōwhai Holdings Limited",
            "company_type": "Limited company (small)",
            "company_number": "1234567",
            "nzbn": "9429000000000",
            "ird_number": "49-091-850",
            "total_shares": "1000",
            "annual_return_month": "March",
            "email": "accounts@kowhai.example.nz",
            "phone": "09 555 0101",
            "physical_address": "12 Rimu Street",
            "physical_city": "Auckland",
            "physical_postcode": "1010",
            "physical_country": "New Zealand",
            "registered_address": "Level 2, 40 Queen Street",
            "registered_city": "Auckland",
            "registered_postcode": "1010",
            "registered_country": "New Zealand",
            "service_address": "Level 2, 40 Queen Street",
            "service_city": "Auckland",
            "service_postcode": "1010",
            "service_country": "New Zealand",
            "incorporation_date": "2012-06-18",
            "filing_obligation": "Registered office and filing",
        },
        profile
        | {
            "client_reference": "TR-0001",
            "kind": "trust",
            "name": "Tui & Kea Family Trust",
            "trust_type": "Family",
            "settlement_date": "2015-04-01",
            "trust_deed_date": "2015-04-01",
        },
        contact
        | {
            "client_reference": "IND-0001",
            "first_name": "Aroha",
            "last_name": "Ngata",
            "date_of_birth": "1970-11-26",
            "email": "aroha@example.nz",
        },
        contact | {"client_reference": "IND-0002", "first_name": "Wiremu", "last_name": "Ngata"},
        role | {"client_reference": "IND-0001", "role": "Director", "role_on": "CO-0001"},
        role
        | {
            "client_reference": "IND-0001",
            "role": "Shareholder",
            "role_on": "CO-0001",
            "shares": "500",
        },
        role
        | {
            "client_reference": "IND-0002",
            "role": "Shareholder",
            "role_on": "CO-0001",
            "shares": "500",
        },
        role
        | {
            "client_reference": "IND-0001",
            "role": "Trustee",
            "role_on": "TR-0001",
            "start_date": "2015-04-01",
        },
    ]


#: Spreadsheets run a cell starting with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
#: ...but a phone number or a signed number is harmless, and common.
HARMLESS = re.compile(r"^[+-][\d\s().-]*$")


def formula_like(text: str) -> bool:
    """True for a cell a spreadsheet would run as a formula (``=cmd|' /C calc'!A0``)."""
    return text.startswith(FORMULA_STARTS) and not HARMLESS.match(text)


def unescape(text: str) -> str:
    """Undo the apostrophe the portal's own exports put before a formula-like cell."""
    if text.startswith("'") and text[1:].startswith(FORMULA_STARTS):
        return text[1:]
    return text

"""The register sandbox's records: companies, their directors, shareholders and addresses."""

import unicodedata
from dataclasses import dataclass, field
from datetime import date

from portal.identifiers import with_check_digit

REGISTERED, REMOVED_CODE = "50", "80"
STATUS_WORDS = {REGISTERED: "Registered", REMOVED_CODE: "Removed"}
PRACTICE_OFFICE = ("Level 2", "100 Lambton Quay", "Wellington Central", "Wellington", "6011")
PRACTICE_NAME = "Kōwhai Chartered Accountants"


@dataclass(frozen=True)
class Person:
    """A person as the register names them."""

    first: str
    middle: str | None
    last: str

    @property
    def full_name(self) -> str:
        """First, middle and last names, as one line."""
        return " ".join(part for part in (self.first, self.middle, self.last) if part)


@dataclass(frozen=True)
class OtherHolder:
    """A shareholder that is not a person: a company (on the register or overseas)."""

    name: str
    nzbn: str | None
    number: str | None


@dataclass
class Director:
    person: Person
    start: date
    end: date | None = None


@dataclass
class Address:
    kind: str  # REGISTERED, SERVICE
    lines: tuple[str, ...]
    post_code: str
    start: date
    end: date | None = None
    care_of: str | None = None


@dataclass
class Company:
    """One company on the register."""

    nzbn: str
    number: str
    name: str
    status: str
    registered: date
    filing_month: int
    last_updated: date
    directors: list[Director] = field(default_factory=list)
    allocations: list[tuple[int, list[Person | OtherHolder]]] = field(default_factory=list)
    addresses: list[Address] = field(default_factory=list)
    client_uuid: str = ""  # the XPM sandbox client it was drawn from ("" for none)

    @property
    def status_word(self) -> str:
        """What the register calls the status ("Registered", "Removed")."""
        return STATUS_WORDS[self.status]


@dataclass
class Register:
    """Every company, by NZBN, in the order the practice has them."""

    companies: dict[str, Company]

    def by_number(self, number: str) -> Company | None:
        """The company with that company number, if the register has it."""
        return next((c for c in self.companies.values() if c.number == number), None)


def is_company_name(name: str) -> bool:
    """A name only a company may have: it ends in "Limited" (or "Ltd")."""
    words = name.split()
    return bool(words) and words[-1].lower() in ("limited", "ltd", "ltd.")


def register_name(name: str) -> str:
    """``Kōwhai Holdings Ltd`` -> ``KŌWHAI HOLDINGS LIMITED``: the register writes names in
    capitals and the suffix in full."""
    words = name.split()
    if words and words[-1].lower() in ("ltd", "ltd."):
        words[-1] = "Limited"
    return " ".join(words).upper()


def folded(text: str) -> str:
    """Lower case without diacritics, for matching a search term to a name."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return " ".join(plain.lower().split())


def derived_nzbn(number: str) -> str:
    """A valid NZBN (GS1 check digit) made from a company number: 94290 + number + check."""
    return with_check_digit(f"94290{int(number):07d}")

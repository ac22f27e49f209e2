"""The register sandbox's Companies Register, derived from the XPM sandbox's practice.

``build(size)`` runs the XPM sandbox's own generator (same tenant, same seed, same size) and
turns every company client with a company number into a register company: the same number,
its name in capitals, its XPM directors as directors and its XPM shareholders as share
allocations (a trust's shares held jointly by its trustees, as the register records them).
Whatever XPM does not say (incorporation date, filing month, NZBN when XPM's is missing or
fails its check digit) is drawn from a ``random.Random`` seeded by the company number, so the
register is the same on every run and a larger practice's register extends a smaller one's.

The differences a practice meets between XPM and the register are made on purpose, by name
(``docs/register-shapes.md`` lists them for people):

- every name is in capitals, macrons kept, "Ltd" written "LIMITED" ("KŌWHAI HOLDINGS LIMITED");
- ``RESIGNED``: a director resigned on the register who is still a director in XPM;
- ``SHARES_CHANGED``: a shareholder whose number of shares differs from XPM's;
- ``EXTRA_SHAREHOLDER``: a shareholder company XPM does not have (it is on the register too);
- ``REMOVED``: a company removed from the register that XPM still has as active;
- ``UNKNOWN``: a company number in XPM that the register does not know (the second client
  named "Kōwhai Holdings Limited": the real register never has two companies of one name);
- a later company whose XPM name another company already has is registered with its year
  ("KŌWHAI HOLDINGS (2004) LIMITED"): the register never has two companies of one name;
- a company with no directors or shareholders in XPM gets invented ones, because the
  register requires at least one of each.
"""

import random
import unicodedata
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache

from portal.identifiers import valid_nzbn
from portal.sandbox import generator, names, tenants

CHAIN_COMPANY = "Kōwhai Holdings Limited"
#: (company name, the director who resigned on the register, when).
RESIGNED = (CHAIN_COMPANY, "Wiremu Ngata", date(2024, 6, 30))
#: (company name, shareholder, shares on the register instead of XPM's).
SHARES_CHANGED = (CHAIN_COMPANY, "Aroha Ngata", 450)
#: (company name, the shareholder company only the register has, its shares).
EXTRA_SHAREHOLDER = ("Ngāti Rua Farms Limited", "Te Arawa Pastoral Investments Limited", 250)
#: A company XPM has as active that was removed from the register (status 80).
REMOVED = "Tōtara Partnership Example Limited"
#: Which client of that name XPM has whose company number the register does not know.
UNKNOWN = (CHAIN_COMPANY, 2)

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
    status_since: date | None = None
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
    body = f"94290{int(number):07d}"
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(body))
    return body + str((10 - total % 10) % 10)


@lru_cache(maxsize=4)
def build(size: int) -> Register:
    """The register consistent with the XPM sandbox's practice of ``size`` clients."""
    data = generator.generate(tenants.KOWHAI, size)
    clients = {client["uuid"]: client for client in data.clients}
    related: dict[str, list[dict]] = {}
    for row in data.relationships:
        related.setdefault(row["client_uuid"], []).append(row)
    companies: dict[str, Company] = {}
    numbers: dict[str, str] = {}  # company number -> NZBN, for shareholder companies
    seen_names: dict[str, int] = {}
    candidates = []
    for client in data.clients:
        number = (client["data"].get("CompanyNumber") or "").strip()
        if not number:
            continue
        seen_names[client["name"]] = seen_names.get(client["name"], 0) + 1
        if (client["name"], seen_names[client["name"]]) == UNKNOWN or number in numbers:
            continue
        nzbn = (client["data"].get("BusinessNumber") or "").strip()
        if not valid_nzbn(nzbn) or nzbn in numbers.values():
            nzbn = derived_nzbn(number)
        numbers[number] = nzbn
        candidates.append((client, number, nzbn))
    taken: set[str] = set()
    for client, number, nzbn in candidates:
        company = _company(client, number, nzbn)
        company.name = _unique(company, taken)
        _roles(company, related, clients, numbers)
        companies[nzbn] = company
    _differences(companies)
    return Register(companies)


def _unique(company: Company, taken: set[str]) -> str:
    """The register never has two companies of one name: a later one carries its year."""
    name = company.name
    if name in taken:
        head, _, suffix = name.rpartition(" ")
        name = f"{head} ({company.registered.year}) {suffix}" if head else f"{name} (2)"
    taken.add(name)
    return name


def _company(client: dict, number: str, nzbn: str) -> Company:
    rng = random.Random(f"register:{number}")
    registered = date(1990, 1, 1) + timedelta(days=rng.randrange(34 * 365))
    updated = max(registered, date(2019, 1, 1)) + timedelta(days=rng.randrange(5 * 365))
    company = Company(
        nzbn=nzbn,
        number=number,
        name=register_name(client["name"]),
        status=REGISTERED,
        registered=registered,
        filing_month=rng.randint(1, 12),
        last_updated=updated,
        client_uuid=client["uuid"],
    )
    record = client["data"]
    lines = (record.get("Address") or "1 Queen Street", record.get("City") or "Auckland")
    post_code = record.get("PostCode") or "1010"
    if rng.random() < 0.2:  # moved since incorporation: the old office is history
        moved = registered + timedelta(days=rng.randint(200, 3000))
        company.addresses.append(
            Address("REGISTERED", ("PO Box 1", "Auckland"), "1140", registered, moved)
        )
        start = moved
    else:
        start = registered
    company.addresses.append(Address("REGISTERED", lines, post_code, start))
    if rng.random() < 0.5:  # the address for service at the practice's office
        *office, code = PRACTICE_OFFICE
        company.addresses.append(
            Address("SERVICE", tuple(office), code, start, care_of=PRACTICE_NAME)
        )
    else:
        company.addresses.append(Address("SERVICE", lines, post_code, start))
    return company


def _person(client: dict) -> Person:
    record = client["data"]
    return Person(record["FirstName"], record.get("OtherName") or None, record["LastName"])


def _day(value: str | None, floor: date) -> date:
    return max(date.fromisoformat(value[:10]), floor) if value else floor


def _roles(company: Company, related: dict, clients: dict, numbers: dict) -> None:
    """Directors and shareholders from the XPM relationships of the company."""
    for row in related.get(company.client_uuid, []):
        party = clients.get(row["related_uuid"])
        if party is None:
            continue
        if row["type"] == "Director" and "FirstName" in party["data"]:
            start = _day(row["start_date"], company.registered)
            end = _day(row["end_date"], start) if row["end_date"] else None
            company.directors.append(Director(_person(party), start, end))
        elif row["type"] in ("Shareholder", "Owner"):
            holders = _holders(party, related, clients, numbers)
            company.allocations.append((row["number_of_shares"] or 100, holders))
    rng = random.Random(f"register-people:{company.number}")
    if not any(d.end is None for d in company.directors):
        invented = Person(rng.choice(names.FIRST_NAMES), None, rng.choice(names.LAST_NAMES))
        company.directors.append(Director(invented, company.registered))
    if not company.allocations:
        company.allocations.append((100, [company.directors[0].person]))


def _holders(
    party: dict, related: dict, clients: dict, numbers: dict, depth: int = 0
) -> list[Person | OtherHolder]:
    """Who holds the shares XPM says ``party`` holds. A trust is no legal person: the
    register shows its trustees holding the allocation jointly."""
    record = party["data"]
    if "FirstName" in record:
        return [_person(party)]
    if "CompanyNumber" in record:
        number = (record.get("CompanyNumber") or "").strip() or None
        return [OtherHolder(register_name(party["name"]), numbers.get(number), number)]
    trustees = [
        clients[row["related_uuid"]]
        for row in related.get(party["uuid"], [])
        if row["type"] == "Trustee" and row["related_uuid"] in clients
    ]
    holders = [
        holder
        for trustee in dict.fromkeys(t["uuid"] for t in trustees)
        for holder in (
            _holders(clients[trustee], related, clients, numbers, depth + 1) if depth < 2 else []
        )
    ]
    return list(dict.fromkeys(holders)) or [OtherHolder(register_name(party["name"]), None, None)]


def _differences(companies: dict[str, Company]) -> None:
    by_name = {c.name: c for c in reversed(list(companies.values()))}
    name, director, day = RESIGNED
    company = by_name.get(register_name(name))
    if company:
        for role in company.directors:
            if _first_last(role.person) == director and role.end is None:
                role.end = day
    name, holder, shares = SHARES_CHANGED
    company = by_name.get(register_name(name))
    if company:
        company.allocations = [
            (shares, people) if [_named(p) for p in people] == [holder] else (count, people)
            for count, people in company.allocations
        ]
    name, holder, shares = EXTRA_SHAREHOLDER
    company = by_name.get(register_name(name))
    if company:
        extra = _extra_company(holder, company)
        companies[extra.nzbn] = extra
        company.allocations.append((shares, [OtherHolder(extra.name, extra.nzbn, extra.number)]))
    company = by_name.get(register_name(REMOVED))
    if company:
        company.status, company.status_since = REMOVED_CODE, date(2025, 3, 14)


def _first_last(person: Person) -> str:
    return f"{person.first} {person.last}"


def _named(holder: Person | OtherHolder) -> str:
    return _first_last(holder) if isinstance(holder, Person) else holder.name


def _extra_company(name: str, holding: Company) -> Company:
    """A company only the register knows, holding shares in ``holding``."""
    number = "8123457"
    extra = Company(
        nzbn=derived_nzbn(number),
        number=number,
        name=register_name(name),
        status=REGISTERED,
        registered=date(2003, 8, 21),
        filing_month=8,
        last_updated=date(2025, 8, 29),
    )
    extra.directors.append(Director(Person("Te Rangi", None, "Tūhoe"), date(2003, 8, 21)))
    extra.allocations.append((1000, [Person("Te Rangi", None, "Tūhoe")]))
    extra.addresses.append(
        Address("REGISTERED", ("1176 Amohau Street", "Rotorua"), "3010", date(2003, 8, 21))
    )
    extra.addresses.append(
        Address("SERVICE", ("1176 Amohau Street", "Rotorua"), "3010", date(2003, 8, 21))
    )
    return extra

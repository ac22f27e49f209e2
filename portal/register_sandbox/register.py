"""The register sandbox's Companies Register, derived from the XPM sandbox's practice.

``build(size)`` runs the XPM sandbox's own generator (same tenant, same seed, same size) and
turns every company client with a company number (a name ending in "Limited" or "Ltd": XPM
also keeps numbers on some partnerships and societies, which are no companies) into a
register company: the same number,
its name in capitals, its XPM directors as directors and its XPM shareholders as share
allocations (a trust's shares held jointly by its trustees, as the register records them).
Whatever XPM does not say (incorporation date, filing month, NZBN when XPM's is missing or
fails its check digit) is drawn from a ``random.Random`` seeded by the company number, so the
register is the same on every run and a larger practice's register extends a smaller one's.

The differences a practice meets between XPM and the register are made on purpose, in
``differences.py`` (``docs/register-shapes.md`` lists them for people).
"""

import random
from datetime import date, timedelta
from functools import lru_cache

from portal.identifiers import valid_nzbn
from portal.register_sandbox import differences
from portal.register_sandbox.records import (
    PRACTICE_NAME,
    PRACTICE_OFFICE,
    REGISTERED,
    Address,
    Company,
    Director,
    OtherHolder,
    Person,
    Register,
    derived_nzbn,
    is_company_name,
    register_name,
)
from portal.sandbox import generator, names, tenants


@lru_cache(maxsize=4)
def build(size: int) -> Register:
    """The register consistent with the XPM sandbox's practice of ``size`` clients."""
    data = generator.generate(tenants.KOWHAI, size)
    clients = {client["uuid"]: client for client in data.clients}
    related: dict[str, list[dict]] = {}
    for row in data.relationships:
        related.setdefault(row["client_uuid"], []).append(row)
    numbered = _numbered(data.clients)
    numbers = {number: nzbn for _, number, nzbn in numbered}
    companies: dict[str, Company] = {}
    taken: set[str] = set()
    for client, number, nzbn in numbered:
        company = _company(client, number, nzbn)
        company.name = _unique(company, taken)
        _roles(company, related, clients, numbers)
        companies[nzbn] = company
    differences.apply(companies)
    return Register(companies)


def _numbered(clients: list[dict]) -> list[tuple[dict, str, str]]:
    """(client, company number, NZBN) for each XPM company the register has: the first
    client with each number, but the one the register deliberately does not know."""
    chosen, numbers, nzbns, seen = [], set(), set(), {}
    for client in clients:
        number = (client["data"].get("CompanyNumber") or "").strip()
        if not number or not is_company_name(client["name"]):
            continue  # XPM keeps numbers on some partnerships and societies: not companies
        seen[client["name"]] = seen.get(client["name"], 0) + 1
        if (client["name"], seen[client["name"]]) == differences.UNKNOWN or number in numbers:
            continue
        nzbn = (client["data"].get("BusinessNumber") or "").strip()
        if not valid_nzbn(nzbn) or nzbn in nzbns:
            nzbn = derived_nzbn(number)
        numbers.add(number)
        nzbns.add(nzbn)
        chosen.append((client, number, nzbn))
    return chosen


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
            Address("REGISTERED", ("1 Queen Street", "Auckland Central"), "1010", registered, moved)
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
        known = number if number in numbers else None
        return [OtherHolder(register_name(party["name"]), numbers.get(number), known)]
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

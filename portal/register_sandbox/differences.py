"""The differences between the XPM sandbox's practice and the register, made on purpose.

A practice linking its clients to the Companies Office meets each of these, so the register
sandbox has them, chosen by name among the XPM sandbox's hand-made clients
(``portal/sandbox/fixtures.py``; ``docs/register-shapes.md`` lists them for people):

- every name is in capitals, macrons kept, "Ltd" written "LIMITED" ("KŌWHAI HOLDINGS LIMITED");
- ``RESIGNED``: a director resigned on the register who is still a director in XPM;
- ``SHARES_CHANGED``: a shareholder whose number of shares differs from XPM's;
- ``EXTRA_SHAREHOLDER``: a shareholder company XPM does not have (it is on the register too);
- ``REMOVED``: a company removed from the register that XPM still has as active;
- ``UNKNOWN``: a company number in XPM that the register does not know (the second client
  named "Kōwhai Holdings Limited": the real register never has two companies of one name);
- a "company number" XPM keeps on a partnership or society finds nothing (``register.py``);
- a later company whose XPM name another company already has is registered with its year
  ("KŌWHAI HOLDINGS (2004) LIMITED"): the register never has two companies of one name;
- a company with no directors or shareholders in XPM gets invented ones, because the
  register requires at least one of each.
"""

from datetime import date

from portal.register_sandbox.records import (
    REGISTERED,
    REMOVED_CODE,
    Address,
    Company,
    Director,
    OtherHolder,
    Person,
    derived_nzbn,
    register_name,
)

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


def apply(companies: dict[str, Company]) -> None:
    """Make the deliberate differences in the register drawn from XPM."""
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
        company.status = REMOVED_CODE


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

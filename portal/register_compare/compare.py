"""A company linked to the Companies Office beside its register entry: the fields that
differ, and the directors and shareholders that differ (docs/spec.md §10.3).

``compare`` only reads (the register's ``Entity`` was read before, with no transaction
open); ``take`` (in ``take.py``) compares again inside its one write and changes only what
was ticked and still differs.
"""

import re
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from portal import limits
from portal.clients import service as clients
from portal.models import Association, Profile
from portal.nzbn import Address, Director, Entity, ShareAllocation, Shareholder
from portal.reference import MONTHS
from portal.text import fold

REMOVED_WORDS = ("removed", "closed", "struck")
NEW = "new"


@dataclass(frozen=True)
class Difference:
    """One field (or address) whose value in the portal is not the register's."""

    field: str
    label: str
    portal: str
    register: str
    #: The columns taking it sets.
    values: dict


@dataclass(frozen=True)
class Ending:
    """A current role the register says has ended (or no longer lists)."""

    association: Association
    day: date
    why: str

    @property
    def key(self) -> str:
        """What names it before the role is stored too (the import's preview, §10.4)."""
        return ending_key(self.association.role, self.association.party.name)


@dataclass(frozen=True)
class SharesChange:
    """A shareholder whose number of shares the register gives differently."""

    association: Association
    shares: int

    @property
    def key(self) -> str:
        """What names it before the role is stored too (the import's preview, §10.4)."""
        return shares_key(self.association.party.name)


@dataclass(frozen=True)
class Addition:
    """A director or shareholder the register has and the portal does not."""

    key: str
    role: str
    name: str
    start: date | None
    shares: int | None
    #: The firm's profiles that may be them (the user chooses, or a new contact).
    candidates: tuple[Profile, ...]
    #: The columns of a new contact for them.
    contact_kind: str
    contact: dict


@dataclass
class Comparison:
    """What differs between the profile and its register entry."""

    register_name: str
    status: str
    removed: bool
    fields: list[Difference] = field(default_factory=list)
    endings: list[Ending] = field(default_factory=list)
    shares: list[SharesChange] = field(default_factory=list)
    additions: list[Addition] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def anything(self) -> bool:
        """True if there is something to tick."""
        return bool(self.fields or self.endings or self.shares or self.additions)


def is_linked(profile: Profile) -> bool:
    """A company the register can be compared with: linked, with its NZBN."""
    return profile.kind == "company" and profile.companies_office_linked and bool(profile.nzbn)


def _plain_text(value) -> str:
    return re.sub(r"\s+", " ", fold(str(value or "")).replace(",", " ")).strip()


def readable_name(name: str) -> str:
    """A register name in capitals as a profile keeps it: "TE ARAWA PASTORAL LIMITED" →
    "Te Arawa Pastoral Limited" (words without vowels, such as "NZ", stay as they are)."""
    if name != name.upper():
        return name

    def word(match):
        text = match.group(0)
        return text if not re.search(r"[AEIOUYĀĒĪŌŪ]", text) else text[0] + text[1:].lower()

    return re.sub(r"[^\W\d_]+", word, name)


# --- fields -----------------------------------------------------------------------------


def _address_values(prefix: str, address: Address | None) -> dict:
    """The profile's columns for a register address: the last line is the town or city."""
    if address is None:
        return {}
    lines = [line for line in address.lines if line]
    street, city = (lines[:-1], lines[-1]) if len(lines) > 1 else (lines, "")
    country = (address.country or "NZ").upper()
    return {
        f"{prefix}_address": ", ".join(street),
        f"{prefix}_city": city,
        f"{prefix}_postcode": address.post_code or "",
        f"{prefix}_country": "New Zealand" if country in ("NZ", "NZL") else country,
    }


def _shown_address(profile: Profile, prefix: str) -> str:
    parts = ("address", "city", "region", "postcode", "country")
    values = [str(getattr(profile, f"{prefix}_{p}") or "").replace("\n", ", ") for p in parts]
    return ", ".join(v for v in values if v)


def _same_address(profile: Profile, prefix: str, values: dict) -> bool:
    """The same address as far as the register says it (the portal's region and a country
    the portal leaves empty are not compared)."""
    for key, value in values.items():
        mine = getattr(profile, key) or ""
        if key.endswith("_country") and not mine:
            continue
        if _plain_text(mine) != _plain_text(value):
            return False
    return True


def _month(value: int | None) -> str:
    return MONTHS[value - 1] if value else ""


def _day(value: date | None) -> str:
    return f"{value:%-d %B %Y}" if value else ""


def _fields(profile: Profile, entity: Entity) -> list[Difference]:
    found = []
    if fold(profile.name).strip() != fold(entity.name).strip():
        name = readable_name(entity.name)
        found.append(Difference("name", "Name", profile.name, entity.name, {"name": name}))
    for key, label, theirs in (
        ("company_number", "Company number", entity.company_number or ""),
        ("nzbn", "NZBN", entity.nzbn),
    ):
        if theirs and (getattr(profile, key) or "") != theirs:
            found.append(Difference(key, label, getattr(profile, key) or "", theirs, {key: theirs}))
    if entity.incorporated and profile.incorporation_date != entity.incorporated:
        found.append(
            Difference(
                "incorporation_date",
                "Incorporation date",
                _day(profile.incorporation_date),
                _day(entity.incorporated),
                {"incorporation_date": entity.incorporated},
            )
        )
    for prefix, label, address in (
        ("registered", "Registered office", entity.registered_office),
        ("service", "Address for service", entity.address_for_service),
    ):
        values = _address_values(prefix, address)
        if values and not _same_address(profile, prefix, values):
            shown = ", ".join(v for v in values.values() if v)
            found.append(Difference(prefix, label, _shown_address(profile, prefix), shown, values))
    month = entity.annual_return_month
    if month and profile.annual_return_month != month:
        found.append(
            Difference(
                "annual_return_month",
                "Annual return filing month",
                _month(profile.annual_return_month),
                _month(month),
                {"annual_return_month": month},
            )
        )
    shares = entity.total_shares
    if shares and profile.total_shares != shares and limits.shares_allowed(shares, 1):
        found.append(
            Difference(
                "total_shares",
                "Total shares issued",
                f"{profile.total_shares:,}" if profile.total_shares else "",
                f"{shares:,}",
                {"total_shares": shares},
            )
        )
    return found


# --- people ------------------------------------------------------------------------------


def ending_key(role: str, party_name: str) -> str:
    """The key of ending ``party_name``'s ``role``, the same before and after it is stored."""
    return f"end:{role}:{fold(party_name).strip()}"


def shares_key(party_name: str) -> str:
    """The key of taking the register's number of shares for ``party_name``."""
    return f"shares:{fold(party_name).strip()}"


def director_key(director: Director) -> str:
    """The key of adding a director the register has (``Addition.key``)."""
    return "director:" + max(_director_names(director), key=len)


def holder_names(holder: Shareholder) -> set[str]:
    """The folded names a register shareholder goes by."""
    if holder.is_person:
        names = person_names(holder.first_name, holder.middle_names, holder.last_name)
        return names | {fold(holder.name).strip()}
    return {fold(holder.name).strip(), fold(readable_name(holder.name)).strip()}


def shareholder_key(holder: Shareholder) -> str:
    """The key of adding a shareholder the register has (``Addition.key``)."""
    return f"shareholder:{holder.nzbn or max(holder_names(holder), key=len)}"


def _current(association: Association, today: date) -> bool:
    return association.end_date is None or association.end_date >= today


def _names(profile: Profile) -> set[str]:
    """The folded names a party goes by: its full name, and first and last name alone."""
    names = {fold(profile.name).strip()}
    if profile.first_name or profile.last_name:
        names.add(fold(f"{profile.first_name} {profile.last_name}").strip())
    return names


def person_names(first, middle, last) -> set[str]:
    """The folded names a register person goes by: in full, and first and last name alone
    (the import linked in one step matches XPM's parties by them too, §10.4)."""
    full = " ".join(p for p in (first, middle, last) if p)
    return {fold(full).strip(), fold(" ".join(p for p in (first, last) if p)).strip()}


def _holder_name(holder: Shareholder) -> str:
    """A holder's name as the portal shows it, out of the register's capitals."""
    if not holder.is_person:
        return readable_name(holder.name)
    parts = (holder.first_name, holder.middle_names, holder.last_name)
    return " ".join(readable_name(p) for p in parts if p) or readable_name(holder.name)


def _director_names(director: Director) -> set[str]:
    return person_names(director.first_name, director.middle_names, director.last_name)


def _holder_matches(holder: Shareholder, party: Profile) -> bool:
    if not holder.is_person:
        if holder.nzbn and party.nzbn:
            return holder.nzbn == party.nzbn
        if holder.company_number and party.company_number:
            return holder.company_number == party.company_number
        return fold(holder.name).strip() == fold(party.name).strip()
    names = person_names(holder.first_name, holder.middle_names, holder.last_name)
    return bool((names | {fold(holder.name).strip()}) & _names(party))


def _trustees(db: Session, firm_id: int, trust_ids: set[int]) -> dict[int, list[Profile]]:
    """{trust id: its current trustees}, for joint allocations the register gives by trustee."""
    if not trust_ids:
        return {}
    rows = db.scalars(
        select(Association).where(
            Association.firm_id == firm_id,
            Association.profile_id.in_(trust_ids),
            Association.role == "trustee",
            Association.end_date.is_(None),
        )
    ).all()
    found: dict[int, list[Profile]] = {}
    for row in rows:
        found.setdefault(row.profile_id, []).append(row.party)
    return found


def _allocation_matches(
    allocation: ShareAllocation, party: Profile, trustees: dict[int, list[Profile]]
) -> bool:
    """The portal's shareholder is the allocation's holder: the one holder, or the trust
    whose trustees hold it jointly."""
    holders = allocation.shareholders
    if len(holders) == 1:
        return _holder_matches(holders[0], party)
    people = trustees.get(party.id, [])
    return len(people) == len(holders) and all(
        any(_holder_matches(h, person) for person in people) for h in holders
    )


def _candidates(db: Session, profile: Profile, kind: str, names: set[str], holder=None):
    """The firm's profiles of ``kind`` that may be this person or company."""
    return candidates(db, profile.firm_id, kind, names, holder, exclude_id=profile.id)


def candidates(
    db: Session, firm_id: int, kind: str, names: set[str], holder=None, *, exclude_id=None
):
    """The firm's profiles of ``kind`` that may be the register's person or company: by NZBN
    or company number first, else by name (``names`` folded)."""
    query = select(Profile).where(Profile.firm_id == firm_id, Profile.kind == kind)
    if exclude_id is not None:
        query = query.where(Profile.id != exclude_id)
    numbers = []
    if holder is not None and holder.nzbn:
        numbers.append(Profile.nzbn == holder.nzbn)
    if holder is not None and holder.company_number:
        numbers.append(Profile.company_number == holder.company_number)
    if numbers:
        by_number = db.scalars(query.where(or_(*numbers)).order_by(Profile.id)).all()
        if by_number:
            return tuple(by_number)
    rows = db.scalars(query.where(Profile.sort_name.in_(names)).order_by(Profile.id)).all()
    return tuple(rows)


def _person_contact(first, middle, last) -> dict:
    """A new individual contact's names, calmed out of the register's capitals."""
    parts = {"first_name": first, "other_name": middle, "last_name": last}
    return {key: readable_name(value or "") for key, value in parts.items()}


def _person_name(contact: dict) -> str:
    return " ".join(contact[k] for k in ("first_name", "other_name", "last_name") if contact[k])


def _directors(db, profile, entity, held_on, today, comparison: Comparison) -> None:
    current = [a for a in held_on if a.role == "director" and _current(a, today)]
    matched: set[int] = set()
    for association in current:
        on_register = [
            d for d in entity.directors if _director_names(d) & _names(association.party)
        ]
        if any(d.current for d in on_register):
            matched.update(id(d) for d in on_register if d.current)
            continue
        ceased = max((d.ceased for d in on_register if d.ceased), default=None)
        if on_register:
            day, why = ceased or today, "resigned on the register"
        else:
            day, why = today, "not a director on the register"
        comparison.endings.append(Ending(association, max(day, association.start_date or day), why))
    for director in entity.current_directors:
        if id(director) in matched:
            continue
        names = _director_names(director)
        contact = _person_contact(director.first_name, director.middle_names, director.last_name)
        comparison.additions.append(
            Addition(
                key=director_key(director),
                role="director",
                name=_person_name(contact),
                start=director.appointed,
                shares=None,
                candidates=_candidates(db, profile, "individual", names),
                contact_kind="individual",
                contact=contact,
            )
        )


def _shareholders(db, profile, entity, held_on, today, comparison: Comparison) -> None:
    current = [a for a in held_on if a.role == "shareholder" and _current(a, today)]
    trusts = {a.party_id for a in current if a.party.kind == "trust"}
    trustees = _trustees(db, profile.firm_id, trusts)
    left = list(entity.allocations)
    for association in current:
        allocation = next(
            (a for a in left if _allocation_matches(a, association.party, trustees)), None
        )
        if allocation is None:
            comparison.endings.append(
                Ending(
                    association,
                    max(today, association.start_date or today),
                    "no longer a shareholder on the register",
                )
            )
            continue
        left.remove(allocation)
        if association.shares != allocation.shares and limits.shares_allowed(allocation.shares):
            comparison.shares.append(SharesChange(association, allocation.shares))
    for allocation in left:
        if len(allocation.shareholders) > 1:
            names = " and ".join(_holder_name(h) for h in allocation.shareholders)
            comparison.notes.append(
                f"The register has {allocation.shares:,} shares held jointly by {names}. "
                "The portal records a joint holding as one shareholder (a trust whose trustees "
                "they are): add it on the profile by hand."
            )
            continue
        holder = allocation.shareholders[0]
        names = holder_names(holder)
        if holder.is_person:
            kind, contact = (
                "individual",
                _person_contact(
                    holder.first_name, holder.middle_names, holder.last_name or holder.name
                ),
            )
        else:
            kind = "company"
            contact = {
                "name": readable_name(holder.name),
                "nzbn": holder.nzbn or "",
                "company_number": holder.company_number or "",
            }
        comparison.additions.append(
            Addition(
                key=shareholder_key(holder),
                role="shareholder",
                name=_person_name(contact) if holder.is_person else contact["name"],
                start=None,
                shares=allocation.shares,
                candidates=_candidates(db, profile, kind, names, holder),
                contact_kind=kind,
                contact=contact,
            )
        )


def compare(db: Session, profile: Profile, entity: Entity, today: date | None = None):
    """The profile's differences from ``entity``, its register entry (reads only)."""
    today = today or date.today()
    status = entity.status or entity.status_code or "Unknown"
    comparison = Comparison(
        register_name=entity.name,
        status=status,
        removed=any(word in status.lower() for word in REMOVED_WORDS),
    )
    comparison.fields = _fields(profile, entity)
    held_on, _ = clients.associations(db, profile)
    _directors(db, profile, entity, held_on, today, comparison)
    _shareholders(db, profile, entity, held_on, today, comparison)
    return comparison

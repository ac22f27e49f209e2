"""Companies from the Companies Register, and the link between a profile and the register
(docs/spec.md §10).

The register is read by the caller (``portal/nzbn``) before anything here runs: every
function below takes the ``Entity`` it was given and writes in one short unit of work, so a
failure leaves the database as it was. Only what a profile needs is kept of the register's
people: names, roles, dates and shares (never a director's or shareholder's address).
"""

import hashlib
from dataclasses import dataclass, field

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from portal import audit
from portal.clients.service import add_contact, refresh_status
from portal.database import utcnow, writing
from portal.limits import MAX_SHARES
from portal.models import Association, Firm, Profile
from portal.nzbn import Address, Entity, Shareholder
from portal.text import fold

#: The register's entity types the portal's company types follow without a choice.
COMPANY_TYPES = {"ULTD": "unlimited", "COOP": "cooperative", "ASIC": "overseas"}
COMPANY_TYPES["NON_ASIC"] = "overseas"


class RegisterConflict(ValueError):
    """The register's entity cannot be stored or linked as asked; ``str()`` says why and
    ``profile`` is the profile in the way, if one is."""

    def __init__(self, message: str, profile: Profile | None = None):
        super().__init__(message)
        self.profile = profile


@dataclass
class Person:
    """One person the register names on the entity (a director, a shareholder or both),
    with the firm's individuals of the same folded name: proposed matches."""

    key: str
    name: str
    first_name: str
    middle_names: str
    last_name: str
    roles: list[str] = field(default_factory=list)
    candidates: list[Profile] = field(default_factory=list)

    @property
    def proposed(self) -> int | None:
        """The match ticked by default: only when exactly one profile has the name."""
        return self.candidates[0].id if len(self.candidates) == 1 else None


def person_key(name: str) -> str:
    """A short stable key for a person's folded name (the form's field names use it)."""
    return hashlib.sha256(fold(name).encode()).hexdigest()[:12]


def company_type_for(entity: Entity) -> str:
    """The company type the register's entity type implies, or "" when staff must choose."""
    return COMPANY_TYPES.get((entity.entity_type or "").upper(), "")


# --- Reading ---------------------------------------------------------------------------------
def same_company(
    db: Session, firm_id: int, nzbn: str, company_number: str | None, exclude_id=None
) -> Profile | None:
    """The firm's company that is this register entity (same NZBN or company number)."""
    keys = [Profile.nzbn == nzbn]
    if company_number:
        keys.append(Profile.company_number == company_number)
    statement = select(Profile).where(
        Profile.firm_id == firm_id, Profile.kind == "company", or_(*keys)
    )
    if exclude_id is not None:
        statement = statement.where(Profile.id != exclude_id)
    return db.scalars(statement.order_by(Profile.standing, Profile.id).limit(1)).first()


def companies_in_portal(db: Session, firm_id: int, results) -> dict[str, Profile]:
    """For search results: {nzbn: the firm's company that is it}, in one query."""
    nzbns = {r.nzbn for r in results}
    numbers = {r.company_number: r.nzbn for r in results if r.company_number}
    if not nzbns:
        return {}
    rows = db.scalars(
        select(Profile).where(
            Profile.firm_id == firm_id,
            Profile.kind == "company",
            or_(Profile.nzbn.in_(nzbns), Profile.company_number.in_(numbers)),
        )
    ).all()
    found = {}
    for profile in rows:
        nzbn = profile.nzbn if profile.nzbn in nzbns else numbers.get(profile.company_number)
        if nzbn and (nzbn not in found or profile.standing == "client"):
            found[nzbn] = profile
    return found


def people(db: Session, firm_id: int, entity: Entity) -> list[Person]:
    """The people on the entity (directors, current and former, and individual shareholders),
    each once, with the firm's individuals of the same name as proposed matches."""
    found: dict[str, Person] = {}

    def note(name, first, middle, last, role):
        key = person_key(name)
        person = found.setdefault(key, Person(key, name, first or "", middle or "", last or ""))
        if role not in person.roles:
            person.roles.append(role)

    for d in entity.directors:
        note(d.name, d.first_name, d.middle_names, d.last_name, "director")
    for allocation in entity.allocations:
        for holder in allocation.shareholders:
            if holder.is_person:
                note(holder.name, *_parts(holder), "shareholder")
    if found:
        folded = {fold(p.name): p for p in found.values()}
        candidates = db.scalars(
            select(Profile)
            .where(
                Profile.firm_id == firm_id,
                Profile.kind == "individual",
                Profile.sort_name.in_(folded),
            )
            .order_by(Profile.id)
        ).all()
        for candidate in candidates:
            folded[candidate.sort_name].candidates.append(candidate)
    return list(found.values())


def _parts(holder: Shareholder) -> tuple[str, str, str]:
    if holder.first_name or holder.last_name:
        return holder.first_name or "", holder.middle_names or "", holder.last_name or ""
    first, _, last = holder.name.rpartition(" ")
    return first, "", last


# --- Writing ---------------------------------------------------------------------------------
def create_company(
    db: Session,
    firm_id: int,
    user_id: int,
    entity: Entity,
    values: dict,
    matches: dict[str, int],
    *,
    address: str | None,
) -> Profile:
    """Store the register's company as a client linked to the register, with its directors
    and shareholders, committed; ``values`` holds ``company_type_code`` and
    ``subscription_plan_id``; ``matches`` maps a person's key to the profile confirmed as them
    (anyone else becomes a new contact). ``RegisterConflict`` when it is already here."""
    _check_shares(entity)
    with writing(db):
        _one_at_a_time(db, firm_id)
        other = same_company(db, firm_id, entity.nzbn, entity.company_number)
        if other is not None:
            raise RegisterConflict(f"{other.name} is already in the portal.", other)
        profile = Profile(
            firm_id=firm_id,
            kind="company",
            standing="client",
            origin="register",
            name=entity.name,
            sort_name=fold(entity.name),
            company_type_code=values["company_type_code"],
            subscription_plan_id=int(values["subscription_plan_id"]),
            total_shares=entity.total_shares or None,
        )
        _take_register_fields(profile, entity)
        db.add(profile)
        db.flush()
        parties = _Parties(db, firm_id, user_id, entity, matches, address)
        roles = _store_roles(db, profile, entity, parties)
        refresh_status(db, profile)
        audit.record(
            db,
            "register_company_added",
            address=address,
            firm_id=firm_id,
            user_id=user_id,
            object_type="profile",
            object_id=profile.id,
            summary=f"Added company {profile.name} from the Companies Office "
            f"(NZBN {entity.nzbn}), with {roles['director']} director role(s) and "
            f"{roles['shareholder']} shareholding(s)",
            detail={
                "nzbn": entity.nzbn,
                "company_number": entity.company_number,
                "linked_parties": sorted(parties.linked),
                "new_contacts": sorted(parties.created),
            },
        )
        return profile


def link(
    db: Session, profile: Profile, user_id: int, entity: Entity, *, address: str | None
) -> None:
    """Link ``profile`` to the register's ``entity``, committed: its NZBN (and company number,
    if it had none) and status are stored. ``RegisterConflict`` when the profile's own number
    differs, or another profile of the firm is that company."""
    with writing(db):
        before = take_link(db, profile, entity)
        refresh_status(db, profile)
        audit.record(
            db,
            "companies_office_linked",
            address=address,
            firm_id=profile.firm_id,
            user_id=user_id,
            object_type="profile",
            object_id=profile.id,
            summary=f"Linked {profile.name} to the Companies Office as {entity.name} "
            f"(NZBN {entity.nzbn})",
            detail={
                "before": before,
                "nzbn": entity.nzbn,
                "company_number": entity.company_number,
                "status": entity.status,
            },
        )


def take_link(db: Session, profile: Profile, entity: Entity) -> dict:
    """Inside the caller's write: store on ``profile`` the link to ``entity`` (its NZBN, its
    company number if it had none, the status and when); returns the numbers it had before.
    ``RegisterConflict`` when the profile's own number differs, or another profile of the
    firm is that company. The XPM import linked in one step uses it too (§10.4)."""
    if profile.kind != "company":
        raise RegisterConflict("Only a company can be linked to the Companies Office.")
    for label, mine, theirs in (
        ("company number", profile.company_number, entity.company_number),
        ("NZBN", profile.nzbn, entity.nzbn),
    ):
        if mine and theirs and mine != theirs:
            raise RegisterConflict(
                f"{profile.name} has {label} {mine}, but {entity.name} on the register has "
                f"{theirs}. Check which is right; correct the {label} with Edit details "
                "if the profile's is wrong, then link again."
            )
    _one_at_a_time(db, profile.firm_id)
    other = same_company(
        db, profile.firm_id, entity.nzbn, entity.company_number, exclude_id=profile.id
    )
    if other is not None:
        raise RegisterConflict(
            f"{other.name} in the portal is already this company (same NZBN or company "
            "number). Merge the two profiles first, then link the one kept.",
            other,
        )
    before = {"nzbn": profile.nzbn, "company_number": profile.company_number}
    profile.nzbn = entity.nzbn
    profile.company_number = profile.company_number or entity.company_number or ""
    profile.companies_office_linked = True
    profile.register_status = entity.status
    profile.register_linked_at = utcnow()
    return before


def unlink(db: Session, profile: Profile, user_id: int, *, address: str | None) -> None:
    """Undo the link, committed: the NZBN and company number stay, as any profile's do."""
    with writing(db):
        if not profile.companies_office_linked:
            return
        profile.companies_office_linked = False
        profile.register_linked_at = None
        profile.register_status = None
        refresh_status(db, profile)
        audit.record(
            db,
            "companies_office_unlinked",
            address=address,
            firm_id=profile.firm_id,
            user_id=user_id,
            object_type="profile",
            object_id=profile.id,
            summary=f"Unlinked {profile.name} from the Companies Office (NZBN {profile.nzbn})",
        )


def _one_at_a_time(db: Session, firm_id: int) -> None:
    """Hold the firm's row until the write ends, so that two Creates or Links of one company
    at once cannot both find it absent (SQLite's write transactions are serial already)."""
    db.execute(select(Firm.id).where(Firm.id == firm_id).with_for_update())


def _check_shares(entity: Entity) -> None:
    counts = [entity.total_shares or 0, *(a.shares for a in entity.allocations)]
    if any(count > MAX_SHARES for count in counts):
        raise RegisterConflict(
            f"{entity.name} has more shares on the register than the portal can hold "
            f"({MAX_SHARES:,}); add it manually."
        )


def _take_register_fields(profile: Profile, entity: Entity) -> None:
    profile.nzbn = entity.nzbn
    profile.company_number = entity.company_number or ""
    profile.companies_office_linked = True
    profile.register_status = entity.status
    profile.register_linked_at = utcnow()
    profile.incorporation_date = entity.incorporated
    profile.annual_return_month = entity.annual_return_month
    _take_address(profile, "registered", entity.registered_office)
    _take_address(profile, "service", entity.address_for_service)


def _take_address(profile: Profile, prefix: str, found: Address | None) -> None:
    """The register's address lines into the profile's five parts: the last line is the
    town or city, the lines before it the street part."""
    if found is None:
        return
    lines = [line for line in found.lines if line]
    if found.care_of:
        lines.insert(0, f"C/- {found.care_of}")
    street, city = (lines[:-1], lines[-1]) if len(lines) > 1 else (lines, "")
    setattr(profile, f"{prefix}_address", ", ".join(street))
    setattr(profile, f"{prefix}_city", city)
    setattr(profile, f"{prefix}_postcode", found.post_code or "")
    country = "New Zealand" if (found.country or "NZ").upper() == "NZ" else found.country
    setattr(profile, f"{prefix}_country", country)


class _Parties:
    """The profile each register party is, found or created once per run."""

    def __init__(self, db, firm_id, user_id, entity, matches, address):
        self.db, self.firm_id, self.user_id, self.address = db, firm_id, user_id, address
        self.entity = entity
        self.people: dict[str, Profile] = {}
        self.companies: dict[str, Profile] = {}
        self.linked: set[int] = set()
        self.created: set[int] = set()
        chosen = set(matches.values())
        confirmed = {
            p.id: p
            for p in db.scalars(
                select(Profile).where(
                    Profile.firm_id == firm_id,
                    Profile.kind == "individual",
                    Profile.id.in_(chosen),
                )
            )
        }
        for key, profile_id in matches.items():
            if profile_id in confirmed:
                self.people[key] = confirmed[profile_id]
                self.linked.add(profile_id)

    def person(self, name, first, middle, last) -> Profile:
        key = person_key(name)
        if key not in self.people:
            values = {"first_name": first, "other_name": middle, "last_name": last}
            self.people[key] = self._contact("individual", values)
        return self.people[key]

    def company(self, holder: Shareholder) -> Profile | None:
        """The company shareholder's profile: the firm's by NZBN or company number, else a
        new company contact. None for the entity itself (the register's own shares)."""
        if holder.nzbn == self.entity.nzbn:
            return None
        key = holder.nzbn or holder.company_number or f"name:{fold(holder.name)}"
        if key not in self.companies:
            found = None
            if holder.nzbn or holder.company_number:
                found = same_company(
                    self.db, self.firm_id, holder.nzbn or "-", holder.company_number
                )
            if found is not None:
                self.linked.add(found.id)
            else:
                values = {
                    "name": holder.name,
                    "nzbn": holder.nzbn or "",
                    "company_number": holder.company_number or "",
                }
                found = self._contact("company", values)
            self.companies[key] = found
        return self.companies[key]

    def _contact(self, kind: str, values: dict) -> Profile:
        contact = add_contact(
            self.db,
            self.firm_id,
            self.user_id,
            kind,
            values,
            address=self.address,
            origin="register",
        )
        self.created.add(contact.id)
        return contact


def _store_roles(db: Session, profile: Profile, entity: Entity, parties: _Parties) -> dict:
    """The directors (current, and former with their end dates) and the shareholdings."""
    counts = {"director": 0, "shareholder": 0}
    for d in entity.directors:
        if not d.current and d.ceased is None:
            continue  # ceased without a date: nothing true to store
        backwards = d.ceased and d.appointed and d.appointed > d.ceased
        start = None if backwards else d.appointed  # the schema keeps end >= start
        party = parties.person(d.name, d.first_name, d.middle_names or "", d.last_name)
        db.add(
            Association(
                firm_id=profile.firm_id,
                profile_id=profile.id,
                party_id=party.id,
                role="director",
                label="Director",
                start_date=start,
                end_date=d.ceased,
            )
        )
        counts["director"] += 1
    for number, allocation in enumerate(entity.allocations, 1):
        joint = len(allocation.shareholders) > 1
        for holder in allocation.shareholders:
            party = (
                parties.person(holder.name, *_parts(holder))
                if holder.is_person
                else parties.company(holder)
            )
            if party is None:
                continue
            db.add(
                Association(
                    firm_id=profile.firm_id,
                    profile_id=profile.id,
                    party_id=party.id,
                    role="shareholder",
                    label=f"Joint holding (allocation {number})" if joint else "Shareholder",
                    shares=allocation.shares,
                    allocation=number,
                )
            )
            counts["shareholder"] += 1
    db.flush()
    return counts

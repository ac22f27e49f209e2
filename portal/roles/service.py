"""People and roles on a profile, by hand (docs/spec.md §9): find the party among the firm's
profiles (or add it as a new contact), then add, edit, end or remove the role it holds.

Each change is one unit of work: the rules are checked, the row written, the profile's
setup status recomputed and the event audited together, or nothing is stored. The schema's
constraints (``not_self``, ``shares_not_negative``, ``dates``) stay as the last line.
"""

from dataclasses import asdict, dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from portal import audit
from portal.clients import service as clients
from portal.database import writing
from portal.models import Association, Profile
from portal.reference import (
    NOT_HELD_BY,
    PERCENTAGE_ROLES,
    ROLES,
    SHARE_ROLES,
    a_kind,
    label,
    roles_for,
)
from portal.text import fold

#: The most profiles a search for a party lists: enough to choose from, few to read.
SEARCH_LIMIT = 20
#: The roles whose appointment date is, by default, the trust's settlement date.
SETTLEMENT_DATE_ROLES = ("trustee", "beneficiary")
DETAIL_LABELS = {
    "shares": "shares",
    "percentage": "percentage",
    "start_date": "start date",
    "end_date": "end date",
}


class RoleRefused(ValueError):
    """The change breaks a rule; ``field`` names the form field the message goes beside."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


class SameNameContact(RoleRefused):
    """The new contact has the name of a profile of its kind already in the firm: the user
    may choose that one, or confirm that this is someone else."""


@dataclass(frozen=True)
class Details:
    """What a role records besides who holds it on which profile."""

    shares: int | None = None
    percentage: Decimal | None = None
    start_date: date | None = None
    end_date: date | None = None


@dataclass(frozen=True)
class NewContact:
    """A party not yet in the firm: its kind and its name (``name``, or ``first_name`` and
    ``last_name``)."""

    kind: str
    values: dict
    #: The user has confirmed it is not the same-named profile already in the firm.
    confirmed: bool = False


def role_name(role: str) -> str:
    """A role as a sentence says it: "director", "public officer"."""
    return label(ROLES, role, role.replace("_", " ")).lower()


def ended(association: Association, today: date | None = None) -> bool:
    """True for a role whose end date has passed (kept, as history)."""
    today = today or date.today()
    return association.end_date is not None and association.end_date < today


def offers_settlement_date(profile: Profile, role: str | None = None) -> bool:
    """True where a trust's settlement date is the start date offered: a role being added
    (``role`` None), or a trustee's or beneficiary's appointment."""
    if profile.kind != "trust" or profile.settlement_date is None:
        return False
    return role is None or role in SETTLEMENT_DATE_ROLES


def search_parties(db: Session, profile: Profile, text: str) -> list[Profile]:
    """The firm's profiles whose name contains ``text`` (case and accents ignored), the
    profile itself left out, in name order; at most SEARCH_LIMIT."""
    folded = fold(text.strip())
    if not folded:
        return []
    return list(
        db.scalars(
            select(Profile)
            .where(
                Profile.firm_id == profile.firm_id,
                Profile.id != profile.id,
                Profile.sort_name.contains(folded, autoescape=True),
            )
            .order_by(Profile.sort_name, Profile.id)
            .limit(SEARCH_LIMIT)
        )
    )


def get_party(db: Session, firm_id: int, party_id: int) -> Profile | None:
    """The firm's profile with this id, as a party; None for another firm's or none."""
    return db.scalar(select(Profile).where(Profile.id == party_id, Profile.firm_id == firm_id))


def get_association(db: Session, profile: Profile, association_id: int) -> Association | None:
    """The role with this id held on ``profile``; None for any other."""
    return db.scalar(
        select(Association)
        .where(
            Association.id == association_id,
            Association.firm_id == profile.firm_id,
            Association.profile_id == profile.id,
        )
        .options(selectinload(Association.party))
    )


def details_of(association: Association) -> Details:
    return Details(
        association.shares, association.percentage, association.start_date, association.end_date
    )


def _check_details(role: str, details: Details, before: Details | None = None) -> None:
    # A value the import brought stays allowed as it is; only a new one is judged.
    before = before or Details()
    new_shares = details.shares is not None and details.shares != before.shares
    if new_shares and role not in SHARE_ROLES:
        raise RoleRefused("shares", f"Only a shareholder holds shares, not {a_kind_role(role)}.")
    new_percentage = details.percentage is not None and details.percentage != before.percentage
    if new_percentage and role not in PERCENTAGE_ROLES:
        raise RoleRefused("percentage", "Only a partner has a percentage.")
    if details.start_date and details.end_date and details.end_date < details.start_date:
        raise RoleRefused("end_date", "The end date is before the start date.")


def a_kind_role(role: str) -> str:
    """ "a director", "an auditor"."""
    name = role_name(role)
    return f"{'an' if name[0] in 'aeiou' else 'a'} {name}"


def _check_party(db: Session, profile: Profile, role: str, party: Profile) -> None:
    if party.id == profile.id:
        raise RoleRefused("party", f"{profile.name} cannot hold a role on itself.")
    kinds, reason = NOT_HELD_BY.get(role, ((), ""))
    if party.kind in kinds:
        raise RoleRefused("party", f"{party.name} is {a_kind(party.kind)}: {reason}.")
    today = date.today()
    held = db.scalar(
        select(Association.id).where(
            Association.firm_id == profile.firm_id,
            Association.profile_id == profile.id,
            Association.party_id == party.id,
            Association.role == role,
            or_(Association.end_date.is_(None), Association.end_date >= today),
        )
    )
    if held is not None:
        raise RoleRefused(
            "party", f"{party.name} is already {a_kind_role(role)} of {profile.name}."
        )


def _check_same_name(db: Session, firm_id: int, contact: NewContact) -> None:
    name = clients.display_name(contact.kind, contact.values)
    if contact.confirmed or clients.same_name(db, firm_id, contact.kind, name) is None:
        return
    field = "new_last_name" if contact.kind == "individual" else "new_name"
    raise SameNameContact(
        field,
        f"{a_kind(contact.kind).capitalize()} called “{name}” is already in this firm: "
        "search for it above and choose it, or tick “Add it anyway” if this is another one.",
    )


def add_role(
    db: Session,
    profile: Profile,
    user_id: int,
    role: str,
    party: int | NewContact,
    details: Details,
    *,
    address: str | None,
) -> Association:
    """Record that ``party`` (a profile's id, or a new contact added in the same unit of
    work) holds ``role`` on ``profile``; RoleRefused says which rule it breaks."""
    with writing(db):
        if role not in dict(roles_for(profile.kind)):
            raise RoleRefused("role", f"Choose a role that can be held on {a_kind(profile.kind)}.")
        _check_details(role, details)
        if isinstance(party, NewContact):
            _check_same_name(db, profile.firm_id, party)
            holder = clients.add_contact(
                db, profile.firm_id, user_id, party.kind, party.values, address=address
            )
        else:
            holder = get_party(db, profile.firm_id, party)
            if holder is None:
                raise RoleRefused("party", "That profile is not in this firm: search again.")
        _check_party(db, profile, role, holder)
        association = Association(
            firm_id=profile.firm_id,
            profile_id=profile.id,
            party_id=holder.id,
            role=role,
            **asdict(details),
        )
        db.add(association)
        db.flush()
        clients.refresh_status(db, profile)
        summary = f"Added {holder.name} as {role_name(role)} of {profile.name}"
        detail = {"new_contact": isinstance(party, NewContact), **_plain(asdict(details))}
        _record(db, "role_added", profile, association, user_id, summary, detail, address)
        return association


def edit_role(
    db: Session,
    profile: Profile,
    association: Association,
    user_id: int,
    details: Details,
    *,
    address: str | None,
) -> dict:
    """Change a role's shares, percentage and dates; returns {field: (before, after)}."""
    with writing(db):
        before = details_of(association)
        _check_details(association.role, details, before)
        old, new = _plain(asdict(before)), _plain(asdict(details))
        changes = {key: (old[key], new[key]) for key in old if old[key] != new[key]}
        if not changes:
            return {}
        for key, value in asdict(details).items():
            setattr(association, key, value)
        db.flush()
        clients.refresh_status(db, profile)
        what = ", ".join(DETAIL_LABELS[key] for key in changes)
        summary = (
            f"Edited {association.party.name} as {role_name(association.role)} of "
            f"{profile.name}: {what}"
            + (" (a role from XPM)" if association.source_relationship_uuid else "")
        )
        detail = {"changes": changes}
        _record(db, "role_edited", profile, association, user_id, summary, detail, address)
        return changes


def end_role(
    db: Session,
    profile: Profile,
    association: Association,
    user_id: int,
    end_date: date,
    *,
    address: str | None,
) -> None:
    """End a role on ``end_date``: it stays listed, as history."""
    with writing(db):
        if association.end_date is not None:
            day = f"{association.end_date:%-d %b %Y}"
            raise RoleRefused("end_date", f"This role already ends on {day}: change it with Edit.")
        if association.start_date and end_date < association.start_date:
            day = f"{association.start_date:%-d %b %Y}"
            raise RoleRefused("end_date", f"The end date is before the start date ({day}).")
        association.end_date = end_date
        db.flush()
        clients.refresh_status(db, profile)
        summary = (
            f"Ended {association.party.name} as {role_name(association.role)} of "
            f"{profile.name} on {end_date:%-d %b %Y}"
        )
        detail = {"end_date": end_date.isoformat()}
        _record(db, "role_ended", profile, association, user_id, summary, detail, address)


def remove_role(
    db: Session, profile: Profile, association: Association, user_id: int, *, address: str | None
) -> None:
    """Delete a role entered by mistake (what it said is kept in the audit log)."""
    with writing(db):
        summary = (
            f"Removed {association.party.name} as {role_name(association.role)} of {profile.name}"
        )
        detail = _plain(asdict(details_of(association)))
        _record(db, "role_removed", profile, association, user_id, summary, detail, address)
        db.delete(association)
        db.flush()
        clients.refresh_status(db, profile)


def _record(db, action, profile, association, user_id, summary, detail, address) -> None:
    """Audit a change to one of ``profile``'s roles (the event opens the profile)."""
    audit.record(
        db,
        action,
        address=address,
        firm_id=profile.firm_id,
        user_id=user_id,
        object_type="profile",
        object_id=profile.id,
        summary=summary,
        detail={
            "association_id": association.id,
            "party_id": association.party_id,
            "role": association.role,
            "from_xpm": association.source_relationship_uuid is not None,
            **detail,
        },
    )


def _plain(values: dict) -> dict:
    """Values the audit log's JSON can hold: dates as ISO text, percentages as text."""

    def plain(value):
        if isinstance(value, date):
            return value.isoformat()
        return str(value) if isinstance(value, Decimal) else value

    return {key: plain(value) for key, value in values.items()}

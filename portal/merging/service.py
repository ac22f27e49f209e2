"""Merging two profiles of one firm that are the same person or entity (docs/spec.md §2a).

``plan_merge`` works out, without writing, what a merge would do: the value kept for every
field that differs, the roles that move, the roles held twice that become one, the roles
between the two that would be held by a profile on itself, the XPM link. The confirmation
page shows that plan; ``merge`` works it out again inside its one transaction and carries it
out, so what is written is what the data says at that moment.
"""

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select, update
from sqlalchemy.orm import Session, selectinload
from wtforms.fields.core import UnboundField

from portal import audit
from portal.clients.forms import FORMS
from portal.clients.service import MANAGED, display_name, refresh_status
from portal.database import writing
from portal.models import (
    Association,
    BulkImportRow,
    CompanyType,
    Profile,
    ProfileMerge,
    SubscriptionPlan,
    TrustType,
)
from portal.reference import KIND_LABELS, MONTHS, ROLES
from portal.text import fold

#: Columns that are not a value to choose between: the row's identity and bookkeeping, what
#: follows another field (the name of an individual, the flags of a number), the XPM link.
NOT_CHOSEN = MANAGED | {"company_number_confirmed"}
#: Flags that come with the value of the field they describe.
FOLLOWERS = {
    "ird_number": ("ird_number_masked",),
    "company_number": ("company_number_confirmed", "companies_office_linked"),
}
#: Never emptied by a merge: a client needs its plan, and a type is mandatory (§2).
KEEP_FILLED = frozenset({"subscription_plan_id", "company_type_code", "trust_type_code"})
LINK_COLUMNS = ("xpm_provider", "xpm_client_uuid", "xpm_name", "xpm_linked_at")
#: An association's details, filled in from the other when two become one.
ROLE_DETAILS = ("shares", "percentage", "start_date", "end_date", "label")
ROLE_KEYS = (*ROLE_DETAILS, "source_relationship_uuid")
LABELS = {
    "name": "Name",
    "subscription_plan_id": "Subscription plan",
    "company_type_code": "Company type",
    "trust_type_code": "Trust type",
}
#: How many profiles the "Merge with…" search lists.
SEARCH_LIMIT = 20


class MergeRefused(ValueError):
    """The two profiles cannot be merged; the message says why, for staff."""


@dataclass(frozen=True)
class Difference:
    """A field whose values differ: each profile's value, shown, and which is taken."""

    key: str
    label: str
    values: dict  # profile id -> stored value
    shown: dict  # profile id -> the value as staff read it
    default: int  # the profile whose value is taken unless the user says otherwise
    choosable: bool = True  # False: the only value there is (a plan, a type) is kept


@dataclass
class RoleChange:
    """One association the merge moves, folds into another, or drops."""

    what: str  # "Director of Kōwhai Holdings Limited: John Smith"
    association_id: int
    into_id: int | None = None  # the association it becomes one with
    filled: dict = field(default_factory=dict)  # detail -> value taken from the other
    conflicts: dict = field(default_factory=dict)  # detail -> [kept's, the other's]


@dataclass
class MergePlan:
    kept: Profile
    removed: Profile
    values: dict  # every chosen field's value for the kept profile
    taken: dict  # field -> value taken from the removed profile
    moved: list[RoleChange]
    collapsed: list[RoleChange]
    dropped: list[RoleChange]
    link_moves: bool
    becomes_client: bool
    #: Profiles whose setup status may change: the kept one and those the roles are held on.
    touched: set[int]

    @property
    def kept_label(self) -> str:
        return who(self.kept, self.removed)

    @property
    def removed_label(self) -> str:
        return who(self.removed, self.kept)

    def summary(self) -> list[str]:
        """What will happen, in sentences ("3 roles move; 1 held by both becomes one; …")."""
        k, r = self.kept_label, self.removed_label
        moved, collapsed = len(self.moved), len(self.collapsed)
        lines = [f"{_count(moved, 'role')} {'moves' if moved == 1 else 'move'} from {r} to {k}."]
        if collapsed:
            verb = "becomes" if collapsed == 1 else "become"
            lines.append(
                f"{_count(collapsed, 'role')} held by both {verb} one: details missing on the "
                "kept one are filled in from the other."
            )
            conflicts = sum(bool(c.conflicts) for c in self.collapsed)
            if conflicts:
                lines.append(
                    f"Where the two disagree ({_count(conflicts, 'role')}), the kept one's "
                    "details stay."
                )
        for change in self.dropped:
            lines.append(
                f"The role between the two ({change.what}) is dropped: a profile cannot hold a "
                "role on itself."
            )
        if self.link_moves:
            lines.append(f"The link to the practice manager ({self.removed.xpm_name}) moves.")
        if self.becomes_client:
            lines.append(f"{k} becomes a client.")
        if self.taken:
            lines.append(f"{_count(len(self.taken), 'field')} taken from {r}.")
        lines.append(f"{r} is then removed; its address will open {k}.")
        return lines


def who(profile: Profile, other: Profile) -> str:
    """The profile's name, and when it was added if the other has the same name."""
    if profile.name != other.name or profile.created_at is None:
        return profile.name
    return f"{profile.name} (added {profile.created_at.strftime('%-d %b %Y')})"


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _empty(value) -> bool:
    return value is None or value == ""


# --- Finding the other profile -------------------------------------------------------------
def candidates(db: Session, profile: Profile, text: str) -> list[Profile]:
    """Profiles of the same kind and firm whose name contains ``text`` (the profile excluded),
    same names first."""
    conditions = [
        Profile.firm_id == profile.firm_id,
        Profile.kind == profile.kind,
        Profile.id != profile.id,
    ]
    if text:
        conditions.append(Profile.sort_name.contains(fold(text), autoescape=True))
    same = Profile.sort_name == profile.sort_name
    return list(
        db.scalars(
            select(Profile)
            .where(*conditions)
            .order_by(same.desc(), Profile.sort_name, Profile.id)
            .limit(SEARCH_LIMIT)
        )
    )


def roles_held(db: Session, profiles: list[Profile]) -> dict[int, list[str]]:
    """For each profile, the roles it holds elsewhere ("Director of …"), in one query."""
    ids = [p.id for p in profiles]
    held: dict[int, list[str]] = {i: [] for i in ids}
    if not ids:
        return held
    rows = db.execute(
        select(Association.party_id, Association.role, Profile.name)
        .join(
            Profile,
            (Profile.id == Association.profile_id) & (Profile.firm_id == Association.firm_id),
        )
        .where(Association.firm_id == profiles[0].firm_id, Association.party_id.in_(ids))
        .order_by(Profile.sort_name, Association.role)
    )
    for party_id, role, name in rows:
        held[party_id].append(f"{role_name(role)} of {name}")
    return held


# --- Side by side --------------------------------------------------------------------------
def default_kept(a: Profile, b: Profile) -> Profile:
    """The client over the contact, then the one linked to XPM, then the older."""

    def rank(p: Profile):
        return (p.standing != "client", not p.is_linked, p.created_at, p.id)

    return min(a, b, key=rank)


def refusal(a: Profile, b: Profile) -> str | None:
    """Why these two cannot be merged, in staff's words; None when they can."""
    if a.id == b.id:
        return "A profile cannot be merged with itself."
    if a.firm_id != b.firm_id:
        raise ValueError("profiles of two firms")  # the views never get this far
    if a.kind != b.kind:
        return (
            f"{a.name} is {_a(a.kind)} and {b.name} is {_a(b.kind)}: only profiles of the "
            "same kind can be merged."
        )
    if a.is_linked and b.is_linked:
        return (
            f"{a.name} and {b.name} are linked to two different clients in the practice "
            f"manager ({a.xpm_name or a.name} and {b.xpm_name or b.name}). Merge them there "
            "first, or disconnect one of them, then merge them here."
        )
    return None


def _a(kind: str) -> str:
    label = KIND_LABELS.get(kind, kind).lower()
    return ("an " if label[:1] in "aeiou" else "a ") + label


def labels(kind: str) -> dict[str, str]:
    """Each column's label as the profile form of ``kind`` words it."""
    form = FORMS.get(kind)
    found = dict(LABELS)
    if form is not None:
        for name in dir(form):
            unbound = getattr(form, name, None)
            if isinstance(unbound, UnboundField) and unbound.args:
                found.setdefault(name, str(unbound.args[0]))
    return found


def chosen_fields(kind: str) -> list[str]:
    """The columns a merge chooses between, in the table's order."""
    return [
        c.key
        for c in Profile.__table__.columns
        if c.key not in NOT_CHOSEN and not (kind == "individual" and c.key == "name")
    ]


def differences(db: Session, kept: Profile, other: Profile) -> list[Difference]:
    """Every field whose values differ, with each side shown and the default choice: the
    kept profile's value when it has one, else the other's."""
    names = labels(kept.kind)
    shown = _Shown(db, kept.firm_id)
    found = []
    for key in chosen_fields(kept.kind):
        mine, theirs = getattr(kept, key), getattr(other, key)
        if mine == theirs or (_empty(mine) and _empty(theirs)):
            continue
        default = other.id if _empty(mine) else kept.id
        found.append(
            Difference(
                key=key,
                label=names.get(key, key.replace("_", " ").capitalize()),
                values={kept.id: mine, other.id: theirs},
                shown={kept.id: shown(key, mine), other.id: shown(key, theirs)},
                default=default,
                choosable=not (key in KEEP_FILLED and (_empty(mine) or _empty(theirs))),
            )
        )
    return found


class _Shown:
    """A stored value as staff read it (a plan's name, a type's label, a date)."""

    def __init__(self, db: Session, firm_id: int):
        self.db, self.firm_id, self.names = db, firm_id, None

    def __call__(self, key: str, value) -> str:
        if _empty(value):
            return ""
        if key.endswith("_code") or key == "subscription_plan_id":
            if self.names is None:
                self.names = self._names()
            return self.names.get((key, value), str(value))
        if key == "annual_return_month" or key.endswith("_month"):
            return MONTHS[value - 1] if isinstance(value, int) and 1 <= value <= 12 else str(value)
        if isinstance(value, date):
            return value.strftime("%-d %b %Y")
        if isinstance(value, bool):
            return "Yes" if value else "No"
        if isinstance(value, int):
            return f"{value:,}"
        return str(value)

    def _names(self) -> dict:
        plans = self.db.execute(
            select(SubscriptionPlan.id, SubscriptionPlan.name).where(
                SubscriptionPlan.firm_id == self.firm_id
            )
        )
        names = {("subscription_plan_id", i): n for i, n in plans}
        names |= {("company_type_code", c): n for c, n in self.db.execute(_codes(CompanyType))}
        names |= {("trust_type_code", c): n for c, n in self.db.execute(_codes(TrustType))}
        return names


def _codes(model):
    return select(model.code, model.label)


# --- The plan ------------------------------------------------------------------------------
def plan_merge(db: Session, kept: Profile, removed: Profile, choices: dict[str, int]) -> MergePlan:
    """What merging ``removed`` into ``kept`` would do; ``choices`` maps a field to the id of
    the profile whose value is kept (fields left out take their default). MergeRefused: the
    two cannot be merged."""
    why = refusal(kept, removed)
    if why:
        raise MergeRefused(why)
    values, taken = {}, {}
    for difference in differences(db, kept, removed):
        source = choices.get(difference.key, difference.default)
        if not difference.choosable or source not in difference.values:
            source = difference.default
        if source == removed.id:
            values[difference.key] = difference.values[removed.id]
            taken[difference.key] = difference.values[removed.id]
            for follower in FOLLOWERS.get(difference.key, ()):
                values[follower] = getattr(removed, follower)
    for key, followers in FOLLOWERS.items():  # the same number: either one's check counts
        if key not in values and getattr(kept, key, None) == getattr(removed, key, None):
            for follower in followers:
                if isinstance(getattr(kept, follower), bool) and follower != "ird_number_masked":
                    values[follower] = getattr(kept, follower) or getattr(removed, follower)
    plan = MergePlan(
        kept=kept,
        removed=removed,
        values=values,
        taken=taken,
        moved=[],
        collapsed=[],
        dropped=[],
        link_moves=removed.is_linked and not kept.is_linked,
        becomes_client=kept.standing != "client" and removed.standing == "client",
        touched={kept.id},
    )
    _plan_roles(db, plan)
    return plan


def _plan_roles(db: Session, plan: MergePlan) -> None:
    kept, removed = plan.kept, plan.removed
    ids = (kept.id, removed.id)
    rows = db.scalars(
        select(Association)
        .where(
            Association.firm_id == kept.firm_id,
            Association.profile_id.in_(ids) | Association.party_id.in_(ids),
        )
        .options(selectinload(Association.profile), selectinload(Association.party))
        .order_by(Association.id)
    ).all()

    def moved_to(profile_id: int) -> int:
        return kept.id if profile_id == removed.id else profile_id

    held: dict[tuple, Association] = {}  # (profile, party, role) -> the association kept
    for row in rows:
        if removed.id not in (row.profile_id, row.party_id):
            held.setdefault((row.profile_id, row.party_id, row.role), row)
    for row in rows:
        if removed.id not in (row.profile_id, row.party_id):
            continue
        plan.touched.add(moved_to(row.profile_id))
        if {row.profile_id, row.party_id} == set(ids):
            plan.dropped.append(RoleChange(_describe(row), row.id))
            continue
        key = (moved_to(row.profile_id), moved_to(row.party_id), row.role)
        into = held.get(key)
        if into is None:
            held[key] = row
            plan.moved.append(RoleChange(_describe(row), row.id))
            continue
        change = RoleChange(_describe(row), row.id, into_id=into.id)
        for detail in ROLE_KEYS:
            mine, theirs = getattr(into, detail), getattr(row, detail)
            if _empty(theirs) or mine == theirs:
                continue
            if _empty(mine):
                change.filled[detail] = theirs
            else:
                change.conflicts[detail] = [_plain(mine), _plain(theirs)]
        _keep_dates_in_order(into, change)
        plan.collapsed.append(change)


def _keep_dates_in_order(into: Association, change: RoleChange) -> None:
    """A start taken from one and an end from the other must not end before it starts: then
    the kept role's own dates stay, and the other's are noted as a disagreement."""
    start = change.filled.get("start_date", into.start_date)
    end = change.filled.get("end_date", into.end_date)
    if start and end and end < start:
        for detail in ("start_date", "end_date"):
            if detail in change.filled:
                change.conflicts[detail] = [
                    _plain(getattr(into, detail)),
                    _plain(change.filled.pop(detail)),
                ]


def role_name(code: str) -> str:
    """A role as staff read it ("Director")."""
    return dict(ROLES).get(code, code.replace("_", " ").capitalize())


def _describe(row: Association) -> str:
    """ "John Smith, director of Kōwhai Holdings Limited"."""
    role = role_name(row.role).lower()
    of = "" if role.endswith(" of") else " of"
    return f"{row.party.name}, {role}{of} {row.profile.name}"


def _plain(value):
    """A value the audit log's JSON can hold."""
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if value is not None and not isinstance(value, str | int | float | bool):
        return str(value)  # a percentage (Decimal)
    return value


# --- The merge -----------------------------------------------------------------------------
def merge(
    db: Session,
    firm_id: int,
    kept_id: int,
    removed_id: int,
    choices: dict[str, int],
    user_id: int,
    *,
    address: str | None,
) -> Profile:
    """Merge the firm's profile ``removed_id`` into ``kept_id`` in one transaction, audited,
    and return the kept profile. MergeRefused: they cannot be merged (or one is gone)."""
    with writing(db):
        found = {
            p.id: p
            for p in db.scalars(
                select(Profile).where(
                    Profile.firm_id == firm_id, Profile.id.in_((kept_id, removed_id))
                )
            )
        }
        if kept_id not in found or removed_id not in found:
            raise MergeRefused("One of the two profiles no longer exists: nothing was merged.")
        kept, removed = found[kept_id], found[removed_id]
        plan = plan_merge(db, kept, removed, choices)
        removed_name, link = removed.name, {c: getattr(removed, c) for c in LINK_COLUMNS}
        summary = f"Merged {plan.removed_label} into {plan.kept_label}: " + " ".join(
            plan.summary()[:-1]
        )
        _merge_roles(db, plan)
        db.execute(
            update(BulkImportRow)
            .where(BulkImportRow.profile_id == removed.id)
            .values(profile_id=kept.id)
        )
        db.execute(
            update(ProfileMerge)
            .where(ProfileMerge.firm_id == firm_id, ProfileMerge.kept_profile_id == removed.id)
            .values(kept_profile_id=kept.id)
        )
        removed_plan = removed.subscription_plan_id
        db.delete(removed)
        db.flush()  # its reference and its link are free for the kept profile now
        for key, value in plan.values.items():
            setattr(kept, key, value)
        if plan.link_moves:
            for column, value in link.items():
                setattr(kept, column, value)
        if plan.becomes_client:
            kept.standing = "client"
            kept.subscription_plan_id = kept.subscription_plan_id or removed_plan
        if kept.kind == "individual":
            kept.name = display_name("individual", _name_parts(kept)) or kept.name
        kept.sort_name = fold(kept.name)
        db.flush()
        for profile in db.scalars(
            select(Profile).where(Profile.firm_id == firm_id, Profile.id.in_(plan.touched))
        ):
            refresh_status(db, profile)
        detail = _detail(plan, removed_id, removed_name, link)
        db.add(
            ProfileMerge(
                firm_id=firm_id,
                merged_profile_id=removed_id,
                merged_name=removed_name,
                kept_profile_id=kept.id,
                merged_by_id=user_id,
                detail=detail,
            )
        )
        audit.record(
            db,
            "profile_merged",
            address=address,
            firm_id=firm_id,
            user_id=user_id,
            object_type="profile",
            object_id=kept.id,
            summary=summary,
            detail=detail,
        )
        return kept


def _name_parts(profile: Profile) -> dict:
    return {k: getattr(profile, k) for k in ("first_name", "other_name", "last_name")}


def _merge_roles(db: Session, plan: MergePlan) -> None:
    """Drop the roles between the two and the second of each pair, then move the rest."""
    kept, removed = plan.kept, plan.removed
    rows = {
        a.id: a
        for a in db.scalars(
            select(Association).where(
                Association.id.in_(
                    [c.association_id for c in (*plan.moved, *plan.collapsed, *plan.dropped)]
                    + [c.into_id for c in plan.collapsed]
                )
            )
        )
    }
    for change in (*plan.dropped, *plan.collapsed):
        db.delete(rows[change.association_id])
    db.flush()  # a relationship UUID the other held is free now
    for change in plan.collapsed:
        for detail, value in change.filled.items():
            setattr(rows[change.into_id], detail, value)
    for change in plan.moved:
        row = rows[change.association_id]
        if row.profile_id == removed.id:
            row.profile_id = kept.id
        if row.party_id == removed.id:
            row.party_id = kept.id
    db.flush()


def _detail(plan: MergePlan, removed_id: int, removed_name: str, link: dict) -> dict:
    """What the audit log and the merge record keep of what moved."""
    return {
        "kept": {"id": plan.kept.id, "name": plan.kept.name},
        "removed": {"id": removed_id, "name": removed_name},
        "roles_moved": [c.what for c in plan.moved],
        "roles_collapsed": [
            {
                "role": c.what,
                "filled": {k: _plain(v) for k, v in c.filled.items()},
                "conflicts": c.conflicts,
            }
            for c in plan.collapsed
        ],
        "roles_dropped": [c.what for c in plan.dropped],
        "link_moved": (
            {"provider": link["xpm_provider"], "uuid": link["xpm_client_uuid"]}
            if plan.link_moves
            else None
        ),
        "became_client": plan.becomes_client,
        "fields_taken": {k: _plain(v) for k, v in plan.taken.items()},
    }

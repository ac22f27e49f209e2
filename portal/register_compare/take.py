"""Taking what the user ticked from the Companies Office register (docs/spec.md §10.3).

``take`` compares again inside its one write transaction and changes only what was ticked
and still differs, so a double submit or a stale page changes nothing twice.
"""

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy.orm import Session

from portal import audit
from portal.clients import service as clients
from portal.database import writing
from portal.models import Association, Profile
from portal.nzbn import Entity
from portal.register_compare.compare import NEW, Addition, compare, is_linked
from portal.text import fold


@dataclass(frozen=True)
class Ticked:
    """What the user ticked: field names, association ids to end or re-share, additions
    (key → the chosen profile id, or ``NEW`` for a new contact)."""

    fields: frozenset[str] = frozenset()
    end: frozenset[str] = frozenset()
    shares: frozenset[str] = frozenset()
    add: dict = field(default_factory=dict)


@dataclass
class Taken:
    """What taking changed."""

    changes: dict
    #: The labels of the fields taken ("Registered office"), for the audit summary.
    labels: list[str]
    ended: list[dict]
    shares: list[dict]
    added: list[dict]

    @property
    def anything(self) -> bool:
        return bool(self.changes or self.ended or self.shares or self.added)


def take(
    db: Session,
    firm_id: int,
    profile_id: int,
    entity: Entity,
    ticked: Ticked,
    user_id: int,
    *,
    address: str | None,
    today: date | None = None,
) -> Taken | None:
    """Take what was ticked from ``entity`` (read from the register beforehand) where it still
    differs, in one write transaction; None if the profile has gone or is no longer linked."""
    with writing(db):
        profile = clients.get_profile(db, firm_id, profile_id)
        if profile is None or not is_linked(profile):
            return None
        return _take(db, profile, entity, ticked, user_id, address=address, today=today)


def _take(db, profile, entity, ticked: Ticked, user_id, *, address, today) -> Taken:
    comparison = compare(db, profile, entity, today)
    taken = Taken({}, [], [], [], [])
    for difference in comparison.fields:
        if difference.field in ticked.fields:
            taken.labels.append(difference.label)
            for key, value in difference.values.items():
                before = getattr(profile, key)
                if before != value:
                    taken.changes[key] = [clients._plain(before), clients._plain(value)]
                    setattr(profile, key, value)
    if "name" in taken.changes:
        profile.sort_name = fold(profile.name)
    touched = {profile.id}
    for ending in comparison.endings:
        if str(ending.association.id) in ticked.end:
            ending.association.end_date = ending.day
            touched.add(ending.association.party_id)
            taken.ended.append(_described(ending.association, end_date=ending.day.isoformat()))
    for change in comparison.shares:
        if str(change.association.id) in ticked.shares:
            before = change.association.shares
            change.association.shares = change.shares
            taken.shares.append(_described(change.association, shares=[before, change.shares]))
    for addition in comparison.additions:
        added = None
        if addition.key in ticked.add:
            added = _add(db, profile, addition, ticked.add[addition.key], user_id, address)
        if added is not None:
            taken.added.append(added)
            touched.add(added["party_id"])
    if not taken.anything:
        return taken
    db.flush()
    for touched_id in sorted(touched - {profile.id}):
        other = db.get(Profile, touched_id)
        if other is not None:
            clients.refresh_status(db, other)
    clients.refresh_status(db, profile)
    audit.record(
        db,
        "register_taken",
        address=address,
        firm_id=profile.firm_id,
        user_id=user_id,
        object_type="profile",
        object_id=profile.id,
        summary=f"Took from the Companies Office for {profile.name}: {_summary(taken)}",
        detail={
            "nzbn": entity.nzbn,
            "changes": taken.changes,
            "roles_ended": taken.ended,
            "shares_changed": taken.shares,
            "roles_added": taken.added,
        },
    )
    return taken


def _described(association: Association, **more) -> dict:
    return {
        "association_id": association.id,
        "party": association.party.name,
        "role": association.role,
        **more,
    }


def _add(db, profile, addition: Addition, choice: str, user_id, address) -> dict | None:
    """Store the role, held by the chosen candidate or by a new contact (``NEW``); None for
    a choice that was never offered."""
    chosen = next((c for c in addition.candidates if str(c.id) == choice), None)
    created = choice == NEW
    if created:
        values = addition.contact | {"name": addition.name}
        chosen = clients.add_contact(
            db,
            profile.firm_id,
            user_id,
            addition.contact_kind,
            values,
            address=address,
            origin="register",  # what the register says, taken
        )
    if chosen is None:
        return None
    association = Association(
        firm_id=profile.firm_id,
        profile_id=profile.id,
        party_id=chosen.id,
        role=addition.role,
        shares=addition.shares,
        start_date=addition.start,
    )
    db.add(association)
    db.flush()
    return {
        "association_id": association.id,
        "party_id": chosen.id,
        "party": chosen.name,
        "role": addition.role,
        "shares": addition.shares,
        "created_contact": created,
    }


def _summary(taken: Taken) -> str:
    what = [label.lower() if label != "NZBN" else label for label in taken.labels]
    what += [f"ended {e['party']} as {e['role']}" for e in taken.ended]
    what += [f"{s['party']} now holds {s['shares'][1]:,} shares" for s in taken.shares]
    what += [f"added {a['party']} as {a['role']}" for a in taken.added]
    return ", ".join(what)


def take_at_import(
    db: Session,
    profile: Profile,
    entity: Entity,
    keys: frozenset[str],
    chosen: dict[str, str],
    user_id: int | None,
    *,
    ours: set[int] = frozenset(),
    today: date | None = None,
) -> tuple[Taken, list[str]]:
    """Inside the write of an XPM import linked in one step (§10.4), once its roles are
    stored: take the register's fields the profile has nothing for, and the roles the
    preview ticked (by ``keys``; ``chosen``: an addition's key → the profile id that is
    them, or ``NEW``). An addition the user was not asked about is held by the one profile
    of this import (``ours``) of that name, a new contact when the firm has none, and not
    taken when that is unclear. Returns what was taken, and the ticked keys not taken."""
    db.flush()
    comparison = compare(db, profile, entity, today)
    blank = frozenset(d.field for d in comparison.fields if not d.portal)
    endings = {e.key: e for e in comparison.endings}
    shares = {s.key: s for s in comparison.shares}
    additions = {a.key: a for a in comparison.additions}
    add = {k: chosen.get(k) or _unasked(additions[k], ours) for k in keys if k in additions}
    ticked = Ticked(
        fields=blank,
        end=frozenset(str(endings[k].association.id) for k in keys if k in endings),
        shares=frozenset(str(shares[k].association.id) for k in keys if k in shares),
        add={k: v for k, v in add.items() if v},
    )
    taken = _take(db, profile, entity, ticked, user_id, address=None, today=today)
    found = endings.keys() | shares.keys() | ticked.add.keys()
    return taken, sorted(keys - found)


def _unasked(addition: Addition, ours: set[int]) -> str | None:
    """Who holds an addition the preview did not ask about: the one profile of the import
    that may be them, else a new contact if the firm has nobody of that name; None if unclear."""
    mine = [c for c in addition.candidates if c.id in ours]
    if len(mine) == 1:
        return str(mine[0].id)
    return NEW if not addition.candidates else None

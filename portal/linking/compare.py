"""A linked profile beside its XPM record: the fields that differ, the relationships only
one side has, and taking what the user ticked."""

from dataclasses import dataclass

from sqlalchemy.orm import Session

from portal import audit, identifiers
from portal.clients import service
from portal.database import writing
from portal.importing.mapping import Link, link_from, normal_uuid, profile_values
from portal.linking import ties
from portal.models import Association, Profile
from portal.text import fold
from portal.xpm.records import XpmClient

NAMES = {
    "company": [("name", "Name")],
    "trust": [("name", "Name")],
    "individual": [
        ("first_name", "First name"),
        ("other_name", "Other names"),
        ("last_name", "Last name"),
        ("date_of_birth", "Date of birth"),
    ],
}
IDENTIFIERS = {
    "company": [("company_number", "Company number"), ("nzbn", "NZBN")],
    "trust": [("nzbn", "NZBN")],
    "individual": [],
}
CONTACT = [
    ("ird_number", "IRD number"),
    ("email", "E-mail"),
    ("phone", "Phone"),
    ("website", "Website"),
    *[
        (f"{kind}_{part}", f"{kind.capitalize()} address: {label}")
        for kind in ("physical", "postal")
        for part, label in (
            ("address", "street"),
            ("city", "city"),
            ("region", "region"),
            ("postcode", "postcode"),
            ("country", "country"),
        )
    ],
]


@dataclass(frozen=True)
class Difference:
    """One field whose value in the portal is not XPM's."""

    field: str
    label: str
    portal: object
    xpm: object


@dataclass(frozen=True)
class Tie:
    """A relationship: ``name`` holds ``role`` on this profile ("on"), or it on them ("of")."""

    uuid: str | None
    name: str
    role: str
    direction: str
    #: What the form ticks: XPM's relationship UUID, or the portal's association id.
    key: str = ""
    link: Link | None = None
    association: Association | None = None


@dataclass(frozen=True)
class Comparison:
    """What differs between the profile and its XPM record."""

    xpm_name: str
    fields: list[Difference]
    only_in_xpm: list[Tie]
    only_in_portal: list[Tie]
    notes: list[str]


def _same(a, b) -> bool:
    return (a or None) == (b or None)


def compare(profile: Profile, client: XpmClient, held_on: list, held_elsewhere: list):
    """The profile's differences from ``client`` (its linked XPM record)."""
    notes: list[str] = []
    values = profile_values(client, profile.kind, notes)
    fields = []
    kind = profile.kind
    for key, label in NAMES.get(kind, [("name", "Name")]) + IDENTIFIERS.get(kind, []) + CONTACT:
        if key == "ird_number" and values["ird_number_masked"]:
            continue  # XPM gives only the last three digits: never worth taking
        if not _same(getattr(profile, key), values[key]):
            fields.append(Difference(key, label, getattr(profile, key), values[key]))
    portal = [_tie(a, a.party, "on") for a in held_on]
    portal += [_tie(a, a.profile, "of") for a in held_elsewhere]
    xpm = _xpm_ties(client, notes)
    return Comparison(
        xpm_name=client.name,
        fields=fields,
        only_in_xpm=[t for t in xpm if not any(_matches(p, t) for p in portal)],
        only_in_portal=[p for p in portal if not any(_matches(p, t) for t in xpm)],
        notes=notes,
    )


def _tie(association: Association, other: Profile, direction: str) -> Tie:
    key = str(association.id)
    return Tie(
        other.xpm_client_uuid, other.name, association.role, direction, key, None, association
    )


def _xpm_ties(client: XpmClient, notes: list[str]) -> list[Tie]:
    own = normal_uuid(client.uuid)
    found = []
    for relationship in client.relationships:
        link = link_from(client.uuid, relationship, notes)
        if link is None:
            continue
        on = link.entity_uuid == own
        other = link.party_uuid if on else link.entity_uuid
        name = relationship.related_client_name
        found.append(Tie(other, name, link.role, "on" if on else "of", link.uuid, link))
    return found


def _matches(portal: Tie, xpm: Tie) -> bool:
    """The same relationship: by XPM client, or by name when the portal's party is unlinked."""
    if (portal.role, portal.direction) != (xpm.role, xpm.direction):
        return False
    if portal.uuid is not None:
        return portal.uuid == xpm.uuid
    return fold(portal.name) == fold(xpm.name)


@dataclass(frozen=True)
class Ticked:
    """What the user ticked: field names, XPM relationship UUIDs to add, association ids."""

    fields: frozenset[str] = frozenset()
    add: frozenset[str] = frozenset()
    remove: frozenset[str] = frozenset()


@dataclass
class Taken:
    """What a refresh changed."""

    changes: dict
    added: list[dict]
    removed: list[dict]


def to_add(comparison: Comparison, ticked: Ticked) -> list[Link]:
    """The ticked relationships that XPM has and the portal does not."""
    return [tie.link for tie in comparison.only_in_xpm if tie.key in ticked.add and tie.link]


def take(
    db: Session,
    firm_id: int,
    profile_id: int,
    client: XpmClient,
    ticked: Ticked,
    parties: ties.Parties,
    user_id: int,
    *,
    address: str | None,
) -> Taken | None:
    """Take what was ticked from XPM where it still differs, in one write transaction after
    ``parties`` were read from XPM; the profile is read again inside it, as it is now
    (None if it has gone meanwhile)."""
    with writing(db):
        profile = service.get_profile(db, firm_id, profile_id)
        return (
            None
            if profile is None
            else _take(db, profile, client, ticked, parties, user_id, address=address)
        )


def _take(
    db: Session,
    profile: Profile,
    client: XpmClient,
    ticked: Ticked,
    parties: ties.Parties,
    user_id: int,
    *,
    address: str | None,
) -> Taken:
    comparison = compare(profile, client, *service.associations(db, profile))
    changes = {}
    for difference in comparison.fields:
        if difference.field in ticked.fields:
            changes[difference.field] = [
                service._plain(difference.portal),
                service._plain(difference.xpm),
            ]
            setattr(profile, difference.field, difference.xpm)
    profile.xpm_name = client.name
    added, touched = ties.add(db, profile, to_add(comparison, ticked), parties)
    going = [t.association for t in comparison.only_in_portal if t.key in ticked.remove]
    removed, gone_from = ties.remove(db, profile, going)
    if not (changes or added or removed):
        return Taken(changes, added, removed)
    if "ird_number" in changes:
        profile.ird_number_masked = identifiers.masked_ird_number(profile.ird_number or "")
    parts = {key: getattr(profile, key) for key in ("first_name", "other_name", "last_name")}
    profile.name = service.display_name(profile.kind, parts | {"name": profile.name})
    profile.sort_name = fold(profile.name)
    db.flush()
    for touched_id in sorted((touched | gone_from) - {profile.id}):
        other = db.get(Profile, touched_id)
        if other is not None:
            service.refresh_status(db, other)
    service.refresh_status(db, profile)
    what = sorted(changes) + [f"{len(added)} relationship(s) added"] * bool(added)
    what += [f"{len(removed)} relationship(s) removed"] * bool(removed)
    audit.record(
        db,
        "refresh",
        address=address,
        firm_id=profile.firm_id,
        user_id=user_id,
        object_type="profile",
        object_id=profile.id,
        summary=f"Refreshed {profile.name} from XPM: {', '.join(what)}",
        detail={
            "changes": changes,
            "relationships_added": added,
            "relationships_removed": removed,
            "notes": parties.notes,
        },
    )
    return Taken(changes, added, removed)

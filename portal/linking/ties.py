"""Taking ticked relationships from XPM: the related clients read first, then the rows written.

A relationship XPM has becomes one association (keyed on XPM's relationship UUID); a
related client not yet in the portal is read from XPM before any transaction opens and
stored as a contact linked to it. Rows go in with the importer's "insert or ignore", so a
double submit or an import running at the same moment never duplicates anything.
"""

from dataclasses import dataclass, field

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from portal.database import end_read, utcnow
from portal.importing.mapping import (
    Link,
    contact_kind,
    normal_uuid,
    profile_values,
    related_clients,
)
from portal.importing.service import read_graph, structure_mappings
from portal.importing.write import INSERTS, association_row
from portal.models import Association, Profile
from portal.xpm import XpmApi, XpmClient

CONTACT = {
    "standing": "contact",
    "setup_status": "preparing",
    "subscription_plan_id": None,
    "company_type_code": None,
    "trust_type_code": None,
}


@dataclass
class Parties:
    """The contacts to store for the ticked relationships, read from XPM beforehand."""

    rows: list[dict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def other_uuid(link: Link, own: str) -> str:
    """The XPM client at the other end of ``link`` from the profile's own client."""
    return link.party_uuid if link.entity_uuid == own else link.entity_uuid


def read_parties(db: Session, api: XpmApi, profile: Profile, record: XpmClient, links) -> Parties:
    """Read from XPM (no transaction open) the related clients of ``links`` not yet stored."""
    own = normal_uuid(record.uuid)
    wanted = {other_uuid(link, own) for link in links}
    stored = set(_ids(db, profile, wanted)) if wanted else set()
    mappings = structure_mappings(db, profile.firm_id)
    end_read(db)  # no transaction is held while XPM answers
    parties = Parties()
    missing = wanted - stored
    if not missing:
        return parties
    fetched = read_graph(
        api,
        own,
        root=record,
        stored=related_clients(record).keys() - missing,  # read only the missing ones
        mappings=mappings,
        max_depth=1,
    )
    parties.notes += [
        f"{name} is no longer in XPM, so it was left out." for name in fetched.missing.values()
    ]
    now = utcnow()
    for uuid in sorted(missing & fetched.clients.keys()):
        client = fetched.clients[uuid]
        if client.is_deleted:
            parties.notes.append(f"{client.name} is deleted in XPM, so it was left out.")
            continue
        kind = contact_kind(client, mappings, parties.notes)
        parties.rows.append(
            {
                "firm_id": profile.firm_id,
                "origin": "xpm",
                "xpm_provider": profile.xpm_provider,
                "xpm_client_uuid": uuid,
                "xpm_linked_at": now,
                **profile_values(client, kind, parties.notes),
                **CONTACT,
            }
        )
    return parties


def add(db: Session, profile: Profile, links, parties: Parties) -> tuple[list[dict], set[int]]:
    """Store ``links`` and the contacts they need; returns (what was added, profile ids)."""
    insert = INSERTS[db.get_bind().dialect.name]
    created = set()
    if parties.rows:
        statement = insert(Profile).on_conflict_do_nothing().returning(Profile.xpm_client_uuid)
        created = set(db.scalars(statement, parties.rows).all())
    own = normal_uuid(profile.xpm_client_uuid)
    ids = _ids(db, profile, {other_uuid(link, own) for link in links}) | {own: profile.id}
    added, rows = [], []
    for link in sorted(links, key=lambda link: link.uuid):
        if link.entity_uuid not in ids or link.party_uuid not in ids:
            continue  # its related client could not be read from XPM
        rows.append(association_row(profile.firm_id, link, ids))
    if rows:
        statement = insert(Association).on_conflict_do_nothing()
        statement = statement.returning(Association.source_relationship_uuid)
        stored = set(db.scalars(statement, rows).all())
        for link in links:
            if link.uuid in stored:
                other = other_uuid(link, own)
                added.append(
                    {
                        "relationship_uuid": link.uuid,
                        "client_uuid": other,
                        "role": link.role,
                        "label": link.label,
                        "direction": "on" if link.entity_uuid == own else "of",
                        "created_contact": other in created,
                    }
                )
    return added, {row["profile_id"] for row in rows} | {row["party_id"] for row in rows}


def remove(db: Session, profile: Profile, associations) -> tuple[list[dict], set[int]]:
    """Delete ``associations`` of the profile (nothing else); returns (what went, profile ids)."""
    removed = [
        {
            "association_id": a.id,
            "profile": a.profile.name,
            "party": a.party.name,
            "role": a.role,
            "direction": "on" if a.profile_id == profile.id else "of",
        }
        for a in associations
    ]
    touched = {a.profile_id for a in associations} | {a.party_id for a in associations}
    if associations:
        db.execute(
            delete(Association).where(
                Association.firm_id == profile.firm_id,
                Association.id.in_([a.id for a in associations]),
            )
        )
    return removed, touched


def _ids(db: Session, profile: Profile, uuids: set[str]) -> dict[str, int]:
    """{XPM UUID: profile id} for the firm's profiles linked to ``uuids``."""
    rows = db.execute(
        select(Profile.xpm_client_uuid, Profile.id).where(
            Profile.firm_id == profile.firm_id,
            Profile.xpm_provider == profile.xpm_provider,
            Profile.xpm_client_uuid.in_(uuids),
        )
    )
    return dict(rows.all())

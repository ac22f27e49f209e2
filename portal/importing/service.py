"""The conversion service: what an import will bring (``review``), and the import itself.

It takes a database session, an ``XpmApi`` and plain values, never a request, so it runs
the same from a view, a test or a benchmark. Every XPM call happens with no transaction
open (``fetch``); the rows are then decided in full (``plan``) and stored in one short
transaction (``write``). Anything that fails becomes ``ImportFailed``, whose text says what
went wrong and that importing again is safe.
"""

import logging
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.orm import Session

from portal.db import end_read, utcnow
from portal.importing import fetch, write
from portal.importing.mapping import contact_kind, kind_for, link_from, normal_uuid
from portal.importing.plan import Choices, build_plan
from portal.models import DirectoryEntry, Profile, StructureMapping
from portal.reference import ROLES
from portal.text import fold
from portal.xpm import XpmApi, XpmClient, XpmError

__all__ = ["Choices", "ImportFailed", "Outcome", "Review", "import_client", "review"]

log = logging.getLogger("portal.importing")
Outcome = write.Outcome
WRITE_ATTEMPTS = 3
#: PostgreSQL's deadlock and serialization failures: the transaction may simply run again.
TRANSIENT_SQLSTATES = {"40P01", "40001"}
SAFE = "Importing again is safe: nothing is duplicated."
ROLE_ORDER = {code: position for position, (code, _) in enumerate(ROLES)}


class ImportFailed(Exception):
    """The import did not happen and nothing was saved; ``str()`` is a message for staff."""

    def __init__(self, message: str, retryable: bool = True):
        super().__init__(message)
        self.retryable = retryable


@dataclass(frozen=True)
class PreviewRow:
    """One person or entity that comes with the client, as the form's preview lists it."""

    uuid: str
    name: str
    role: str
    label: str
    shares: int | None
    percentage: Decimal | None
    start_date: date | None
    end_date: date | None
    kind: str | None  # None: XPM will say on Create
    profile_id: int | None  # already in the portal: will be linked
    archived: bool


@dataclass(frozen=True)
class Review:
    """What the import form shows before anything is stored."""

    client: XpmClient
    #: The kind the firm's mapping gives the client's BusinessStructure (None: user chooses).
    mapped_kind: str | None
    #: The client's profile when it is already in the portal as a contact.
    contact: Profile | None
    #: Those who hold a role on the client, and those on whom the client holds one.
    parties: list[PreviewRow] = field(default_factory=list)
    holdings: list[PreviewRow] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def stored_profile(db: Session, firm_id: int, provider: str, client_uuid: str) -> Profile | None:
    """The firm's profile linked to this XPM client, if there is one."""
    return db.scalar(
        select(Profile).where(
            Profile.firm_id == firm_id,
            Profile.xpm_provider == provider,
            Profile.xpm_client_uuid == normal_uuid(client_uuid),
        )
    )


def structure_mappings(db: Session, firm_id: int) -> dict[str, str]:
    """The firm's BusinessStructure mapping: {structure key: kind}."""
    rows = db.execute(
        select(StructureMapping.structure_key, StructureMapping.kind).where(
            StructureMapping.firm_id == firm_id
        )
    )
    return dict(rows.all())


def review(
    db: Session,
    api: XpmApi | None,
    firm_id: int,
    provider: str,
    client_uuid: str,
    *,
    client: XpmClient | None = None,
) -> Review:
    """What importing the client would bring: ``client`` as already read from XPM, or read
    now (one call)."""
    contact = stored_profile(db, firm_id, provider, client_uuid)
    mappings = structure_mappings(db, firm_id)
    end_read(db)
    if client is None:
        client = _read(lambda: api.get(normal_uuid(client_uuid)))
    notes: list[str] = []
    own, seen, rows = normal_uuid(client.uuid), set(), []
    for relationship in client.relationships:
        link = link_from(own, relationship, notes)
        if link is None or link.uuid in seen:
            continue
        seen.add(link.uuid)
        rows.append((link, relationship.related_client_name))
    others = {link.party_uuid if link.entity_uuid == own else link.entity_uuid for link, _ in rows}
    stored = _profiles_by_uuid(db, firm_id, provider, others)
    listed = _directory_by_uuid(db, firm_id, provider, others)
    end_read(db)
    result = Review(client, kind_for(client.business_structure, mappings), contact, notes=notes)
    for link, name in rows:
        other = link.party_uuid if link.entity_uuid == own else link.entity_uuid
        profile, entry = stored.get(other), listed.get(other)
        kind = profile.kind if profile else None
        if kind is None and entry is not None:
            kind = kind_for(entry.business_structure, mappings)
        row = PreviewRow(
            uuid=other,
            name=name,
            role=link.role,
            label=link.label,
            shares=link.shares,
            percentage=link.percentage,
            start_date=link.start_date,
            end_date=link.end_date,
            kind=kind,
            profile_id=profile.id if profile else None,
            archived=bool(entry and entry.is_archived),
        )
        (result.parties if link.entity_uuid == own else result.holdings).append(row)
    for listed in (result.parties, result.holdings):
        listed.sort(key=lambda row: (ROLE_ORDER.get(row.role, len(ROLE_ORDER)), fold(row.name)))
    return result


def import_client(
    db: Session,
    api: XpmApi,
    *,
    firm_id: int,
    user_id: int | None,
    provider: str,
    client_uuid: str,
    choices: Choices,
    max_depth: int = fetch.DEFAULT_DEPTH,
    root: XpmClient | None = None,
    on_read=None,
) -> Outcome:
    """Import the client and everything related to it; raises ``ImportFailed``.

    ``root``: the client as the user reviewed it (not read again); ``on_read(read,
    known)`` hears how many related clients have been read of those known so far.
    """
    uuid = normal_uuid(client_uuid)
    mappings = structure_mappings(db, firm_id)
    existing = stored_profile(db, firm_id, provider, uuid)
    if existing is not None and existing.standing == "client":
        end_read(db)
        return Outcome(existing.id, existing.name, already_imported=True)
    # Read once, so that the database is not touched at all while XPM is being read.
    stored = _linked_uuids(db, firm_id, provider)
    end_read(db)  # hold no connection while waiting on XPM
    fetched = _read(
        lambda: fetch.fetch_graph(
            api,
            uuid,
            root=root,
            stored_among=stored.intersection,
            follows=lambda client: contact_kind(client, mappings, []) != "individual",
            max_depth=max_depth,
            on_read=on_read,
        )
    )
    if fetched.root.is_deleted:
        raise ImportFailed(
            f"{fetched.root.name} is marked as deleted in XPM, so it was not imported.",
            retryable=False,
        )
    now = utcnow()
    plan = build_plan(fetched, mappings, choices, firm_id=firm_id, provider=provider, now=now)
    return _save(db, plan, user_id)


def _read(call):
    """Run ``call`` against XPM, turning its errors into ``ImportFailed``."""
    try:
        return call()
    except XpmError as error:
        log.warning("Import stopped while reading XPM: %s", error.detail or type(error).__name__)
        raise ImportFailed(f"Nothing was imported. {error} {SAFE}", error.retryable) from error


def _save(db: Session, plan, user_id: int | None) -> Outcome:
    """Store the plan, running the transaction again after a deadlock (PostgreSQL)."""
    attempt = 0
    while True:
        attempt += 1
        try:
            return write.save(db, plan, user_id)
        except DBAPIError as error:
            sqlstate = getattr(error.orig, "sqlstate", None)
            if attempt < WRITE_ATTEMPTS and sqlstate in TRANSIENT_SQLSTATES:
                continue
            failure: Exception = error
        except (SQLAlchemyError, LookupError) as error:
            failure = error
        log.error("Import could not be saved", exc_info=failure)
        raise ImportFailed(
            "Nothing was imported: the portal could not save it (the database was busy or "
            f"refused the change). {SAFE}"
        ) from failure


def _linked_uuids(db: Session, firm_id: int, provider: str) -> set[str]:
    """The XPM UUIDs of every profile the firm has linked to ``provider``."""
    return set(
        db.scalars(
            select(Profile.xpm_client_uuid).where(
                Profile.firm_id == firm_id, Profile.xpm_provider == provider
            )
        )
    )


def _profiles_by_uuid(db: Session, firm_id: int, provider: str, uuids) -> dict[str, Profile]:
    if not uuids:
        return {}
    statement = select(Profile).where(
        Profile.firm_id == firm_id,
        Profile.xpm_provider == provider,
        Profile.xpm_client_uuid.in_(uuids),
    )
    return {profile.xpm_client_uuid: profile for profile in db.scalars(statement)}


def _directory_by_uuid(db: Session, firm_id: int, provider: str, uuids) -> dict:
    if not uuids:
        return {}
    statement = select(DirectoryEntry).where(
        DirectoryEntry.firm_id == firm_id,
        DirectoryEntry.provider == provider,
        DirectoryEntry.client_uuid.in_(uuids),
    )
    return {entry.client_uuid: entry for entry in db.scalars(statement)}


def _end_read(db: Session) -> None:
    """End the session's read transaction, so none is open while XPM is called."""
    if db.in_transaction():
        db.commit()

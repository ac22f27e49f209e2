"""The conversion service: what an import will bring (``review``), and the import itself.

It takes a database session, an ``XpmApi`` and plain values, never a request, so it runs
the same from a view, a test or a benchmark. Every XPM call happens with no transaction
open (``read_graph``); the rows are then decided in full (``plan``, by the rules in
``mapping``) and stored in one short transaction (``write``). The form's preview is drawn
from a plan of the client as read for it, by the same rules. Anything that fails becomes
``ImportFailed``, whose text says what went wrong and that importing again is safe.
"""

import logging
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.orm import Session

from portal.database import end_read, utcnow
from portal.importing import register as linked
from portal.importing import write
from portal.importing.mapping import Link, kind_for, normal_uuid, related_clients
from portal.importing.plan import Choices, Fetched, build_plan, follows
from portal.models import DirectoryEntry, Profile, StructureMapping
from portal.nzbn import Entity, RegisterApi, RegisterError
from portal.reference import ROLES
from portal.register_link.service import RegisterConflict
from portal.text import fold, structure_key
from portal.xpm import XpmApi, XpmClient, XpmError, XpmNotFound

__all__ = ["Choices", "ImportFailed", "Outcome", "Review", "import_client", "review"]

log = logging.getLogger("portal.importing")
Outcome = write.Outcome
WRITE_ATTEMPTS = 3
#: PostgreSQL's deadlock and serialization failures: the transaction may simply run again.
TRANSIENT_SQLSTATES = {"40P01", "40001"}
SAFE = "Importing again is safe: nothing is duplicated."
ROLE_ORDER = {code: position for position, (code, _) in enumerate(ROLES)}
IN_FLIGHT = 5  # XPM allows five calls in flight per practice
DEFAULT_DEPTH = 2


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
    #: What the register said about the client's company number (§10.4).
    register: linked.Lookup = field(default_factory=linked.Lookup)
    #: The register's people beside XPM's related parties, when the register has it.
    reconciled: linked.Reconciled | None = None
    #: The company or trust type the mapping starts the form with (None: staff choose).
    mapped_type: str | None = None


def already_imported(db: Session, firm_id: int, provider: str, client_uuid: str) -> Outcome | None:
    """The rule for a client already imported: its form and its Create open its profile,
    and nothing is read or written. None while it is not a client in the portal."""
    existing = stored_profile(db, firm_id, provider, client_uuid)
    if existing is None or existing.standing != "client":
        return None
    return Outcome(existing.id, existing.name, already_imported=True)


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


def structure_default_type(db: Session, firm_id: int, structure: str) -> str | None:
    """The company or trust type the firm's mapping of ``structure`` starts the form with."""
    mapping = db.scalar(
        select(StructureMapping).where(
            StructureMapping.firm_id == firm_id,
            StructureMapping.structure_key == structure_key(structure),
        )
    )
    return mapping.default_type if mapping is not None else None


def review(
    db: Session,
    api: XpmApi | None,
    firm_id: int,
    provider: str,
    client_uuid: str,
    *,
    client: XpmClient | None = None,
    lookup: linked.Lookup | None = None,
) -> Review:
    """What importing the client would bring: ``client`` as already read from XPM, or read
    now (one call). The rows are the plan's own links, so the preview is what Create does."""
    contact = stored_profile(db, firm_id, provider, client_uuid)
    mappings = structure_mappings(db, firm_id)
    end_read(db)
    if client is None:
        try:
            client = api.get(normal_uuid(client_uuid))
        except XpmError as error:
            raise _failed(error) from error
    fetched = Fetched.root_only(client)
    plan = build_plan(fetched, mappings, None, firm_id=firm_id, provider=provider, now=None)
    others = {_other(link, plan.root_uuid) for link in plan.links}
    stored = _profiles_by_uuid(db, firm_id, provider, others)
    listed = _directory_by_uuid(db, firm_id, provider, others)
    default_type = structure_default_type(db, firm_id, client.business_structure)
    end_read(db)
    mapped = kind_for(client.business_structure, mappings)
    result = Review(
        client, mapped, contact, notes=list(plan.relationship_notes), mapped_type=default_type
    )
    names = {normal_uuid(r.uuid): r.related_client_name for r in reversed(client.relationships)}
    for link in plan.links:
        other = _other(link, plan.root_uuid)
        found = stored.get(other), listed.get(other)
        row = _preview_row(link, other, names[link.uuid], *found, mappings)
        (result.parties if link.entity_uuid == plan.root_uuid else result.holdings).append(row)
    for rows in (result.parties, result.holdings):
        rows.sort(key=lambda row: (ROLE_ORDER.get(row.role, len(ROLE_ORDER)), fold(row.name)))
    if lookup is None or lookup == linked.Lookup():
        return result
    reconciled = None
    if lookup.entity is not None:
        parties = [
            linked.Party(r.uuid, r.name, r.role, r.shares, r.end_date, r.kind)
            for r in result.parties
        ]
        in_portal = linked.in_portal(db, firm_id, {r.profile_id for r in result.parties})
        reconciled = linked.reconcile(lookup.entity, parties, in_portal=in_portal)
        end_read(db)
    return replace(result, register=lookup, reconciled=reconciled)


def _other(link: Link, own: str) -> str:
    return link.party_uuid if link.entity_uuid == own else link.entity_uuid


def _preview_row(link: Link, other: str, name: str, profile, entry, mappings) -> PreviewRow:
    """How the form lists ``link``: the related client as the portal knows it so far."""
    kind = profile.kind if profile else None
    if kind is None and entry is not None:
        kind = kind_for(entry.business_structure, mappings)
    return PreviewRow(
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


def import_client(
    db: Session,
    api: XpmApi,
    *,
    firm_id: int,
    user_id: int | None,
    provider: str,
    client_uuid: str,
    choices: Choices,
    max_depth: int = DEFAULT_DEPTH,
    root: XpmClient | None = None,
    on_read: Callable[[int, int], None] | None = None,
    register: RegisterApi | None = None,
    link_nzbn: str | None = None,
    entity: Entity | None = None,
) -> Outcome:
    """Import the client and everything related to it; raises ``ImportFailed``.

    ``root``: the client as the user reviewed it (not read again); ``on_read(read,
    known)`` hears how many related clients have been read of those known so far.
    ``link_nzbn``: link the company to that register entity in the same step (§10.4),
    read with ``register`` beside XPM and before the transaction, unless ``entity`` (the
    register entity the form showed) is that one.
    """
    uuid = normal_uuid(client_uuid)
    done = already_imported(db, firm_id, provider, uuid)
    if done is not None:
        end_read(db)
        return done
    mappings = structure_mappings(db, firm_id)
    # Read once, so that the database is not touched at all while XPM is being read.
    stored = _linked_uuids(db, firm_id, provider)
    end_read(db)  # hold no connection while waiting on XPM
    # The register entity is read while XPM is (its one call overlaps XPM's round trips).
    wanted = link_nzbn if link_nzbn and choices.kind == "company" else None
    if entity is not None and entity.nzbn != wanted:
        entity = None  # not the one to link: read the one chosen
    elif entity is not None:
        wanted = None  # the form's entity is linked as the user saw it
    beside = ThreadPoolExecutor(max_workers=1, thread_name_prefix="register-import")
    entity_read = beside.submit(linked.entity_for, register, wanted) if wanted else None
    try:
        fetched = read_graph(
            api,
            uuid,
            root=root,
            stored=stored,
            mappings=mappings,
            max_depth=max_depth,
            on_read=on_read,
        )
    except XpmError as error:
        raise _failed(error) from error
    finally:
        beside.shutdown(wait=True)  # no register call goes on once the import has answered
    if fetched.root.is_deleted:
        raise ImportFailed(
            f"{fetched.root.name} is marked as deleted in XPM, so it was not imported.",
            retryable=False,
        )
    if entity_read is not None:
        try:
            entity = entity_read.result()
        except RegisterError as error:
            log.warning("Import stopped while reading the register: %s", error.detail or error)
            raise ImportFailed(
                f"Nothing was imported. {error} {SAFE} To import it now, untick "
                "“Also link to the Companies Office”.",
                error.retryable,
            ) from error
    now = utcnow()
    plan = build_plan(fetched, mappings, choices, firm_id=firm_id, provider=provider, now=now)
    if entity is not None:
        plan = replace(
            plan, register=entity, notes=plan.notes + _register_notes(plan, fetched.root, entity)
        )
    return _save(db, plan, user_id)


def _register_notes(plan, root: XpmClient, entity) -> tuple[str, ...]:
    """What the register says differently from XPM and the import does not take, for the
    profile it opens (§10.4)."""
    names = {normal_uuid(r.related_client_uuid): r.related_client_name for r in root.relationships}
    parties = [
        linked.Party(
            link.party_uuid, names.get(link.party_uuid, ""), link.role, link.shares, link.end_date
        )
        for link in plan.links
        if link.entity_uuid == plan.root_uuid and link.party_uuid in names
    ]
    found = linked.reconcile(entity, parties)
    return tuple(found.notes(plan.choices.register_take))


def read_graph(
    api: XpmApi,
    root_uuid: str,
    *,
    stored: set[str],
    mappings: dict[str, str],
    root: XpmClient | None = None,
    max_depth: int = DEFAULT_DEPTH,
    workers: int = IN_FLIGHT,
    on_read: Callable[[int, int], None] | None = None,
) -> Fetched:
    """Read ``root_uuid`` (unless its record is given as ``root``) and its related clients.

    Each related client is read at most once, up to five at a time (XPM's limit per
    practice), as soon as it is discovered rather than a level at a time. An entity's own
    relationships are followed (``plan.follows``) to ``max_depth``; a client in ``stored``
    (already in the portal) is linked, not read; a cycle ends where a client has been
    seen. ``on_read(read, known)`` is told each time one more related client has been read.
    Raises the XPM error of the first call that fails (a related client that no longer
    exists is noted in ``missing`` instead).
    """
    calls = 0 if root is not None else 1
    root = root or api.get(root_uuid)
    root_key = normal_uuid(root.uuid or root_uuid)
    fetched = Fetched(root=root, clients={root_key: root}, depth={root_key: 0}, calls=calls)
    names: dict[str, str] = {}
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="xpm-import")
    pending: dict[Future, str] = {}

    def discover(client: XpmClient, depth: int) -> None:
        if depth >= max_depth or (depth > 0 and not follows(client, mappings)):
            return
        related = related_clients(client)
        for uuid, name in related.items():
            names.setdefault(uuid, name)
        for uuid in sorted(related.keys() - fetched.depth.keys()):
            fetched.depth[uuid] = depth + 1
            if uuid in stored:
                fetched.stored.add(uuid)
            else:
                pending[pool.submit(api.get, uuid)] = uuid

    try:
        discover(root, 0)
        while pending:
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                uuid = pending.pop(future)
                fetched.calls += 1
                try:
                    client = future.result()
                except XpmNotFound:
                    fetched.missing[uuid] = names.get(uuid, uuid)
                    continue
                fetched.clients[uuid] = client
                discover(client, fetched.depth[uuid])
            if on_read is not None:
                on_read(len(fetched.clients) + len(fetched.missing) - 1, len(fetched.depth) - 1)
    finally:
        # On a failure, calls not yet started are dropped, and those under way are waited
        # for (each within its deadline), so none goes on once the import has answered.
        pool.shutdown(wait=True, cancel_futures=True)
    return fetched


def _failed(error: XpmError) -> ImportFailed:
    """What staff are told when reading XPM stopped an import or a form."""
    log.warning("Import stopped while reading XPM: %s", error.detail or type(error).__name__)
    return ImportFailed(f"Nothing was imported. {error} {SAFE}", error.retryable)


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
        except RegisterConflict as conflict:
            raise ImportFailed(f"Nothing was imported: {conflict}", retryable=False) from None
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

"""Reading a page of the directory, and writing into it what XPM said."""

from collections.abc import Iterable
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from itertools import islice

from sqlalchemy import and_, delete, func, select, text, tuple_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from portal.directory.counts import Counts
from portal.directory.entry import entry_values, names_a_person
from portal.models import DirectoryEntry, Profile
from portal.text import fold
from portal.xpm.records import XpmClient

PAGE_SIZE = 25
#: A search counts its matches up to this many ("more than 1,000"): counting them all
#: would cost a scan of the whole directory for a word most names hold.
COUNT_UP_TO = 1000
BATCH = 500  # rows per statement: well inside every database's limit on parameters
#: Fields only detailed answers carry: a basic listing's empty value means "not sent".
DETAIL_FIELDS = ("business_structure", "company_number", "business_number")
#: Flags some answers leave out (search says nothing of archived or deleted): None there.
FLAGS = ("is_archived", "is_deleted", "is_prospect")
COMPARED = (
    "name",
    *DETAIL_FIELDS,
    "email",
    "address",
    "city",
    "birth_year",
    "is_archived",
    "is_deleted",
    "is_prospect",
)


@dataclass(frozen=True)
class Practice:
    """Whose directory: one firm's clients in the practice (tenant) it is connected to."""

    firm_id: int
    provider: str
    tenant_id: str


@dataclass(frozen=True)
class Search:
    """What the panel asks for: a name (or nothing), archived too or not, and where to go on."""

    text: str = ""
    archived: bool = False
    after: str | None = None  # the UUID of the last row already shown
    limit: int = PAGE_SIZE


@dataclass(frozen=True)
class Row:
    """One client of the practice, and what the firm has made of it in the portal."""

    client_uuid: str
    name: str
    business_structure: str
    company_number: str
    is_archived: bool | None  # None: XPM has not said (a search found it)
    is_deleted: bool | None
    is_prospect: bool | None
    profile_id: int | None
    standing: str | None  # the profile's: "client" (imported) or "contact"
    #: A detailed answer has given its structure (basic listings leave it out).
    detailed: bool = False
    #: What tells clients of one name apart (docs/spec.md §12).
    business_number: str = ""
    email: str = ""
    address: str = ""
    city: str = ""
    birth_year: int | None = None

    @property
    def imported(self) -> bool:
        return self.standing == "client"

    @property
    def contact(self) -> bool:
        return self.standing == "contact"


@dataclass(frozen=True)
class Listing:
    """One page of rows; ``total`` counts the matches (on the first page only; a search's
    up to ``COUNT_UP_TO`` and one more)."""

    rows: list[Row]
    total: int | None
    more: bool
    #: ``COUNT_UP_TO`` when a search has more matches than it counted.
    more_than: int | None = None


def rows_with_profiles():
    """A select of directory rows (as ``Row``) with the profile each is linked to, if any."""
    entry = DirectoryEntry
    linked = and_(
        Profile.firm_id == entry.firm_id,
        Profile.xpm_provider == entry.provider,
        Profile.xpm_client_uuid == entry.client_uuid,
    )
    return select(
        entry.client_uuid,
        entry.name,
        entry.business_structure,
        entry.company_number,
        entry.is_archived,
        entry.is_deleted,
        entry.is_prospect,
        Profile.id,
        Profile.standing,
        entry.detailed_at.is_not(None),
        entry.business_number,
        entry.email,
        entry.address,
        entry.city,
        entry.birth_year,
    ).outerjoin(Profile, linked)


def listing(
    db: Session, practice: Practice, search: Search, counts: Counts | None = None
) -> Listing:
    """A page of the practice's clients in name order, matched without case or macrons;
    a full first page is counted (through ``counts`` when given)."""
    entry = DirectoryEntry
    conditions = [entry.firm_id == practice.firm_id, entry.provider == practice.provider]
    if not search.archived:
        conditions += [entry.is_archived.is_(False), entry.is_deleted.is_(False)]
    needle = fold(search.text)
    if needle:
        conditions.append(entry.sort_name.contains(needle, autoescape=True))
    matching = list(conditions)
    if search.after is not None:
        conditions.append(_after(practice, search.after))
    statement = (
        rows_with_profiles()
        .where(*conditions)
        .order_by(entry.sort_name, entry.client_uuid)
        .limit(search.limit + 1)
    )
    with _by_trigrams(db, needle):
        rows = [Row(*values) for values in db.execute(statement)]
        more = len(rows) > search.limit
        total = None
        if search.after is None and not more:
            total = len(rows)  # a short page counts itself
        elif search.after is None:
            key = (practice, search.archived, needle)
            limit = COUNT_UP_TO + 1 if needle else None
            count = lambda: _count(db, matching, limit)  # noqa: E731
            total = counts.get(key, count) if counts else count()
    more_than = COUNT_UP_TO if needle and total is not None and total > COUNT_UP_TO else None
    return Listing(rows=rows[: search.limit], total=total, more=more, more_than=more_than)


@contextmanager
def _by_trigrams(db: Session, needle: str):
    """On PostgreSQL, find the names holding ``needle`` by their trigrams: its planner
    would rather walk every name in order, which at 50,000 clients costs three times as
    much for a search that matches a few hundred (a needle of 3 characters or more)."""
    trigrams = len(needle) >= 3 and db.get_bind().dialect.name == "postgresql"
    if trigrams:
        db.execute(text("SET LOCAL enable_seqscan = off"))
        db.execute(text("SET LOCAL enable_indexscan = off"))
    try:
        yield
    finally:
        if trigrams:
            db.execute(text("SET LOCAL enable_seqscan = on"))
            db.execute(text("SET LOCAL enable_indexscan = on"))


def _count(db: Session, conditions: list, limit: int | None = None) -> int:
    entry = DirectoryEntry
    if limit is None:
        return db.scalar(select(func.count()).select_from(entry).where(*conditions)) or 0
    found = select(entry.id).where(*conditions).limit(limit).subquery()
    return db.scalar(select(func.count()).select_from(found)) or 0


def _after(practice: Practice, client_uuid: str):
    """Rows after the one with ``client_uuid`` in name order (keyset: rows added while the
    user scrolls shift nothing)."""
    entry = DirectoryEntry
    position = (
        select(entry.sort_name)
        .where(
            entry.firm_id == practice.firm_id,
            entry.provider == practice.provider,
            entry.client_uuid == client_uuid,
        )
        .scalar_subquery()
    )
    return tuple_(entry.sort_name, entry.client_uuid) > tuple_(position, client_uuid)


def upsert(
    db: Session, practice: Practice, clients: Iterable[XpmClient], *, detailed: bool, now: datetime
) -> int:
    """Store ``clients`` as XPM described them; returns how many were new or different.

    A basic listing does not carry the detailed fields, so it never blanks them out.
    """
    changed, pending = 0, iter(clients)
    while batch := list(islice(pending, BATCH)):
        changed += _upsert_batch(db, practice, batch, detailed, now)
    return changed


def _upsert_batch(
    db: Session, practice: Practice, clients: list[XpmClient], detailed: bool, now: datetime
) -> int:
    values = {
        c.uuid: entry_values(practice.firm_id, practice.provider, c, now, detailed)
        for c in clients
        if c.uuid
    }
    described = {c.uuid: c for c in clients if c.uuid}
    if not values:
        return 0
    entry = DirectoryEntry
    existing = {
        row.client_uuid: row
        for row in db.execute(
            select(
                entry.client_uuid, entry.detailed_at, *(getattr(entry, name) for name in COMPARED)
            ).where(
                entry.firm_id == practice.firm_id,
                entry.provider == practice.provider,
                entry.client_uuid.in_(list(values)),
            )
        )
    }
    changed = 0
    for client_uuid, new in values.items():
        old = existing.get(client_uuid)
        if old is not None and not detailed:
            for name in DETAIL_FIELDS:
                new[name] = new[name] or getattr(old, name)
            new["detailed_at"] = old.detailed_at
        for name in FLAGS:  # not said: as stored (a new entry stays "not said")
            if new[name] is None and old is not None:
                new[name] = getattr(old, name)
        if old is not None and not names_a_person(described[client_uuid]):
            new["birth_year"] = old.birth_year  # a search leaves out whose date it is
        if old is None or any(new[name] != getattr(old, name) for name in COMPARED):
            changed += 1
    dialect = postgresql if db.get_bind().dialect.name == "postgresql" else sqlite
    statement = dialect.insert(entry).values(list(values.values()))
    updated = (*COMPARED, "sort_name", "seen_at", "detailed_at")
    db.execute(
        statement.on_conflict_do_update(
            index_elements=["firm_id", "provider", "client_uuid"],
            set_={name: statement.excluded[name] for name in updated},
        )
    )
    return changed


def not_said(db: Session, practice: Practice, uuids: Iterable[str]) -> list[str]:
    """Those of ``uuids`` XPM has never said are active, archived or deleted."""
    entry = DirectoryEntry
    return list(
        db.scalars(
            select(entry.client_uuid).where(
                entry.firm_id == practice.firm_id,
                entry.provider == practice.provider,
                entry.client_uuid.in_(list(uuids)),
                entry.is_archived.is_(None),
            )
        )
    )


def settle_unlisted(db: Session, practice: Practice, uuids: Iterable[str]) -> int:
    """Mark as archived (or deleted: which, XPM does not say) the clients of ``uuids`` that
    its search found but neither its list of active clients nor its changes since hold."""
    entry = DirectoryEntry
    result = db.execute(
        update(entry)
        .where(
            entry.firm_id == practice.firm_id,
            entry.provider == practice.provider,
            entry.client_uuid.in_(list(uuids)),
            entry.is_archived.is_(None),
        )
        .values(is_archived=True, is_prospect=False)
    )
    return result.rowcount or 0


def remove_unseen(db: Session, practice: Practice, since: datetime) -> int:
    """Drop active entries a complete read no longer listed: archived, deleted or merged in
    XPM since (which of those, only a search or a change listing can say)."""
    entry = DirectoryEntry
    result = db.execute(
        delete(entry).where(
            entry.firm_id == practice.firm_id,
            entry.provider == practice.provider,
            entry.seen_at < since,
            entry.is_archived.is_(False),
            entry.is_deleted.is_(False),
        )
    )
    return result.rowcount or 0


def forget(db: Session, firm_id: int, provider: str) -> None:
    """Empty a firm's directory for ``provider`` (it now connects to another practice)."""
    entry = DirectoryEntry
    db.execute(delete(entry).where(entry.firm_id == firm_id, entry.provider == provider))

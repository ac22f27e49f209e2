"""How fresh a practice's directory is, and the claim one worker holds while refreshing it."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portal.database import writing
from portal.directory import store
from portal.directory.store import Practice
from portal.models import DirectoryEntry, DirectorySync
from portal.xpm.errors import XpmError

#: At most one refresh a minute per practice: one call of its 60.
REFRESH_EVERY = timedelta(seconds=60)
#: A full read now and then drops what a change listing cannot report (merged clients).
FULL_READ_EVERY = timedelta(days=7)
#: Changes are asked for from a little before the last read began, in case of clock skew.
OVERLAP = timedelta(minutes=5)
#: How long a claim lasts unless the refresh renews it (a worker that dies lets go).
LEASE = timedelta(minutes=2)
#: A refresh running longer than this is reported as slow.
SLOW_AFTER = timedelta(seconds=5)
#: A full read that stopped part way goes on from there if it began this recently.
RESUME_WITHIN = timedelta(hours=1)


@dataclass(frozen=True)
class Freshness:
    """What the panel says about its directory: being read, when last read, what failed."""

    reading: bool = False
    first_read: bool = True  # never read in full yet
    as_of: datetime | None = None  # XPM's changes are known up to then
    problem: str = ""  # the last failure, in words for staff
    slow: bool = False
    due: bool = True  # a refresh should start now
    changed_at: datetime | None = None
    entries: int = 0


@dataclass(frozen=True)
class Claim:
    """The right to refresh: a full read (from its start, or from ``resume_from`` where an
    earlier attempt stopped), or the changes since ``since``."""

    full: bool
    since: datetime | None
    resume_from: str | None = None
    started: datetime | None = None  # when the full read began


def prepare(db: Session, practice: Practice, now: datetime) -> Freshness:
    """The directory's freshness; if the firm now connects to another practice, the old
    practice's entries are dropped first."""
    row = _row(db, practice)
    if row is not None and row.tenant_id != practice.tenant_id:
        with writing(db):
            _start_afresh(db, _row(db, practice), practice)
        row = _row(db, practice)
    if row is None:
        return Freshness()
    reading = row.claimed_until is not None and row.claimed_until > now
    first_read = row.full_synced_at is None
    return Freshness(
        reading=reading,
        first_read=first_read,
        as_of=row.modified_synced_at,
        problem=row.last_error,
        slow=reading and row.last_attempt_at is not None and now - row.last_attempt_at > SLOW_AFTER,
        due=not reading and _due(row, now),
        changed_at=row.changed_at,
        entries=_entries(db, practice) if first_read else 0,
    )


def claim(
    db: Session, practice: Practice, now: datetime, sooner: timedelta | None = None
) -> Claim | None:
    """Take the practice's refresh if one is due and nobody holds it; None otherwise.

    ``sooner``: also when not due yet, if the last read began longer ago than that.
    """
    try:
        with writing(db):
            row = _row(db, practice, lock=True)
            if row is None:
                row = DirectorySync(
                    firm_id=practice.firm_id,
                    provider=practice.provider,
                    tenant_id=practice.tenant_id,
                )
                db.add(row)
                db.flush()
            elif row.tenant_id != practice.tenant_id:
                _start_afresh(db, row, practice)
            held = row.claimed_until is not None and row.claimed_until > now
            if held or not (_due(row, now) or _older(row, now, sooner)):
                return None
            row.claimed_until, row.last_attempt_at = now + LEASE, now
            if row.full_synced_at is None or row.full_synced_at < now - FULL_READ_EVERY:
                began = row.full_read_started_at
                if row.full_read_from and began is not None and began > now - RESUME_WITHIN:
                    return Claim(True, None, resume_from=row.full_read_from, started=began)
                row.full_read_started_at, row.full_read_from = now, None
                return Claim(full=True, since=None, started=now)
            return Claim(full=False, since=row.modified_synced_at - OVERLAP)
    except IntegrityError:  # another worker created the row at the same moment: it refreshes
        return None


def read_since(db: Session, practice: Practice, moment: datetime) -> bool:
    """True if a read of XPM's changes that began at ``moment`` or later has completed."""
    row = _row(db, practice)
    return (
        row is not None
        and row.modified_synced_at is not None
        and (row.modified_synced_at >= moment)
    )


def renew(
    db: Session, practice: Practice, now: datetime, changed: bool, resume_from: str | None = None
) -> None:
    """Keep the claim while a long read goes on, note where a full read has got to (so an
    attempt that stops goes on from there), and say when entries changed (so an open
    panel fills as the read goes)."""
    row = _row(db, practice)
    if row is not None:
        row.claimed_until = now + LEASE
        row.full_read_from = resume_from
        if changed:
            row.changed_at = now


def finish(
    db: Session,
    practice: Practice,
    now: datetime,
    *,
    claim: Claim,
    started: datetime,
    changed: int,
    error: XpmError | None = None,
) -> None:
    """Record how the refresh went and let go of the claim."""
    with writing(db):
        row = _row(db, practice, lock=True)
        if row is None or row.tenant_id != practice.tenant_id:
            return
        row.claimed_until = None
        if changed:
            row.changed_at = now
        if error is None:
            row.last_error = ""
            row.modified_synced_at = claim.started if claim.full else started
            if claim.full:
                row.full_synced_at = now
                row.full_read_from = row.full_read_started_at = None
            row.next_refresh_at = now + REFRESH_EVERY
        else:
            row.last_error = str(error)[:500]
            wait = timedelta(seconds=float(getattr(error, "retry_after", 0) or 0))
            row.next_refresh_at = now + max(REFRESH_EVERY, wait)


def _older(row: DirectorySync, now: datetime, sooner: timedelta | None) -> bool:
    read = row.modified_synced_at
    return (
        sooner is not None
        and row.full_synced_at is not None
        and (read is None or read < now - sooner)
    )


def _due(row: DirectorySync, now: datetime) -> bool:
    return row.next_refresh_at is None or row.next_refresh_at <= now


def _row(db: Session, practice: Practice, lock: bool = False) -> DirectorySync | None:
    statement = select(DirectorySync).where(
        DirectorySync.firm_id == practice.firm_id, DirectorySync.provider == practice.provider
    )
    if lock:
        statement = statement.with_for_update()
    return db.scalar(statement.execution_options(populate_existing=True))


def _start_afresh(db: Session, row: DirectorySync, practice: Practice) -> None:
    store.forget(db, practice.firm_id, practice.provider)
    row.tenant_id = practice.tenant_id
    row.full_synced_at = row.modified_synced_at = row.next_refresh_at = None
    row.claimed_until, row.last_error = None, ""


def _entries(db: Session, practice: Practice) -> int:
    entry = DirectoryEntry
    return (
        db.scalar(
            select(func.count())
            .select_from(entry)
            .where(entry.firm_id == practice.firm_id, entry.provider == practice.provider)
        )
        or 0
    )

"""Running a confirmed import on the application's background runner (``portal.jobs``).

The thread prepares the import row by row (reading only), recording its progress in the
database as it goes, then writes every valid row in one short transaction: the import
lands whole or not at all. If the firm's profiles moved between the two steps, the
import is prepared again inside the transaction. A server that stops mid-way leaves an
import whose heartbeat goes stale; it can then be started again.
"""

import logging
from datetime import timedelta
from functools import partial

from flask import Flask
from sqlalchemy import and_, insert, or_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portal import audit
from portal import db as database
from portal.bulk import stored
from portal.bulk.planning import Plan, firm_version, prepare
from portal.bulk.stored import Conflict
from portal.db import utcnow
from portal.models import Association, BulkImport, BulkImportRow, Profile
from portal.models.bulk import RUNNING

log = logging.getLogger("portal.bulk")
#: An import whose heartbeat is older than this stopped with its server.
STALE_AFTER = timedelta(minutes=2)
FAILED = (
    "Something went wrong while writing the import, so nothing was written. Try again; "
    "if it happens again, tell your administrator."
)


def stalled(batch: BulkImport) -> bool:
    """True for an import that says it is running but has not moved for a while."""
    return batch.running and (batch.heartbeat_at or batch.created_at) < utcnow() - STALE_AFTER


def confirm(db: Session, firm_id: int, batch_id: int, user_id: int) -> bool:
    """Queue a checked (or failed, or stalled) import; False if it is running or done."""
    now = utcnow()
    startable = or_(
        BulkImport.status.in_(("checked", "failed")),
        and_(BulkImport.status.in_(RUNNING), BulkImport.heartbeat_at < now - STALE_AFTER),
    )
    with database.writing(db):
        result = db.execute(
            update(BulkImport)
            .where(BulkImport.id == batch_id, BulkImport.firm_id == firm_id, startable)
            .values(
                status="queued",
                confirmed_by_id=user_id,
                confirmed_at=now,
                heartbeat_at=now,
                prepared=0,
                failure="",
            )
            .execution_options(synchronize_session=False)
        )
    return result.rowcount == 1


def start(app: Flask, batch_id: int) -> None:
    """Run a confirmed import on the application's runner, with its own context and session."""
    app.extensions["portal.jobs"].submit(("bulk", batch_id), partial(_run, app, batch_id), "bulk")


def _run(app: Flask, batch_id: int) -> None:
    with app.app_context():
        db = database.session()
        try:
            run(db, batch_id)
        except Conflict as conflict:
            _fail(db, batch_id, str(conflict))
        except Exception:
            log.exception("Bulk import %s failed", batch_id)
            _fail(db, batch_id, FAILED)


def run(db: Session, batch_id: int) -> None:
    """Prepare the import (with progress), then write it in one transaction."""
    batch = db.get(BulkImport, batch_id)
    _record(db, batch_id, status="preparing")
    plan = prepare(db, batch, progress=lambda done: _record(db, batch_id, prepared=done))
    _record(db, batch_id, status="writing")
    try:
        _write_checked(db, batch, plan)
    except IntegrityError:
        # Another writer got in between (PostgreSQL commits concurrently): start afresh.
        db.rollback()
        _write_checked(db, batch, None)


def _write_checked(db: Session, batch: BulkImport, plan: Plan | None) -> None:
    with database.writing(db):
        if plan is None or firm_version(db, batch.firm_id) != plan.version:
            plan = prepare(db, batch)
        write(db, batch, plan)


def _record(db: Session, batch_id: int, **values) -> None:
    """Commit the import's progress at once, where every page that polls can see it."""
    with database.writing(db):
        db.execute(
            update(BulkImport)
            .where(BulkImport.id == batch_id)
            .values(heartbeat_at=utcnow(), **values)
            .execution_options(synchronize_session=False)
        )


def write(db: Session, batch: BulkImport, plan: Plan) -> None:
    """Write everything ``plan`` decided, inside the caller's transaction."""
    ids: dict = {}
    if plan.creates:
        # One executemany; the new ids are read back by client reference, unique per firm.
        db.execute(insert(stored.PROFILES), list(plan.creates.values()))
        ids = stored.ids(db, batch.firm_id, list(plan.creates))

    def resolve(key):
        """A profile's id: a stored one's own, or the one a new profile just got."""
        return ids[key] if isinstance(key, str) else key

    now = utcnow()
    if plan.updates:
        db.execute(
            update(Profile), [{"id": k, **v, "updated_at": now} for k, v in plan.updates.items()]
        )
    if plan.new_links:
        db.execute(
            insert(stored.ASSOCIATIONS),
            [
                {k: v for k, v in link.items() if k not in ("profile", "party")}
                | {"profile_id": resolve(link["profile"]), "party_id": resolve(link["party"])}
                for link in plan.new_links
            ],
        )
    if plan.link_updates:
        db.execute(update(Association), plan.link_updates)
    if plan.outcomes:
        db.execute(
            update(BulkImportRow),
            [
                {"id": o["id"], "outcome": o["outcome"], "profile_id": resolve(o["key"])}
                for o in plan.outcomes
            ],
        )
    counts = {name: plan.counts[name] for name in COUNTED}
    _finish(db, batch, "done", counts)
    audit.record(
        db,
        "bulk_import",
        address=None,
        firm_id=batch.firm_id,
        user_id=batch.confirmed_by_id,
        object_type="bulk_import",
        object_id=batch.id,
        summary=summary(batch.filename, counts, batch.error_rows),
        detail={"file": batch.filename, "sha256": batch.file_sha256, **counts},
    )


COUNTED = (
    "created",
    "updated",
    "unchanged",
    "links_created",
    "links_updated",
    "links_unchanged",
)


def summary(filename: str, counts: dict, not_imported: int) -> str:
    """One line for the audit log: what the import did."""
    text = (
        f"Bulk import of {filename}: {counts['created']} created, {counts['updated']} updated, "
        f"{counts['unchanged']} unchanged; associations {counts['links_created']} added, "
        f"{counts['links_updated']} updated"
    )
    return text + (f"; {not_imported} rows with problems not imported" if not_imported else "")


def _finish(db: Session, batch: BulkImport, status: str, values: dict) -> None:
    db.execute(
        update(BulkImport)
        .where(BulkImport.id == batch.id)
        .values(status=status, finished_at=utcnow(), heartbeat_at=utcnow(), **values)
        .execution_options(synchronize_session=False)
    )


def _fail(db: Session, batch_id: int, message: str) -> None:
    db.rollback()
    batch = db.get(BulkImport, batch_id)
    with database.writing(db):
        _finish(db, batch, "failed", {"failure": message[:1000]})
        audit.record(
            db,
            "bulk_import",
            address=None,
            firm_id=batch.firm_id,
            user_id=batch.confirmed_by_id,
            outcome="failed",
            object_type="bulk_import",
            object_id=batch.id,
            summary=f"Bulk import of {batch.filename} failed; nothing was written: {message}",
        )

"""Confirming a checked bulk import and writing it, on the application's background runner.

Read in this order:

- **What is stored** — the firm's profiles and associations, read in chunks.
- **The plan** — each checked row against the firm's profiles, decided before writing. A
  row whose client reference is new creates a profile; a known one updates only the
  columns whose value differs (an empty cell leaves the stored value alone); a row that
  changes nothing is left unchanged. Association rows are matched on (profile, party,
  role): a profile is named by its id when it is stored already, or by its client
  reference when this import creates it. Every profile the import touches gets its setup
  status recomputed from the checklist, with the associations it will have afterwards.
- **The run** — the import is prepared row by row (reading only), its progress recorded
  in the database as it goes, then every valid row is written in one short transaction:
  the import lands whole or not at all. If the firm's profiles moved between the two
  steps, it is prepared again inside the transaction. A server that stops mid-way leaves
  an import whose heartbeat goes stale; it can then be started again.
"""

import logging
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from functools import partial
from types import SimpleNamespace

from flask import Flask
from sqlalchemy import and_, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portal import audit, database, identifiers
from portal.bulk.columns import COLUMNS
from portal.clients.checklist import checklist, setup_status
from portal.clients.service import display_name
from portal.database import utcnow
from portal.models import Association, BulkImport, BulkImportRow, Profile
from portal.models.bulk import RUNNING
from portal.text import fold

# --- What is stored ------------------------------------------------------------------------
CHUNK = 500
PROFILES = Profile.__table__
ASSOCIATIONS = Association.__table__
DATE_KEYS = frozenset(c.key for c in COLUMNS if c.parse in ("date", "past_date"))


class Conflict(RuntimeError):
    """The firm's profiles changed since the file was checked in a way the import cannot
    resolve on its own; the message says what to do."""


def typed(data: dict) -> dict:
    """A checked row's stored JSON values back in their Python types."""
    values = dict(data)
    for key in DATE_KEYS & values.keys():
        values[key] = date.fromisoformat(values[key])
    if "percentage" in values:
        values["percentage"] = Decimal(values["percentage"])
    return values


def stored_profiles(db: Session, firm_id: int, column, keys) -> dict:
    """Stored profiles' values, by ``column`` (client reference or id), for ``keys``."""
    found = {}
    keys = list(keys)
    for start in range(0, len(keys), CHUNK):
        statement = select(PROFILES).where(
            PROFILES.c.firm_id == firm_id, column.in_(keys[start : start + CHUNK])
        )
        for row in db.execute(statement).mappings():
            found[row[column.key]] = dict(row)
    return found


def stored_ids(db: Session, firm_id: int, references: list[str]) -> dict[str, int]:
    """The ids of the firm's profiles with these client references."""
    found = {}
    column = PROFILES.c.client_reference
    for start in range(0, len(references), CHUNK):
        statement = select(column, PROFILES.c.id).where(
            PROFILES.c.firm_id == firm_id, column.in_(references[start : start + CHUNK])
        )
        found.update(dict(db.execute(statement).all()))
    return found


def stored_associations(db: Session, firm_id: int, profile_ids: list[int]) -> Iterator[dict]:
    """Every association held on ``profile_ids``, oldest first."""
    for start in range(0, len(profile_ids), CHUNK):
        statement = select(ASSOCIATIONS).where(
            ASSOCIATIONS.c.firm_id == firm_id,
            ASSOCIATIONS.c.profile_id.in_(profile_ids[start : start + CHUNK]),
        )
        yield from (
            dict(row) for row in db.execute(statement.order_by(ASSOCIATIONS.c.id)).mappings()
        )


# --- Association rows ----------------------------------------------------------------------
LINK_FIELDS = ("shares", "percentage", "start_date", "end_date")


def plan_links(db: Session, firm_id: int, chunk: list, plan) -> None:
    """Decide what each association row of ``chunk`` does: add, update or leave a link."""
    references = {r.reference for r in chunk} | {r.other_reference for r in chunk}
    unknown = [ref for ref in references if ref not in plan.keys]
    for ref, row in stored_profiles(db, firm_id, PROFILES.c.client_reference, unknown).items():
        plan.keys[ref] = row["id"]
    targets = [plan.keys.get(r.other_reference) for r in chunk]
    existing: dict[tuple, dict] = {}
    for row in stored_associations(db, firm_id, sorted({t for t in targets if isinstance(t, int)})):
        existing.setdefault((row["profile_id"], row["party_id"], row["role"]), row)
    for row in chunk:
        outcome = _plan_link(row, plan, existing, firm_id)
        plan.counts["links_" + outcome] += 1


def _plan_link(row, plan, existing: dict, firm_id: int) -> str:
    party, target = plan.keys.get(row.reference), plan.keys.get(row.other_reference)
    if party is None or target is None:
        gone = row.reference if party is None else row.other_reference
        raise Conflict(
            f"Line {row.line}: no profile has the client reference “{gone}” any more. "
            "Upload the file again to check it against the portal as it is now."
        )
    values = typed(row.data)
    fields = {k: values[k] for k in LINK_FIELDS if k in values}
    found = existing.get((target, party, values["role"]))
    plan.outcomes.append({"id": row.id, "outcome": None, "key": target})
    if found is None:
        link = dict.fromkeys(LINK_FIELDS) | fields
        link |= {"firm_id": firm_id, "role": values["role"], "label": ""}
        plan.new_links.append(link | {"profile": target, "party": party})
        plan.outcomes[-1]["outcome"] = "created"
        return "created"
    changes = {k: v for k, v in fields.items() if found[k] != v}
    merged = found | changes
    if merged["start_date"] and merged["end_date"] and merged["end_date"] < merged["start_date"]:
        raise Conflict(
            f"Line {row.line}: the end date would fall before the start date the portal "
            "holds for this role. Correct the dates and upload the file again."
        )
    outcome = "updated" if changes else "unchanged"
    if changes:
        plan.link_updates.append({"id": found["id"], "profile_id": target, **changes})
        found.update(changes)
    plan.outcomes[-1]["outcome"] = outcome
    return outcome


def touched(plan) -> set[int]:
    """Stored profiles whose associations the import adds or changes."""
    added = {link["profile"] for link in plan.new_links}
    return {k for k in added if isinstance(k, int)} | {u["profile_id"] for u in plan.link_updates}


def held_on(db: Session, firm_id: int, plan, keys) -> dict:
    """The associations each of ``keys`` will hold after the import, for its checklist."""
    updates = {update["id"]: update for update in plan.link_updates}
    held: dict = {}
    for row in stored_associations(db, firm_id, sorted(k for k in keys if isinstance(k, int))):
        held.setdefault(row["profile_id"], []).append(
            _association(row | updates.get(row["id"], {}))
        )
    for link in plan.new_links:
        if link["profile"] in keys:
            held.setdefault(link["profile"], []).append(_association(link))
    return held


def _association(values: dict) -> SimpleNamespace:
    """What the checklist reads of an association: its role, shares and dates."""
    return SimpleNamespace(role=values["role"], **{k: values[k] for k in LINK_FIELDS})


# --- The plan ------------------------------------------------------------------------------
CHUNK = 500
PROFILE_KEYS = frozenset(PROFILES.columns.keys()) - {"id", "created_at", "updated_at"}


@dataclass
class Plan:
    """Everything the import will write, decided before the write transaction opens."""

    version: tuple
    creates: dict[str, dict] = field(default_factory=dict)
    updates: dict[int, dict] = field(default_factory=dict)
    #: Every profile the file names: its id (existing) or its reference (to be created).
    keys: dict[str, int | str] = field(default_factory=dict)
    #: Final values of each profile the import creates or changes, by key.
    finals: dict[int | str, dict] = field(default_factory=dict)
    outcomes: list[dict] = field(default_factory=list)
    new_links: list[dict] = field(default_factory=list)
    link_updates: list[dict] = field(default_factory=list)
    counts: Counter = field(default_factory=Counter)


class Snapshot:
    """A profile's values read like a ``Profile`` (its properties too), without the ORM's
    instrumentation: building ten thousand of them for the checklist stays cheap."""

    def __init__(self, values: dict):
        self.__dict__.update(values)


for _name, _member in vars(Profile).items():
    if isinstance(_member, property):
        setattr(Snapshot, _name, _member)


def firm_version(db: Session, firm_id: int) -> tuple:
    """A fingerprint of the firm's profiles and associations: it moves when either changes."""
    profiles = db.execute(
        select(func.count(Profile.id), func.max(Profile.id), func.max(Profile.updated_at)).where(
            Profile.firm_id == firm_id
        )
    ).one()
    associations = db.execute(
        select(func.count(Association.id), func.max(Association.id)).where(
            Association.firm_id == firm_id
        )
    ).one()
    return (*profiles, *associations)


def blank_profile() -> dict:
    """Every profile column at its default: what a new profile holds before its values."""
    values = {}
    for column in PROFILES.columns:
        if column.key in PROFILE_KEYS:
            default = column.default
            values[column.key] = default.arg if default is not None and default.is_scalar else None
    return values


def staged(db: Session, batch_id: int, record: str) -> Iterator[list]:
    """The valid checked rows of one record type, in chunks, in file order."""
    last = 0
    while True:
        chunk = db.execute(
            select(
                BulkImportRow.id,
                BulkImportRow.line,
                BulkImportRow.reference,
                BulkImportRow.other_reference,
                BulkImportRow.kind,
                BulkImportRow.data,
            )
            .where(
                BulkImportRow.bulk_import_id == batch_id,
                BulkImportRow.record == record,
                BulkImportRow.valid.is_(True),
                BulkImportRow.id > last,
            )
            .order_by(BulkImportRow.id)
            .limit(CHUNK)
        ).all()
        if not chunk:
            return
        yield chunk
        last = chunk[-1].id


def prepare(db: Session, batch: BulkImport, progress: Callable[[int], None] | None = None) -> Plan:
    """Decide what every valid row of ``batch`` will do; ``progress`` hears the count so far."""
    plan = Plan(version=firm_version(db, batch.firm_id))
    done = 0
    for chunk in staged(db, batch.id, "profile"):
        _profiles(db, batch.firm_id, chunk, plan)
        done += len(chunk)
        if progress:
            progress(done)
    for chunk in staged(db, batch.id, "association"):
        plan_links(db, batch.firm_id, chunk, plan)
        done += len(chunk)
        if progress:
            progress(done)
    _statuses(db, batch.firm_id, plan)
    return plan


def _profiles(db: Session, firm_id: int, chunk: list, plan: Plan) -> None:
    references = [r.reference for r in chunk]
    found = stored_profiles(db, firm_id, PROFILES.c.client_reference, references)
    for row in chunk:
        values = typed(row.data)
        columns = {k: v for k, v in values.items() if k in PROFILE_KEYS}
        existing = found.get(row.reference)
        if existing is None:
            new = blank_profile() | columns | {"firm_id": firm_id, "origin": "bulk"}
            _derive(new, columns)
            plan.creates[row.reference] = plan.finals[row.reference] = new
            plan.keys[row.reference] = row.reference
            outcome = "created"
        else:
            if existing["kind"] != row.kind:
                raise Conflict(
                    f"Client reference “{row.reference}” is now a {existing['kind']} in the "
                    "portal. Upload the file again to check it against the portal as it is now."
                )
            changes = _changes(existing, columns)
            plan.keys[row.reference] = existing["id"]
            plan.finals[existing["id"]] = existing | changes
            if changes:
                plan.updates[existing["id"]] = changes
            outcome = "updated" if changes else "unchanged"
        plan.counts[outcome] += 1
        plan.outcomes.append({"id": row.id, "outcome": outcome, "key": plan.keys[row.reference]})


def _changes(existing: dict, columns: dict) -> dict:
    """The columns whose value differs; a client row makes a contact a client."""
    if columns.get("standing") == "contact" or existing["standing"] == "client":
        columns = {k: v for k, v in columns.items() if k != "standing"}
    changes = {k: v for k, v in columns.items() if existing[k] != v}
    if changes:
        merged = existing | changes
        _derive(merged, changes)
        changes = {k: v for k, v in merged.items() if existing[k] != v}
    return changes


def _derive(values: dict, changed: dict) -> None:
    """Fill the columns that follow from others: the name, its sort form, a masked IRD."""
    values["name"] = display_name(values["kind"], values)
    values["sort_name"] = fold(values["name"])
    if "ird_number" in changed:
        values["ird_number_masked"] = identifiers.masked_ird_number(values["ird_number"] or "")


def _statuses(db: Session, firm_id: int, plan: Plan) -> None:
    """Recompute the setup status of every profile the import creates or changes."""
    targets = set(plan.creates) | set(plan.updates) | touched(plan)
    missing = [key for key in targets if key not in plan.finals]
    plan.finals |= stored_profiles(db, firm_id, PROFILES.c.id, missing)
    held = held_on(db, firm_id, plan, targets)
    for key in targets:
        values = plan.finals[key]
        status = setup_status(checklist(Snapshot(values), held.get(key, [])))
        if isinstance(key, str):
            values["setup_status"] = status
        elif status != values["setup_status"]:
            plan.updates.setdefault(key, {})["setup_status"] = status


# --- The run -------------------------------------------------------------------------------
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
        db.execute(insert(PROFILES), list(plan.creates.values()))
        ids = stored_ids(db, batch.firm_id, list(plan.creates))

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
            insert(ASSOCIATIONS),
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
    _finish(db, batch, "done", counts, summary(batch.filename, counts, batch.error_rows))


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


def _finish(db: Session, batch: BulkImport, status: str, values: dict, summary: str) -> None:
    """End the import as ``status`` (done or failed) and audit it, in the caller's transaction;
    a finished import's detail holds the file and its counts."""
    db.execute(
        update(BulkImport)
        .where(BulkImport.id == batch.id)
        .values(status=status, finished_at=utcnow(), heartbeat_at=utcnow(), **values)
        .execution_options(synchronize_session=False)
    )
    audit.record(
        db,
        "bulk_import",
        address=None,
        firm_id=batch.firm_id,
        user_id=batch.confirmed_by_id,
        outcome="ok" if status == "done" else "failed",
        object_type="bulk_import",
        object_id=batch.id,
        summary=summary,
        detail={"file": batch.filename, "sha256": batch.file_sha256, **values}
        if status == "done"
        else None,
    )


def _fail(db: Session, batch_id: int, message: str) -> None:
    db.rollback()
    batch = db.get(BulkImport, batch_id)
    with database.writing(db):
        failed = f"Bulk import of {batch.filename} failed; nothing was written: {message}"
        _finish(db, batch, "failed", {"failure": message[:1000]}, failed)

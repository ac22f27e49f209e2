"""Preparing an import: each checked row against the firm's profiles, decided before writing.

A row whose client reference is new creates a profile; a known one updates only the
columns whose value differs (an empty cell leaves the stored value alone); a row that
changes nothing is left unchanged. Association rows are matched the same way on (profile,
party, role). Every profile the import touches gets its setup status recomputed from the
checklist, with the associations it will have afterwards.
"""

from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal import identifiers
from portal.bulk import links, stored
from portal.bulk.stored import Conflict, typed
from portal.clients.checklist import checklist, setup_status
from portal.clients.service import display_name
from portal.models import Association, BulkImport, BulkImportRow, Profile
from portal.text import fold

CHUNK = 500
PROFILE_TABLE = stored.PROFILES
PROFILE_KEYS = frozenset(PROFILE_TABLE.columns.keys()) - {"id", "created_at", "updated_at"}


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
    for column in PROFILE_TABLE.columns:
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
        links.plan_links(db, batch.firm_id, chunk, plan)
        done += len(chunk)
        if progress:
            progress(done)
    _statuses(db, batch.firm_id, plan)
    return plan


def _profiles(db: Session, firm_id: int, chunk: list, plan: Plan) -> None:
    references = [r.reference for r in chunk]
    found = stored.profiles(db, firm_id, PROFILE_TABLE.c.client_reference, references)
    for row in chunk:
        values = typed(row.data)
        columns = {k: v for k, v in values.items() if k in PROFILE_KEYS}
        existing = found.get(row.reference)
        if existing is None:
            new = blank_profile() | columns | {"firm_id": firm_id}
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
    targets = set(plan.creates) | set(plan.updates) | links.touched(plan)
    missing = [key for key in targets if key not in plan.finals]
    plan.finals |= stored.profiles(db, firm_id, PROFILE_TABLE.c.id, missing)
    held = links.held_on(db, firm_id, plan, targets)
    for key in targets:
        values = plan.finals[key]
        status = setup_status(checklist(Snapshot(values), held.get(key, [])))
        if isinstance(key, str):
            values["setup_status"] = status
        elif status != values["setup_status"]:
            plan.updates.setdefault(key, {})["setup_status"] = status

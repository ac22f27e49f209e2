"""The one transaction that stores a report: all of it, or nothing.

The firm's profiles are matched again inside it (``matching``); new profiles are inserted
a chunk at a time, profiles matched by name get the file's UUID as their XPM link, and
associations already held (same profile, party and role) are left alone, so importing the
same file again changes nothing. One audit event says what came in.
"""

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from portal import audit
from portal.clients.checklist import checklist, setup_status
from portal.database import utcnow, writing
from portal.importing.mapping import UNKNOWN_KIND, kind_for, profile_values
from portal.importing.write import remember_structure
from portal.models import Association, Profile
from portal.report_import.matching import CHUNK, PROVIDER, Matches, chunks, match
from portal.report_import.plan import ReportPlan


@dataclass(frozen=True)
class Choices:
    """What the user chose on the check page, for the whole file and per client."""

    #: The kind of each business structure the firm has not mapped ("" for none).
    kinds: dict[str, str]
    #: The plan id of each kind's clients; None: they come in as contacts.
    plans: dict[str, int | None]
    company_type: str | None = None
    trust_type: str | None = None
    #: {client key: (plan id or None, company or trust type or None)}.
    overrides: dict[str, tuple[int | None, str | None]] = field(default_factory=dict)
    remember: bool = False


@dataclass
class Outcome:
    """What an import stored."""

    created: list[dict] = field(default_factory=list)
    linked: list[dict] = field(default_factory=list)
    associations: int = 0


def kind_of(client, mappings: dict[str, str], choices: Choices) -> str:
    """A client's kind: the firm's mapping of its structure, else the user's choice."""
    if not client.has_row:
        return UNKNOWN_KIND
    structure = client.record.business_structure.strip()
    return kind_for(structure, mappings) or choices.kinds.get(structure, UNKNOWN_KIND)


def standing(key: str, kind: str, choices: Choices) -> dict:
    """The columns that make a profile a client (with its plan and type) or a contact: the
    choice for its kind, unless the user chose otherwise for this client."""
    file_type = {"company": choices.company_type, "trust": choices.trust_type}.get(kind)
    plan_id, own_type = choices.overrides.get(key, (choices.plans.get(kind), None))
    if plan_id is None or kind == UNKNOWN_KIND:
        return {"standing": "contact", "subscription_plan_id": None}
    kind_type = own_type or file_type
    return {
        "standing": "client",
        "subscription_plan_id": plan_id,
        "company_type_code": kind_type if kind == "company" else None,
        "trust_type_code": kind_type if kind == "trust" else None,
    }


def save(
    db: Session,
    firm_id: int,
    user_id: int | None,
    plan: ReportPlan,
    choices: Choices,
    mappings: dict[str, str],
    upload: dict,
    progress: Callable[[int, int], None] = lambda done, total: None,
) -> Outcome:
    """Store the report in one write transaction: all of it, or nothing."""
    outcome = Outcome()
    total = len(plan.clients) + len(plan.links)
    with writing(db):
        found = match(db, firm_id, plan)
        now = utcnow()
        new, notes = [], list(plan.notes)
        for key, client in plan.clients.items():
            if key in found.ids or key in found.left_out:
                continue
            kind = kind_of(client, mappings, choices)
            row = {
                "firm_id": firm_id,
                "origin": "xpm",
                "setup_status": "preparing",
                "xpm_provider": PROVIDER if client.uuid else None,
                "xpm_client_uuid": client.uuid or None,
                "xpm_linked_at": now if client.uuid else None,
                "company_type_code": None,
                "trust_type_code": None,
                **profile_values(client.record, kind, notes),
                **standing(key, kind, choices),
            }
            new.append((key, row))
        done = 0
        ids = dict(found.ids)
        for part in chunks(new):
            for key, row, profile_id in _insert_profiles(db, part):
                ids[key] = profile_id
                outcome.created.append({"id": profile_id, "name": row["name"], "kind": row["kind"]})
            done += len(part)
            progress(done, total)
        touched = {ids[key] for key, _ in new}
        touched |= _link_uuids(db, plan, found, ids, now)
        outcome.linked = [
            {"id": ids[key], "name": plan.clients[key].record.name}
            for key in found.ids
            if key in found.to_link
        ]
        added = _associations(db, firm_id, plan, ids, lambda n: progress(done + n, total))
        outcome.associations = len(added)
        touched |= {profile_id for pair in added for profile_id in pair}
        _refresh(db, firm_id, touched)
        if choices.remember:
            for structure, kind in choices.kinds.items():
                if structure and kind in ("company", "trust", "individual"):
                    remember_structure(db, firm_id, structure[:200], kind)
        _audit(db, firm_id, user_id, plan, upload, outcome, len(found.ids))
    progress(total, total)
    return outcome


def _insert_profiles(db: Session, part: list[tuple[str, dict]]):
    """Insert new profiles in one statement: (client key, row, profile id) for each.

    The ids come back in no set order (asking for the rows' order makes SQLite insert one
    row at a time); each is matched to its row by its UUID, or its XPM name, which is one
    client's alone among the new profiles without a UUID (``plan`` keys them by it)."""
    table = Profile.__table__
    statement = insert(table).returning(table.c.id, table.c.xpm_client_uuid, table.c.xpm_name)
    returned = {}
    for profile_id, uuid, xpm_name in db.execute(statement, [row for _, row in part]):
        returned[uuid or "name:" + xpm_name] = profile_id
    if len(returned) != len(part):
        raise LookupError("two new profiles share a name and have no UUID")
    return [
        (key, row, returned[row["xpm_client_uuid"] or "name:" + row["xpm_name"]])
        for key, row in part
    ]


def _link_uuids(db: Session, plan: ReportPlan, found: Matches, ids: dict, now) -> set[int]:
    """Give the profiles matched by name the XPM UUID the file has for them."""
    linked = set()
    for key in sorted(found.to_link):
        profile = db.get(Profile, ids[key])
        profile.xpm_provider = PROVIDER
        profile.xpm_client_uuid = plan.clients[key].uuid
        profile.xpm_linked_at = now
        linked.add(profile.id)
    db.flush()
    return linked


def _associations(db: Session, firm_id: int, plan: ReportPlan, ids: dict, progress) -> list:
    """Insert each link not already held; the (entity, party) id pairs inserted."""
    wanted = {}
    for link in plan.links:
        if link.entity_uuid in ids and link.party_uuid in ids:
            wanted[(ids[link.entity_uuid], ids[link.party_uuid], link.role)] = link
    held = set()
    for part in chunks(sorted({entity for entity, _, _ in wanted})):
        rows = db.execute(
            select(Association.profile_id, Association.party_id, Association.role).where(
                Association.firm_id == firm_id, Association.profile_id.in_(part)
            )
        )
        held.update(tuple(row) for row in rows)
    rows = [
        {
            "firm_id": firm_id,
            "profile_id": entity,
            "party_id": party,
            "role": role,
            "label": link.label,
            "shares": link.shares,
        }
        for (entity, party, role), link in sorted(wanted.items(), key=lambda item: item[0])
        if (entity, party, role) not in held
    ]
    for count, part in enumerate(chunks(rows), 1):
        db.execute(insert(Association.__table__), part)
        progress(min(count * CHUNK, len(rows)))
    return [(row["profile_id"], row["party_id"]) for row in rows]


def _refresh(db: Session, firm_id: int, touched: set[int]) -> None:
    """Recompute the setup status of every profile the import touched, by the checklist,
    and store the changed ones with one UPDATE per status and chunk (not one per row)."""
    changed: dict[str, list[int]] = defaultdict(list)
    for part in chunks(sorted(touched)):
        held = defaultdict(list)
        for association in db.scalars(
            select(Association).where(
                Association.firm_id == firm_id, Association.profile_id.in_(part)
            )
        ):
            held[association.profile_id].append(association)
        for profile in db.scalars(
            select(Profile).where(Profile.firm_id == firm_id, Profile.id.in_(part))
        ):
            status = setup_status(checklist(profile, held[profile.id]))
            if status != profile.setup_status:
                changed[status].append(profile.id)
        db.expunge_all()  # read only: nothing here is flushed row by row
    for status, ids in changed.items():
        for part in chunks(ids):
            db.execute(
                update(Profile.__table__).where(Profile.id.in_(part)), {"setup_status": status}
            )


def _audit(db, firm_id, user_id, plan: ReportPlan, upload: dict, outcome: Outcome, found: int):
    audit.record(
        db,
        "report_import",
        address=None,
        firm_id=firm_id,
        user_id=user_id,
        summary=f"Imported the XPM report file {upload['filename']}: "
        f"{len(outcome.created):,} created, {len(outcome.linked):,} linked to XPM, "
        f"{found - len(outcome.linked):,} already in the portal, "
        f"{outcome.associations:,} relationships added",
        detail={
            "file": {k: upload[k] for k in ("filename", "bytes", "sha256", "format")},
            "rows": plan.rows,
            "rows_left_out": sorted({problem.line for problem in plan.problems}),
            "doubts": [doubt.name for doubt in plan.doubts],
            "created": outcome.created,
            "linked": outcome.linked,
            "associations": outcome.associations,
        },
    )

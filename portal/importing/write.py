"""The one short transaction that stores an import: idempotent, all or nothing.

Profiles and associations are inserted with "insert or ignore" on their unique keys (the
XPM client UUID, the XPM relationship UUID), in a fixed order, so a double click or two
staff importing the same client at once end on the same rows; whoever comes second reads
what the first stored. A client that was a contact is promoted in place. Setup statuses
are recomputed for every profile the import touched, and one audit event lists what was
created and what was linked.
"""

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from portal import audit
from portal.audit_log.wording import import_counts
from portal.clients.checklist import checklist, setup_status
from portal.database import writing
from portal.importing.plan import Plan
from portal.models import Association, Profile, StructureMapping
from portal.register_compare.compare import NEW
from portal.register_compare.take import take_at_import
from portal.register_link.service import take_link
from portal.text import structure_key

INSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


@dataclass(frozen=True)
class Outcome:
    """What an import stored: the client's profile, and what came with it."""

    profile_id: int
    name: str
    created: tuple[str, ...] = ()
    linked: tuple[str, ...] = ()
    promoted: bool = False
    associations: int = 0
    notes: tuple[str, ...] = ()
    #: The client was already a client profile: nothing was written.
    already_imported: bool = False


def save(db: Session, plan: Plan, user_id: int | None) -> Outcome:
    """Store ``plan`` in one write transaction and say what it did."""
    with writing(db):
        created = _insert_profiles(db, plan)
        ids = _profile_ids(db, plan)
        added = _insert_associations(db, plan, ids)
        profiles = _load(db, plan.firm_id, ids.values())
        root = profiles[ids[plan.root_uuid]]
        promoted = root.standing == "contact"
        if promoted:
            _promote(root, plan)
        notes = plan.notes
        if plan.register is not None:  # linked in the same step (docs/spec.md §10.4)
            take_link(db, root, plan.register)
            notes += _take_from_register(db, plan, root, ids, user_id)
        _refresh_statuses(db, plan.firm_id, profiles)
        if plan.remember:
            remember_structure(db, plan.firm_id, *plan.remember)
        others = [uuid for uuid in sorted(ids) if uuid != plan.root_uuid]
        came = [_describe(profiles[ids[u]], u) for u in others if u in created]
        linked = [_describe(profiles[ids[u]], u) for u in others if u not in created]
        outcome = Outcome(
            profile_id=root.id,
            name=root.name,
            created=tuple(entry["name"] for entry in came),
            linked=tuple(entry["name"] for entry in linked),
            promoted=promoted,
            associations=added,
            notes=notes,
            already_imported=plan.root_uuid not in created and not promoted,
        )
        if plan.root_uuid in created or promoted or added:
            _audit(db, plan, user_id, outcome, came, linked)
    return outcome


def _take_from_register(db: Session, plan: Plan, root: Profile, ids: dict, user_id) -> tuple:
    """Take what the preview ticked from the register, once XPM's roles are stored; a note
    for each ticked offer that no longer differs (§10.4)."""
    chosen = {}
    for key, value in plan.choices.register_as:
        kind, _, said = value.partition(":")
        if kind == "x" and said in ids:
            chosen[key] = str(ids[said])
        elif kind == "p" and said.isdigit():
            chosen[key] = said
        elif value == NEW:
            chosen[key] = NEW
    keys = plan.choices.register_take
    _, gone = take_at_import(db, root, plan.register, keys, chosen, user_id, ours=set(ids.values()))
    if not gone:
        return ()
    many = len(gone) != 1
    return (
        f"{len(gone)} change{'s' if many else ''} ticked to take from the Companies Office "
        f"{'were' if many else 'was'} not taken: the register no longer says "
        f"{'them' if many else 'it'} differently. Compare with the Companies Office shows "
        "what differs now.",
    )


def _insert(db: Session, model):
    dialect = db.get_bind().dialect.name
    if dialect not in INSERTS:
        raise NotImplementedError(f"imports need SQLite or PostgreSQL, not {dialect}")
    return INSERTS[dialect](model)


def _insert_profiles(db: Session, plan: Plan) -> set[str]:
    """Insert the profiles not yet stored; returns the XPM UUIDs of those inserted."""
    statement = _insert(db, Profile).on_conflict_do_nothing().returning(Profile.xpm_client_uuid)
    return set(db.scalars(statement, plan.rows).all())


def _profile_ids(db: Session, plan: Plan) -> dict[str, int]:
    """The profile id of every XPM UUID in the import, whoever stored it."""
    wanted = {row["xpm_client_uuid"] for row in plan.rows} | plan.stored
    rows = db.execute(
        select(Profile.xpm_client_uuid, Profile.id).where(
            Profile.firm_id == plan.firm_id,
            Profile.xpm_provider == plan.provider,
            Profile.xpm_client_uuid.in_(wanted),
        )
    )
    ids = dict(rows.all())
    if plan.root_uuid not in ids:
        raise LookupError("the imported client's profile was not stored")
    return ids


def association_row(firm_id: int, link, ids: dict[str, int]) -> dict:
    """The associations row for ``link``, given the profile id of each XPM client uuid."""
    return {
        "firm_id": firm_id,
        "profile_id": ids[link.entity_uuid],
        "party_id": ids[link.party_uuid],
        "role": link.role,
        "label": link.label,
        "shares": link.shares,
        "percentage": link.percentage,
        "start_date": link.start_date,
        "end_date": link.end_date,
        "source_relationship_uuid": link.uuid,
    }


def _insert_associations(db: Session, plan: Plan, ids: dict[str, int]) -> int:
    """Insert each relationship not yet stored; returns how many were inserted."""
    rows = [
        association_row(plan.firm_id, link, ids)
        for link in sorted(plan.links, key=lambda link: link.uuid)
        # A profile removed from the portal while XPM was being read is not linked again.
        if link.entity_uuid in ids and link.party_uuid in ids
    ]
    if not rows:
        return 0
    statement = _insert(db, Association).on_conflict_do_nothing().returning(Association.id)
    return len(db.scalars(statement, rows).all())


def _load(db: Session, firm_id: int, ids) -> dict[int, Profile]:
    statement = (
        select(Profile)
        .where(Profile.firm_id == firm_id, Profile.id.in_(set(ids)))
        .execution_options(populate_existing=True)
    )
    return {profile.id: profile for profile in db.scalars(statement)}


def _promote(profile: Profile, plan: Plan) -> None:
    """Make a contact the client it is now imported as; its details stay as they are."""
    choices = plan.choices
    profile.standing = "client"
    profile.kind = choices.kind
    profile.subscription_plan_id = choices.subscription_plan_id
    profile.company_type_code = choices.company_type_code if choices.kind == "company" else None
    profile.trust_type_code = choices.trust_type_code if choices.kind == "trust" else None


def _refresh_statuses(db: Session, firm_id: int, profiles: dict[int, Profile]) -> None:
    """Recompute the setup status of every profile the import touched (two queries)."""
    held_on = defaultdict(list)
    for association in db.scalars(
        select(Association).where(
            Association.firm_id == firm_id, Association.profile_id.in_(profiles.keys())
        )
    ):
        held_on[association.profile_id].append(association)
    for profile in profiles.values():
        profile.setup_status = setup_status(checklist(profile, held_on[profile.id]))


def remember_structure(db: Session, firm_id: int, structure: str, kind: str) -> None:
    """Add (structure → kind) to the firm's mapping, unless the structure is mapped."""
    row = {
        "firm_id": firm_id,
        "structure": structure,
        "structure_key": structure_key(structure),
        "kind": kind,
    }
    db.execute(_insert(db, StructureMapping).on_conflict_do_nothing(), [row])


def _describe(profile: Profile, uuid: str) -> dict:
    return {"uuid": uuid, "name": profile.name, "kind": profile.kind}


def _audit(db: Session, plan: Plan, user_id, outcome: Outcome, came, linked) -> None:
    verb = "Made a client of" if outcome.promoted else "Imported"
    system = "WorkflowMax" if plan.provider == "workflowmax" else "XPM"
    audit.record(
        db,
        "import",
        address=None,
        firm_id=plan.firm_id,
        user_id=user_id,
        object_type="profile",
        object_id=outcome.profile_id,
        summary=f"{verb} {plan.choices.kind} {outcome.name} from {system}"
        + import_counts(len(came), len(linked))
        + (
            f", linked to the Companies Office (NZBN {plan.register.nzbn})"
            if plan.register is not None
            else ""
        ),
        detail={
            "provider": plan.provider,
            "client_uuid": plan.root_uuid,
            "promoted": outcome.promoted,
            "created": came,
            "linked": linked,
            "associations": outcome.associations,
            "notes": list(outcome.notes),
            "register_nzbn": plan.register.nzbn if plan.register is not None else None,
        },
    )

"""Association rows: who holds which role on which profile, matched on (profile, party, role).

A profile is named by its id when it is stored already, or by its client reference when
this import creates it; the write turns references into ids once the new rows exist.
"""

from types import SimpleNamespace

from sqlalchemy.orm import Session

from portal.bulk import stored
from portal.bulk.stored import Conflict, typed

LINK_FIELDS = ("shares", "percentage", "start_date", "end_date")


def plan_links(db: Session, firm_id: int, chunk: list, plan) -> None:
    """Decide what each association row of ``chunk`` does: add, update or leave a link."""
    references = {r.reference for r in chunk} | {r.other_reference for r in chunk}
    unknown = [ref for ref in references if ref not in plan.keys]
    for ref, row in stored.profiles(
        db, firm_id, stored.PROFILES.c.client_reference, unknown
    ).items():
        plan.keys[ref] = row["id"]
    targets = [plan.keys.get(r.other_reference) for r in chunk]
    existing: dict[tuple, dict] = {}
    for row in stored.associations(db, firm_id, sorted({t for t in targets if isinstance(t, int)})):
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
    for row in stored.associations(db, firm_id, sorted(k for k in keys if isinstance(k, int))):
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

"""The steps of a report import as plain functions: what the check page shows, what the
user chose, and the import run on the background runner."""

import logging
from dataclasses import dataclass
from functools import partial

from flask import Flask
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portal import database
from portal.importing.mapping import UNKNOWN_KIND, kind_for
from portal.importing.service import structure_mappings
from portal.report_import import plan as planning
from portal.report_import import reading, state, write
from portal.report_import.matching import Matches, match
from portal.report_import.write import Choices

log = logging.getLogger("portal.report_import")
KINDS = ("company", "trust", "individual")
AS_CONTACTS = "contact"
FAILED = "The import failed and nothing was written. Importing again is safe."


@dataclass
class Review:
    """What the check page shows: the plan, the firm's profiles it meets, what to choose."""

    plan: planning.ReportPlan
    matches: Matches
    mappings: dict[str, str]
    #: Business structures the firm has not mapped: asked once each.
    unmapped: list[str]
    #: How many clients (with rows of their own) of each kind the mapping gives so far.
    kinds: dict[str, int]

    @property
    def problems(self) -> list[planning.Problem]:
        """Every row left out, in file order."""
        return sorted(self.plan.problems + self.matches.problems, key=lambda p: p.line)


def table(upload: dict, data: bytes, max_rows: int) -> reading.Table:
    """The kept file read again (it was read once already, so it reads)."""
    return reading.read(upload["filename"], data, max_rows)


def review(db: Session, firm_id: int, upload: dict, data: bytes, max_rows: int) -> Review:
    """The plan of a kept upload, beside the firm's mapping and profiles (reads only)."""
    plan = planning.build(
        table(upload, data, max_rows), upload["mapping"], set(upload["one_client"])
    )
    mappings = structure_mappings(db, firm_id)
    matches = match(db, firm_id, plan)
    database.end_read(db)
    unmapped = [s for s in plan.structures if kind_for(s, mappings) is None]
    kinds = dict.fromkeys(KINDS, 0)
    for client in plan.clients.values():
        kind = kind_for(client.record.business_structure, mappings) if client.has_row else None
        if kind in kinds:
            kinds[kind] += 1
    return Review(plan, matches, mappings, unmapped, kinds)


def choices(form, found: Review, plan_ids: set[int], company_types, trust_types, overrides):
    """The user's choices from the check form, and a sentence for each one missing."""
    errors = []
    kinds = {}
    for number, structure in enumerate(found.unmapped):
        kind = form.get(f"structure-{number}", "")
        if kind not in KINDS:
            shown = f"“{structure}”" if structure else "no business structure"
            errors.append(f"Choose what a client with {shown} is.")
        kinds[structure] = kind
    present = {k for k, n in found.kinds.items() if n} | {k for k in kinds.values() if k}
    plans: dict[str, int | None] = {}
    for kind in KINDS:
        value = form.get(f"plan-{kind}", "")
        if value == AS_CONTACTS:
            plans[kind] = None
        elif value.isdigit() and int(value) in plan_ids:
            plans[kind] = int(value)
        elif kind in present:
            errors.append(f"Choose a subscription plan for the {kind} clients, or “As contacts”.")
    company_type = form.get("company_type") or None
    trust_type = form.get("trust_type") or None
    needs = {kind for kind, plan_id in plans.items() if plan_id}
    for key, (plan_id, own_type) in overrides.items():
        client = found.plan.clients.get(key)
        kind = write.kind_of(client, found.mappings, Choices(kinds, plans)) if client else None
        if plan_id and not own_type and kind in ("company", "trust"):
            needs.add(kind)
    if "company" in needs and company_type not in company_types:
        errors.append("Choose a company type for the companies.")
    if "trust" in needs and trust_type not in trust_types:
        errors.append("Choose a trust type for the trusts.")
    made = Choices(
        kinds=kinds,
        plans=plans,
        company_type=company_type,
        trust_type=trust_type,
        overrides={key: tuple(value) for key, value in overrides.items()},
        remember=form.get("remember") == "y",
    )
    return made, errors


def override(upload: dict, found: Review, form, plan_ids: set[int], types: set[str]) -> str | None:
    """Add (or remove) the choice for one client named on the check page; what is wrong."""
    if form.get("remove"):
        upload["overrides"].pop(form["remove"], None)
        return None
    name = form.get("name", "").strip()
    keys = [k for k, c in found.plan.clients.items() if c.has_row and c.record.name == name]
    if not keys:
        return f"No client of the file is named “{name[:200]}”: type the name as the file has it."
    if len(keys) > 1:
        return (
            f"{len(keys)} clients of the file are named “{name[:200]}”: they keep the file's plan."
        )
    plan = form.get("plan", "")
    if plan != AS_CONTACTS and not (plan.isdigit() and int(plan) in plan_ids):
        return "Choose the plan for this client, or “As a contact”."
    own_type = form.get("type") or None
    if own_type is not None and own_type not in types:
        return "Choose a company or trust type from the list."
    upload["overrides"][keys[0]] = [None if plan == AS_CONTACTS else int(plan), own_type]
    return None


def overridden(upload: dict, found: Review) -> list[tuple[str, str, list]]:
    """(key, name, [plan id, type]) of each client with its own choice, by name."""
    rows = [
        (key, found.plan.clients[key].record.name, value)
        for key, value in upload["overrides"].items()
        if key in found.plan.clients
    ]
    return sorted(rows, key=lambda row: row[1])


def start(app: Flask, token: str, upload: dict, made: Choices, found: Review) -> None:
    """Run the import on the application's runner, with its own context and session: the
    plan as checked (the firm's profiles are matched again inside the write)."""
    state.record_progress(token, status="queued", done=0, total=0)
    work = partial(_run, app, token, upload, made, found)
    app.extensions["portal.jobs"].submit(("report_import", token), work, "bulk")


def _run(app: Flask, token: str, upload: dict, made: Choices, found: Review) -> None:
    with app.app_context():
        db = database.session()
        total = len(found.plan.clients) + len(found.plan.links)
        try:
            state.record_progress(token, status="writing", done=0, total=total)
            outcome = write.save(
                db,
                upload["firm_id"],
                upload["user_id"],
                found.plan,
                made,
                found.mappings,
                upload,
                lambda done, total: state.record_progress(
                    token, status="writing", done=done, total=total
                ),
            )
        except IntegrityError:
            log.warning("Report import %s met a concurrent change", token)
            state.record_progress(token, status="failed", failure=FAILED)
        except Exception:
            log.exception("Report import %s failed", token)
            state.record_progress(token, status="failed", failure=FAILED)
        else:
            state.record_progress(
                token,
                status="done",
                done=total,
                total=total,
                created=outcome.created[:200],
                created_count=len(outcome.created),
                linked=outcome.linked[:200],
                linked_count=len(outcome.linked),
                associations=outcome.associations,
            )


def kind_choices() -> list[tuple[str, str]]:
    """The kinds a structure can be mapped to, as the check page offers them."""
    return [(kind, kind.capitalize()) for kind in KINDS if kind != UNKNOWN_KIND]

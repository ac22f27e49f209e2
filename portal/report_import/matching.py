"""Which of a report's clients are already profiles of the firm.

A client is the profile already linked to its XPM UUID; else the one profile of its exact
name (an earlier import, or one typed by hand; when the file has a UUID, only an unlinked
one, which is then linked to it); else a new profile. Several profiles of one name are a
doubt, never a guess: the client is left out and the check page says why.
"""

from dataclasses import dataclass, field

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from portal.models import Profile
from portal.report_import.plan import Problem, ReportPlan

CHUNK = 500
PROVIDER = "xpm"


def chunks(items: list):
    """``items`` in slices of ``CHUNK`` (the size of an IN list or a batched INSERT)."""
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


@dataclass
class Matches:
    """The stored profile of each report client found in the portal, and the doubts."""

    ids: dict[str, int] = field(default_factory=dict)
    #: Clients matched by name that the file gives a UUID: linked to it on import.
    to_link: set[str] = field(default_factory=set)
    problems: list[Problem] = field(default_factory=list)
    left_out: set[str] = field(default_factory=set)


def match(db: Session, firm_id: int, plan: ReportPlan) -> Matches:
    """Which report clients are already profiles of the firm (read only)."""
    found = Matches()
    uuids = sorted({c.uuid for c in plan.clients.values() if c.uuid})
    for part in chunks(uuids):
        rows = db.execute(
            select(Profile.xpm_client_uuid, Profile.id).where(
                Profile.firm_id == firm_id,
                Profile.xpm_provider == PROVIDER,
                Profile.xpm_client_uuid.in_(part),
            )
        )
        by_uuid = dict(rows.all())
        found.ids.update({key: by_uuid[key] for key in part if key in by_uuid})
    named: dict[str, list[str]] = {}
    for key, client in plan.clients.items():
        if key not in found.ids:
            named.setdefault(client.record.name, []).append(key)
    stored: dict[str, dict[int, str | None]] = {}
    for part in chunks(sorted(named)):
        rows = db.execute(
            select(Profile.id, Profile.name, Profile.xpm_name, Profile.xpm_client_uuid).where(
                Profile.firm_id == firm_id,
                or_(Profile.name.in_(part), Profile.xpm_name.in_(part)),
            )
        )
        for profile_id, name, xpm_name, uuid in rows:
            for each in {name, xpm_name} & set(part):
                stored.setdefault(each, {})[profile_id] = uuid
    for name, keys in named.items():
        # A profile linked to another XPM client is another client of the same name.
        ids = {
            profile_id
            for profile_id, uuid in stored.get(name, {}).items()
            if uuid is None or not plan.clients[keys[0]].uuid
        }
        if len(ids) == 1 and len(keys) == 1:
            found.ids[keys[0]] = ids.pop()
            if plan.clients[keys[0]].uuid:
                found.to_link.add(keys[0])
        elif len(ids) > 1:
            found.left_out.update(keys)
            for key in keys:
                found.problems.append(
                    Problem(
                        plan.clients[key].lines[0],
                        f"{len(ids)} profiles in the portal are named “{name}”: merge them, or "
                        "link the right one to XPM, and import the file again.",
                    )
                )
    return found

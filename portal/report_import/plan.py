"""A report's rows as the profiles and associations to store, decided before any write.

Each row names one client and, optionally, one relationship of it. The rows of one client
are gathered: by its UUID when the file has one, else by its exact name. Rows of one name
that disagree on what the client is (its structure, company number, tax number, e-mail)
cannot be told apart: they are listed as a doubt and left out until the user says they
are one client. Each relationship becomes the same ``Link`` the XPM import makes
(``importing.mapping.link_from``), so "A Director Of B" on A's row and "Director: A" on
B's row are one association, stored once.
"""

import re
from dataclasses import dataclass, field, replace

from portal.importing.mapping import Link, link_from, normal_uuid, usable_uuid
from portal.limits import shares_allowed, shares_range
from portal.report_import.columns import FIELDS
from portal.report_import.reading import Table
from portal.xpm.records import Relationship, XpmClient

DETAILS = tuple(f.key for f in FIELDS if f.key not in ("client", "uuid", "related_client"))
CLIENT_FIELDS = tuple(
    key for key in DETAILS if key not in ("relationship_type", "related_uuid", "shares")
)
#: Details that tell two clients of one name apart.
IDENTITY = ("business_structure", "company_number", "tax_number", "email")
#: Roles held both ways: "A Spouse B" and "B Spouse A" are one association.
SYMMETRIC = {"spouse", "associate"}
#: Roles that say the same as another held the other way ("A Child Of M" is "M Parent Of A").
INVERSE = {"child_of": "parent_of"}
WHOLE = re.compile(r"\d{1,18}")


@dataclass(frozen=True)
class Problem:
    """A row left out, with its line (CSV) or record number (XML) and why."""

    line: int
    reason: str


@dataclass(frozen=True)
class Doubt:
    """Rows of one name that cannot be told apart: several clients, or one?"""

    name: str
    lines: tuple[int, ...]
    differences: tuple[str, ...]


@dataclass
class ReportClient:
    """One client of the report: its record as the XPM import would read it."""

    key: str  # its UUID, or "n<first line>" when the file has none
    uuid: str
    record: XpmClient
    lines: list[int]
    has_row: bool = True  # False: only named as a related client, so a contact


@dataclass
class ReportPlan:
    """What the file brings, before the user's choices and the firm's profiles."""

    rows: int
    clients: dict[str, ReportClient] = field(default_factory=dict)
    links: list[Link] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    doubts: list[Doubt] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def structures(self) -> list[str]:
        """Every business structure of a client with its own rows, once, as first seen."""
        seen = (c.record.business_structure.strip() for c in self.clients.values() if c.has_row)
        return list(dict.fromkeys(seen))


def build(table: Table, mapping: dict[str, int], one_client: set[str] = frozenset()) -> ReportPlan:
    """The plan of ``table`` read through ``mapping``; names in ``one_client`` are taken as
    one client whatever their rows say."""
    plan = ReportPlan(rows=len(table.rows))
    rows = [(line, _cells(cells, mapping)) for line, cells in table.rows]
    rows = [(line, values) for line, values in rows if _usable(line, values, plan)]
    groups: dict[str, list[tuple[int, dict]]] = {}
    for line, values in rows:
        key = normal_uuid(values["uuid"]) if values["uuid"] else "name:" + values["client"]
        groups.setdefault(key, []).append((line, values))
    _attach_to_uuid(groups)
    by_name: dict[str, list[str]] = {}
    for key, members in groups.items():
        client = _client(key, members, plan, one_client)
        if client is not None:
            plan.clients[client.key] = client
            by_name.setdefault(client.record.name, []).append(client.key)
    doubtful = {doubt.name for doubt in plan.doubts}
    links: dict[tuple, tuple[Link, str]] = {}
    for line, values in rows:
        owner = _owner(values, plan, by_name)
        if owner is None or not values["relationship_type"]:
            continue
        other = _related(line, values, plan, by_name, doubtful)
        if other is None:
            continue
        link = _link(line, owner, other, values, plan)
        if link is not None:
            key = _link_key(link)
            links[key] = _better(links.get(key), link, owner)
    plan.links = [link for link, _ in links.values()]
    plan.problems.sort(key=lambda problem: problem.line)
    return plan


EMPTY = {"client": "", "uuid": "", "related_client": "", **dict.fromkeys(DETAILS, "")}


def _cells(cells: list[str], mapping: dict[str, int]) -> dict[str, str]:
    values = EMPTY.copy()
    width = len(cells)
    for key, index in mapping.items():
        if index < width:
            values[key] = cells[index].strip()
    return values


def _usable(line: int, values: dict, plan: ReportPlan) -> bool:
    """Whether a row can be read at all; if not, a problem says why."""
    reason = None
    if not values["client"]:
        reason = "The row has no client name."
    elif values["uuid"] and not usable_uuid(values["uuid"]):
        reason = f"The client UUID “{values['uuid'][:80]}” is not one XPM gives."
    elif bool(values["relationship_type"]) != bool(values["related_client"]):
        reason = (
            "The row has a relationship type but no related client."
            if values["relationship_type"]
            else "The row names a related client but no relationship type."
        )
    elif values["shares"] and not (
        WHOLE.fullmatch(values["shares"].replace(",", ""))
        and shares_allowed(int(values["shares"].replace(",", "")))
    ):
        reason = f"The number of shares “{values['shares'][:40]}” is not {shares_range()}."
    if reason:
        plan.problems.append(Problem(line, reason))
    return reason is None


def _client(key, members, plan: ReportPlan, one_client) -> ReportClient | None:
    """The client of ``members`` (its rows), or None when they cannot be told apart."""
    name = members[0][1]["client"]
    chosen: dict[str, str] = {}
    differences = []
    for _, values in members:
        for detail in CLIENT_FIELDS:
            value = values[detail]
            if value and detail not in chosen:
                chosen[detail] = value
            elif value and value != chosen[detail] and detail in IDENTITY:
                differences.append(f"{detail.replace('_', ' ')}: {chosen[detail]} / {value}")
    lines = [line for line, _ in members]
    if differences and key.startswith("name:") and name not in one_client:
        plan.doubts.append(Doubt(name, tuple(lines), tuple(dict.fromkeys(differences))))
        return None
    uuid = "" if key.startswith("name:") else key
    record = XpmClient(uuid=uuid or f"n{lines[0]}", name=name, **chosen)
    return ReportClient(record.uuid, uuid, record, lines)


def _attach_to_uuid(groups: dict[str, list]) -> None:
    """Rows without a UUID (an empty cell in the UUID column) of a name that exactly one
    client with a UUID has are that client's rows."""
    names: dict[str, list[str]] = {}
    for key, members in groups.items():
        if not key.startswith("name:"):
            names.setdefault(members[0][1]["client"], []).append(key)
    for key in [k for k in groups if k.startswith("name:")]:
        owners = names.get(key.removeprefix("name:"), [])
        if len(owners) == 1:
            groups[owners[0]].extend(groups.pop(key))


def _owner(values: dict, plan: ReportPlan, by_name: dict) -> str | None:
    if values["uuid"]:
        key = normal_uuid(values["uuid"])
        return key if key in plan.clients else None
    keys = by_name.get(values["client"], [])
    unkeyed = [k for k in keys if not plan.clients[k].uuid]
    if unkeyed:
        return unkeyed[0]
    return keys[0] if len(keys) == 1 else None


def _related(line, values, plan: ReportPlan, by_name: dict, doubtful: set) -> str | None:
    """The key of the related client: by its UUID if the file has one, else by name."""
    name, uuid = values["related_client"], values["related_uuid"]
    if uuid and usable_uuid(uuid):
        key = normal_uuid(uuid)
        if key not in plan.clients:
            plan.clients[key] = _contact(key, key, name, line)
        return key
    if name in doubtful:
        plan.problems.append(
            Problem(line, f"The related client “{name}” is one of the rows listed as doubtful.")
        )
        return None
    keys = by_name.get(name, [])
    if len(keys) > 1:
        plan.problems.append(
            Problem(
                line,
                f"{len(keys)} clients are named “{name}”: the row cannot say which one is "
                "meant. Add the related client's UUID to the report, or rename one in XPM.",
            )
        )
        return None
    if not keys:
        key = f"r{line}"
        plan.clients[key] = _contact(key, "", name, line)
        by_name[name] = [key]
        return key
    return keys[0]


def _contact(key: str, uuid: str, name: str, line: int) -> ReportClient:
    """A related client the report has no rows of: it comes in as a contact."""
    return ReportClient(key, uuid, XpmClient(uuid=key, name=name), [line], has_row=False)


def _link(line, owner: str, other: str, values: dict, plan: ReportPlan) -> Link | None:
    if owner == other:
        plan.problems.append(Problem(line, "The row relates the client to itself."))
        return None
    shares = values["shares"].replace(",", "")
    relationship = Relationship(
        uuid=f"line-{line}",
        type=values["relationship_type"],
        related_client_uuid=other,
        related_client_name=values["related_client"],
        number_of_shares=int(shares) if shares else None,
        percentage=None,
        start_date=None,
        end_date=None,
    )
    return link_from(owner, relationship, plan.notes)


def _better(kept: tuple | None, link: Link, owner: str) -> tuple[Link, str]:
    """Of one relationship seen from both rows, (the link, the row's client) the entity's
    row gives: its label is "Director", as the profile lists it, not "Director Of"; with the
    shares either row gives. Otherwise the first seen."""
    if kept is None:
        return link, owner
    first, first_owner = kept
    same_way = (first.entity_uuid, first.party_uuid, first.role) == (
        link.entity_uuid,
        link.party_uuid,
        link.role,
    )
    if same_way and first_owner != first.entity_uuid and owner == link.entity_uuid:
        chosen, other, chosen_owner = link, first, owner
    else:
        chosen, other, chosen_owner = first, link, first_owner
    if chosen.shares is None and other.shares is not None:
        chosen = replace(chosen, shares=other.shares)
    return chosen, chosen_owner


def _link_key(link: Link) -> tuple:
    """What makes two links one association, whichever client's row each came from."""
    ends = (link.entity_uuid, link.party_uuid)
    if link.role in INVERSE:
        return (ends[1], ends[0], INVERSE[link.role])
    return (*(sorted(ends) if link.role in SYMMETRIC else ends), link.role)

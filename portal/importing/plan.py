"""What one import will store, decided in full before the database transaction opens; the
import form's preview is drawn from the same plan, so the two cannot disagree.

The client becomes a client profile with the plan and type the user chose; every related
client read from XPM becomes a contact profile; each relationship between two of them (or
one of them and a profile already in the portal) becomes one association, once, keyed on
XPM's relationship UUID and oriented entity → party. A related company or trust brings its
own relationships too (``follows``); a person's stop with them.
"""

from dataclasses import dataclass, field
from datetime import datetime

from portal.importing.mapping import (
    UNKNOWN_KIND,
    UNKNOWN_ROLE,
    Link,
    contact_kind,
    kind_for,
    link_from,
    normal_uuid,
    profile_values,
    related_clients,
)
from portal.nzbn import Entity
from portal.text import structure_key
from portal.xpm import XpmClient

#: The columns that make a related client a contact.
CONTACT = {
    "standing": "contact",
    "subscription_plan_id": None,
    "company_type_code": None,
    "trust_type_code": None,
}


@dataclass
class Fetched:
    """What XPM said about a client and its related clients (``service.read_graph``)."""

    root: XpmClient
    #: Every client read, the root included, in the order they arrived.
    clients: dict[str, XpmClient] = field(default_factory=dict)
    #: How many relationships away from the root each client was found.
    depth: dict[str, int] = field(default_factory=dict)
    #: Related clients already in the portal: linked, not read.
    stored: set[str] = field(default_factory=set)
    #: Related clients XPM no longer has: {uuid: the name the relationship gave}.
    missing: dict[str, str] = field(default_factory=dict)
    #: Related clients known from the root's record only, not read (the form's preview).
    unread: set[str] = field(default_factory=set)
    calls: int = 0

    @classmethod
    def root_only(cls, root: XpmClient) -> "Fetched":
        """The client as read for its form: one call, its related clients not read yet."""
        key = normal_uuid(root.uuid)
        return cls(
            root=root, clients={key: root}, depth={key: 0}, unread=set(related_clients(root))
        )


@dataclass(frozen=True)
class Choices:
    """What the user decided on the import form."""

    kind: str
    subscription_plan_id: int
    company_type_code: str | None = None
    trust_type_code: str | None = None
    #: Remember the client's (unmapped) BusinessStructure as ``kind`` for the whole firm.
    remember_structure: bool = False
    #: What to take from the register when the import is linked in one step (§10.4): the
    #: keys of the preview's ticked offers, and who a register person is ({key: "x:<uuid>",
    #: "p:<profile id>" or "new"}).
    register_take: frozenset[str] = frozenset()
    register_as: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Plan:
    """The rows one import writes, and what the user should be told about them."""

    firm_id: int
    provider: str
    root_uuid: str
    choices: Choices | None  # None: the form's preview, never written
    #: One row per profile to insert (unless already stored), sorted by XPM UUID.
    rows: list[dict]
    links: list[Link]
    #: Related clients in the portal before this import: linked, never changed.
    stored: frozenset[str]
    notes: tuple[str, ...]
    #: The notes the relationships' own values gave, as the form's preview lists them.
    relationship_notes: tuple[str, ...]
    #: (BusinessStructure, kind) to add to the firm's mapping, if asked for.
    remember: tuple[str, str] | None
    #: The register's entity the client is linked to in the same step (§10.4), if asked.
    register: Entity | None = None

    @property
    def root_row(self) -> dict:
        """The row of the client being imported."""
        return next(row for row in self.rows if row["xpm_client_uuid"] == self.root_uuid)


def follows(client: XpmClient, mappings: dict[str, str]) -> bool:
    """Whether a related client's own relationships come too: an entity's do, a person's not."""
    return contact_kind(client, mappings, []) != "individual"


def build_plan(
    fetched: Fetched,
    mappings: dict[str, str],
    choices: Choices | None,
    *,
    firm_id: int,
    provider: str,
    now: datetime | None,
) -> Plan:
    """Turn what XPM said into the rows of one import, by the rules in ``mapping``;
    ``choices`` is None for the form's preview, before the user has chosen."""
    notes: list[str] = []
    root_uuid = normal_uuid(fetched.root.uuid)
    clients = _importable(fetched, root_uuid, notes)
    nodes = clients.keys() | fetched.stored | fetched.unread
    rows = []
    for uuid in sorted(clients):
        client = clients[uuid]
        if uuid == root_uuid:
            kind = _root_kind(fetched.root, mappings, choices)
            standing = _as_client(kind, choices)
        else:
            kind = contact_kind(client, mappings, notes)
            standing = CONTACT
        rows.append(
            {
                "firm_id": firm_id,
                "origin": "xpm",
                "setup_status": "preparing",
                "xpm_provider": provider,
                "xpm_client_uuid": uuid,
                "xpm_linked_at": now,
                **profile_values(client, kind, notes),
                **standing,
            }
        )
    said: list[str] = []
    links = _links(clients, fetched.depth, nodes, notes, said)
    return Plan(
        firm_id=firm_id,
        provider=provider,
        root_uuid=root_uuid,
        choices=choices,
        rows=rows,
        links=links,
        stored=frozenset(fetched.stored),
        notes=tuple(dict.fromkeys(notes)),
        relationship_notes=tuple(said),
        remember=_remember(fetched, mappings, choices),
    )


def _root_kind(root: XpmClient, mappings: dict[str, str], choices: Choices | None) -> str:
    if choices is not None:
        return choices.kind
    return kind_for(root.business_structure, mappings) or UNKNOWN_KIND


def _as_client(kind: str, choices: Choices | None) -> dict:
    """The columns that make the root a client, with what the user chose."""
    return {
        "standing": "client",
        "subscription_plan_id": choices.subscription_plan_id if choices else None,
        "company_type_code": choices.company_type_code if choices and kind == "company" else None,
        "trust_type_code": choices.trust_type_code if choices and kind == "trust" else None,
    }


def _importable(fetched: Fetched, root_uuid: str, notes: list[str]) -> dict:
    """The clients read from XPM that become profiles: not deleted ones, except the root."""
    for name in fetched.missing.values():
        notes.append(f"{name} is no longer in XPM, so it was left out.")
    clients = {}
    for uuid, client in fetched.clients.items():
        if uuid != root_uuid and client.is_deleted:
            notes.append(f"{client.name} is deleted in XPM, so it was left out.")
        else:
            clients[uuid] = client
    return clients


def _links(clients: dict, depth: dict, nodes, notes: list[str], said: list[str]) -> list[Link]:
    """Each relationship among ``nodes`` once, as the record nearest the root shows it;
    ``said`` gets the notes its values gave (``notes`` those and the unknown types)."""
    links: dict[str, Link] = {}
    for uuid in sorted(clients, key=lambda uuid: (depth.get(uuid, 0), uuid)):
        client = clients[uuid]
        for relationship in client.relationships:
            other = normal_uuid(relationship.related_client_uuid)
            if other != uuid and other not in nodes:
                continue  # it leads outside this import
            key = normal_uuid(relationship.uuid)
            if key in links:
                continue
            own: list[str] = []
            link = link_from(uuid, relationship, own)
            notes += own
            said += own
            if link is None:
                continue
            if link.role == UNKNOWN_ROLE:
                notes.append(
                    f"“{relationship.type}” is not a relationship type the portal knows; "
                    "it came in as “Other” with XPM's label kept."
                )
            links[key] = link
    return list(links.values())


def _remember(fetched: Fetched, mappings: dict[str, str], choices: Choices | None):
    structure = fetched.root.business_structure.strip()
    if choices is None or not choices.remember_structure or not structure_key(structure):
        return None
    if kind_for(structure, mappings) is not None:
        return None
    return structure[:200], choices.kind

"""What one import will store, decided in full before the database transaction opens.

The client becomes a client profile with the plan and type the user chose; every related
client read from XPM becomes a contact profile; each relationship between two of them (or
one of them and a profile already in the portal) becomes one association, once, keyed on
XPM's relationship UUID and oriented entity → party.
"""

from dataclasses import dataclass
from datetime import datetime

from portal.importing.fetch import Fetched
from portal.importing.mapping import (
    UNKNOWN_ROLE,
    Link,
    contact_kind,
    kind_for,
    link_from,
    normal_uuid,
    profile_values,
)
from portal.text import structure_key


@dataclass(frozen=True)
class Choices:
    """What the user decided on the import form."""

    kind: str
    subscription_plan_id: int
    company_type_code: str | None = None
    trust_type_code: str | None = None
    #: Remember the client's (unmapped) BusinessStructure as ``kind`` for the whole firm.
    remember_structure: bool = False


@dataclass(frozen=True)
class Plan:
    """The rows one import writes, and what the user should be told about them."""

    firm_id: int
    provider: str
    root_uuid: str
    choices: Choices
    #: One row per profile to insert (unless already stored), sorted by XPM UUID.
    rows: list[dict]
    links: list[Link]
    #: Related clients in the portal before this import: linked, never changed.
    stored: frozenset[str]
    notes: tuple[str, ...]
    #: (BusinessStructure, kind) to add to the firm's mapping, if asked for.
    remember: tuple[str, str] | None

    @property
    def root_row(self) -> dict:
        """The row of the client being imported."""
        return next(row for row in self.rows if row["xpm_client_uuid"] == self.root_uuid)


def build_plan(
    fetched: Fetched,
    mappings: dict[str, str],
    choices: Choices,
    *,
    firm_id: int,
    provider: str,
    now: datetime,
) -> Plan:
    """Turn what XPM said into the rows of one import, by the rules in ``mapping``."""
    notes: list[str] = []
    root_uuid = normal_uuid(fetched.root.uuid)
    clients = _importable(fetched, root_uuid, notes)
    nodes = clients.keys() | fetched.stored
    rows = []
    for uuid in sorted(clients):
        client = clients[uuid]
        if uuid == root_uuid:
            kind = choices.kind
            standing = {
                "standing": "client",
                "subscription_plan_id": choices.subscription_plan_id,
                "company_type_code": choices.company_type_code if kind == "company" else None,
                "trust_type_code": choices.trust_type_code if kind == "trust" else None,
            }
        else:
            kind = contact_kind(client, mappings, notes)
            standing = {
                "standing": "contact",
                "subscription_plan_id": None,
                "company_type_code": None,
                "trust_type_code": None,
            }
        rows.append(
            {
                "firm_id": firm_id,
                "setup_status": "preparing",
                "xpm_provider": provider,
                "xpm_client_uuid": uuid,
                "xpm_linked_at": now,
                **profile_values(client, kind, notes),
                **standing,
            }
        )
    return Plan(
        firm_id=firm_id,
        provider=provider,
        root_uuid=root_uuid,
        choices=choices,
        rows=rows,
        links=_links(clients, fetched.depth, nodes, notes),
        stored=frozenset(fetched.stored),
        notes=tuple(dict.fromkeys(notes)),
        remember=_remember(fetched, mappings, choices),
    )


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


def _links(clients: dict, depth: dict, nodes, notes: list[str]) -> list[Link]:
    """Each relationship among ``nodes`` once, as the record nearest the root shows it."""
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
            link = link_from(uuid, relationship, notes)
            if link is None:
                continue
            if link.role == UNKNOWN_ROLE:
                notes.append(
                    f"“{relationship.type}” is not a relationship type the portal knows; "
                    "it came in as “Other” with XPM's label kept."
                )
            links[key] = link
    return list(links.values())


def _remember(fetched: Fetched, mappings: dict[str, str], choices: Choices):
    structure = fetched.root.business_structure.strip()
    if not choices.remember_structure or not structure_key(structure):
        return None
    if kind_for(structure, mappings) is not None:
        return None
    return structure[:200], choices.kind

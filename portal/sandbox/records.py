"""Reading and changing the practice's clients: the queries behind the API and the controls."""

import json
import uuid
from datetime import UTC, datetime

from sqlalchemy import and_, func, insert, or_, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.orm import aliased

from portal.sandbox.store import client_row, clients, fold, groups, members, relationships

#: How a relationship reads on the related client's record (the other side).
INVERSE = {
    "Husband": "Wife",
    "Wife": "Husband",
    "Spouse": "Spouse",
    "Associate": "Associate",
    "Parent Of": "Child Of",
    "Child Of": "Parent Of",
}
#: Above this many clients, fetching a whole tenant's relationships beats an IN list.
IN_LIMIT = 500


def inverse(kind: str) -> str:
    """The relationship type as the related client's record shows it."""
    return INVERSE.get(kind, f"{kind} Of")


def now_text(timestamp: float) -> str:
    """A Unix time as XPM's ``modifiedsince`` compares it: ``yyyy-MM-ddTHH:mm:ss`` UTC."""
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%dT%H:%M:%S")


def _entry(row) -> dict:
    return {
        "uuid": row.uuid,
        "seq": row.seq,
        "name": row.name,
        "is_prospect": row.is_prospect,
        "is_archived": row.is_archived,
        "is_deleted": row.is_deleted,
        "data": json.loads(row.data),
    }


def _filtered(tenant: str, modified_since: str | None):
    query = select(clients).where(clients.c.tenant == tenant)
    if modified_since:
        query = query.where(clients.c.modified_at >= modified_since)
    return query


def all_clients(
    connection: Connection,
    tenant: str,
    modified_since: str | None = None,
    offset: int = 0,
    limit: int | None = None,
) -> list[dict]:
    """The tenant's clients by name, optionally only those changed since a time, or one page."""
    query = _filtered(tenant, modified_since).order_by(clients.c.name, clients.c.seq)
    if offset or limit is not None:
        query = query.offset(offset).limit(limit)
    return [_entry(row) for row in connection.execute(query)]


def count_clients(connection: Connection, tenant: str, modified_since: str | None = None) -> int:
    """How many clients ``all_clients`` would return without paging."""
    query = _filtered(tenant, modified_since).with_only_columns(func.count())
    return connection.scalar(query)


def client_page(
    connection: Connection, tenant: str, size: int, after: int = 0
) -> tuple[list[dict], bool]:
    """The ``size`` active clients after position ``after``, and whether more follow."""
    query = select(clients).where(
        clients.c.tenant == tenant,
        clients.c.seq > after,
        clients.c.is_archived.is_(False),
        clients.c.is_deleted.is_(False),
    )
    rows = connection.execute(query.order_by(clients.c.seq).limit(size + 1)).all()
    return [_entry(row) for row in rows[:size]], len(rows) > size


def search(connection: Connection, tenant: str, text: str) -> list[dict]:
    """Clients whose name contains ``text``, ignoring case and macrons: archived ones too
    (the answer does not say which), deleted ones not."""
    query = select(clients).where(
        clients.c.tenant == tenant,
        func.instr(clients.c.search_name, fold(text)) > 0,
        clients.c.is_deleted.is_(False),
    )
    return [
        _entry(row) for row in connection.execute(query.order_by(clients.c.name, clients.c.seq))
    ]


def get_client(connection: Connection, tenant: str, client_uuid: str) -> dict | None:
    """One client, or None."""
    query = select(clients).where(clients.c.tenant == tenant, clients.c.uuid == client_uuid)
    row = connection.execute(query).first()
    return _entry(row) if row else None


def relationships_of(connection: Connection, tenant: str, uuids: list[str]) -> dict[str, list]:
    """Each client's relationships, from both sides, as its XPM record lists them."""
    wanted = set(uuids)
    found: dict[str, list] = {client_uuid: [] for client_uuid in uuids}
    for forward in (True, False):
        other = aliased(clients)
        own, theirs = (
            (relationships.c.client_uuid, relationships.c.related_uuid)
            if forward
            else (relationships.c.related_uuid, relationships.c.client_uuid)
        )
        query = (
            select(
                relationships,
                own.label("owner"),
                other.c.uuid.label("other_uuid"),
                other.c.name.label("other_name"),
            )
            .join(other, and_(other.c.tenant == relationships.c.tenant, other.c.uuid == theirs))
            .where(relationships.c.tenant == tenant)
        )
        if len(wanted) <= IN_LIMIT:
            query = query.where(own.in_(wanted))
        # Sorted here, not in SQL: an ORDER BY on the key tempts SQLite into a full scan.
        for row in connection.execute(query):
            if row.owner in wanted:
                found[row.owner].append(_relationship(row, forward))
    for listed in found.values():
        listed.sort(key=lambda relationship: relationship["UUID"])
    return found


def _relationship(row, forward: bool) -> dict:
    return {
        "UUID": row.uuid,
        "Type": row.type if forward else inverse(row.type),
        "RelatedClient": {"UUID": row.other_uuid, "Name": row.other_name},
        "NumberOfShares": row.number_of_shares,
        "Percentage": row.percentage,
        "StartDate": row.start_date or "",
        "EndDate": row.end_date or "",
    }


def groups_of(connection: Connection, tenant: str, uuids: list[str]) -> dict[str, list]:
    """The groups each client belongs to."""
    wanted = set(uuids)
    query = (
        select(members.c.client_uuid, groups.c.uuid, groups.c.name)
        .join(
            groups, and_(groups.c.tenant == members.c.tenant, groups.c.uuid == members.c.group_uuid)
        )
        .where(members.c.tenant == tenant)
    )
    if len(wanted) <= IN_LIMIT:
        query = query.where(members.c.client_uuid.in_(wanted))
    found: dict[str, list] = {client_uuid: [] for client_uuid in uuids}
    for row in connection.execute(query.order_by(groups.c.name)):
        if row.client_uuid in wanted:
            found[row.client_uuid].append({"UUID": row.uuid, "Name": row.name})
    return found


def client_groups(connection: Connection, tenant: str) -> list:
    """Every client group of the tenant, by name."""
    query = select(groups).where(groups.c.tenant == tenant).order_by(groups.c.name, groups.c.uuid)
    return connection.execute(query).all()


def client_group(connection: Connection, tenant: str, group_uuid: str):
    """One group and its member clients, or (None, [])."""
    group = connection.execute(
        select(groups).where(groups.c.tenant == tenant, groups.c.uuid == group_uuid)
    ).first()
    if group is None:
        return None, []
    query = (
        select(clients.c.uuid, clients.c.name)
        .join(
            members,
            and_(members.c.tenant == clients.c.tenant, members.c.client_uuid == clients.c.uuid),
        )
        .where(members.c.tenant == tenant, members.c.group_uuid == group_uuid)
        .order_by(clients.c.name)
    )
    return group, connection.execute(query).all()


# --- Changes made through the control endpoints ------------------------------------------
FLAGS = {"IsProspect": "is_prospect", "IsArchived": "is_archived", "IsDeleted": "is_deleted"}


def add_client(connection: Connection, tenant: str, fields: dict, now: float) -> str:
    """Add a client (as if someone created it in XPM) and return its UUID."""
    last = connection.scalar(select(func.max(clients.c.seq)).where(clients.c.tenant == tenant))
    data = {name: value for name, value in fields.items() if name not in FLAGS}
    client = {
        "uuid": str(uuid.uuid4()),
        "seq": (last or 0) + 1,
        "name": data["Name"],
        "modified_at": now_text(now),
        "data": data,
        **{column: _yes(fields.get(name)) for name, column in FLAGS.items()},
    }
    connection.execute(insert(clients), [client_row(tenant, client)])
    return client["uuid"]


def change_client(
    connection: Connection, tenant: str, client_uuid: str, fields: dict, now: float
) -> bool:
    """Change a client's fields or status (archive, delete); False if there is no such client."""
    current = get_client(connection, tenant, client_uuid)
    if current is None:
        return False
    data = {**current["data"], **{k: v for k, v in fields.items() if k not in FLAGS}}
    values = {column: _yes(fields[name]) for name, column in FLAGS.items() if name in fields}
    connection.execute(
        update(clients)
        .where(clients.c.tenant == tenant, clients.c.uuid == client_uuid)
        .values(
            name=data["Name"],
            search_name=fold(data["Name"]),
            modified_at=now_text(now),
            data=json.dumps(data, ensure_ascii=False),
            **values,
        )
    )
    return True


def relate(
    connection: Connection,
    tenant: str,
    entity: str,
    party: str,
    kind: str,
    shares: int | None,
    now: float,
) -> str:
    """Add a relationship between two clients; both records count as modified."""
    relationship_uuid = str(uuid.uuid4())
    connection.execute(
        insert(relationships),
        [
            {
                "tenant": tenant,
                "uuid": relationship_uuid,
                "client_uuid": entity,
                "related_uuid": party,
                "type": kind,
                "number_of_shares": shares,
            }
        ],
    )
    connection.execute(
        update(clients)
        .where(clients.c.tenant == tenant, or_(clients.c.uuid == entity, clients.c.uuid == party))
        .values(modified_at=now_text(now))
    )
    return relationship_uuid


def _yes(value) -> bool:
    return value is True or str(value).strip().lower() in ("yes", "true", "1")

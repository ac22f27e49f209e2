"""The sandbox's own SQLite database: schema, engine, seeding.

SQLAlchemy Core on a private ``MetaData``, so nothing here reaches the portal's models or
migrations. Tables are created on first use; the dataset is (re)built by ``seed``, which
leaves tokens and connections alone so a connected portal stays connected.
"""

import json
import secrets
import unicodedata
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    delete,
    insert,
    select,
)
from sqlalchemy.engine import Connection, Engine

from portal.database import make_engine
from portal.sandbox import generator, tenants

metadata = MetaData()

clients = Table(
    "clients",
    metadata,
    Column("tenant", String(36), primary_key=True),
    Column("uuid", String(36), primary_key=True),
    Column("seq", Integer, nullable=False),
    Column("name", Text, nullable=False),
    Column("search_name", Text, nullable=False),
    Column("is_prospect", Boolean, nullable=False, default=False),
    Column("is_archived", Boolean, nullable=False, default=False),
    Column("is_deleted", Boolean, nullable=False, default=False),
    Column("modified_at", String(19), nullable=False),
    Column("data", Text, nullable=False),  # the record as JSON, keyed by XPM element names
    Index("ix_clients_order", "tenant", "seq", unique=True),
    Index("ix_clients_modified", "tenant", "modified_at"),
)

relationships = Table(
    "relationships",
    metadata,
    Column("tenant", String(36), primary_key=True),
    Column("uuid", String(36), primary_key=True),
    Column("client_uuid", String(36), nullable=False),
    Column("related_uuid", String(36), nullable=False),
    Column("type", String(40), nullable=False),
    Column("number_of_shares", BigInteger),
    Column("percentage", Float),
    Column("start_date", String(19)),
    Column("end_date", String(19)),
    Index("ix_relationships_client", "tenant", "client_uuid"),
    Index("ix_relationships_related", "tenant", "related_uuid"),
)

groups = Table(
    "groups",
    metadata,
    Column("tenant", String(36), primary_key=True),
    Column("uuid", String(36), primary_key=True),
    Column("name", Text, nullable=False),
    Column("taxable", String(3), nullable=False),
)

members = Table(
    "group_members",
    metadata,
    Column("tenant", String(36), primary_key=True),
    Column("group_uuid", String(36), primary_key=True),
    Column("client_uuid", String(36), primary_key=True),
    Index("ix_group_members_client", "tenant", "client_uuid"),
)

meta = Table(
    "meta",
    metadata,
    Column("key", String(40), primary_key=True),
    Column("value", Text, nullable=False),
)

# --- Identity: pending consents, authorisation codes, connections, tokens ---------------
consents = Table(
    "consents",
    metadata,
    Column("nonce_hash", String(64), primary_key=True),
    Column("provider", String(20), nullable=False),
    Column("client_id", Text, nullable=False),
    Column("redirect_uri", Text, nullable=False),
    Column("scope", Text, nullable=False),
    Column("state", Text),
    Column("code_challenge", Text),
    Column("expires_at", Float, nullable=False),
    Column("used", Boolean, nullable=False, default=False),
)

codes = Table(
    "codes",
    metadata,
    Column("code_hash", String(64), primary_key=True),
    Column("provider", String(20), nullable=False),
    Column("client_id", Text, nullable=False),
    Column("redirect_uri", Text, nullable=False),
    Column("scope", Text, nullable=False),
    Column("code_challenge", Text),
    Column("auth_event_id", String(36), nullable=False),
    Column("expires_at", Float, nullable=False),
    Column("used", Boolean, nullable=False, default=False),
)

connections = Table(
    "connections",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("provider", String(20), nullable=False),
    Column("client_id", Text, nullable=False),
    Column("tenant_id", String(36), nullable=False),
    Column("auth_event_id", String(36), nullable=False),
    Column("created_at", Float, nullable=False),
    Column("updated_at", Float, nullable=False),
    Column("active", Boolean, nullable=False, default=True),
    Index("ix_connections_app_tenant", "client_id", "tenant_id", unique=True),
)

tokens = Table(
    "tokens",
    metadata,
    # sha256 of a refresh token; the ``jti`` of an access token (a signed JWT)
    Column("token_hash", String(64), primary_key=True),
    Column("kind", String(10), nullable=False),
    Column("provider", String(20), nullable=False),
    Column("client_id", Text, nullable=False),
    Column("scope", Text, nullable=False),
    Column("auth_event_id", String(36), nullable=False),
    Column("expires_at", Float, nullable=False),
    Column("replaced_at", Float),  # when a refresh token was exchanged: its grace starts
    Column("revoked", Boolean, nullable=False, default=False),
    Index("ix_tokens_auth_event", "auth_event_id"),
)

DATA_TABLES = (clients, relationships, groups, members)
BATCH = 5_000


def fold(text: str) -> str:
    """Text for matching: case and diacritics folded, so ``kowhai`` finds ``Kōwhai``."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def create_engine_for(url: str) -> Engine:
    """An engine on ``url`` with WAL, a busy timeout and immediate write transactions."""
    if url.startswith("sqlite:///") and ":memory:" not in url:
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    return make_engine(url)


@contextmanager
def writing(engine: Engine):
    """A connection in a write transaction (``BEGIN IMMEDIATE`` on SQLite), committed at the end."""
    with engine.connect() as connection:
        connection = connection.execution_options(sqlite_immediate=True)
        with connection.begin():
            yield connection


def create_tables(engine: Engine) -> str:
    """Create missing tables and return the token-signing key, made once per database.

    Two processes starting together queue on the write lock instead of racing.
    """
    with writing(engine) as connection:
        metadata.create_all(connection)
        key = connection.scalar(select(meta.c.value).where(meta.c.key == "signing_key"))
        if key is None:
            key = secrets.token_urlsafe(48)
            connection.execute(insert(meta), [{"key": "signing_key", "value": key}])
    return key


def seeded_size(connection: Connection) -> int | None:
    """The practice size the dataset was built with, or None before the first seed."""
    value = connection.scalar(select(meta.c.value).where(meta.c.key == "clients"))
    return int(value) if value is not None else None


def seed(engine: Engine, size: int, only_if_empty: bool = False) -> dict[str, int]:
    """Replace every tenant's dataset with the one generated for a practice of ``size``.

    With ``only_if_empty`` an existing dataset stays (checked inside the write lock, so two
    processes starting together seed once). Returns the clients per tenant written.
    """
    datasets = [generator.generate(tenant, size) for tenant in tenants.WITH_DATA]
    with writing(engine) as connection:
        if only_if_empty and seeded_size(connection) is not None:
            return {}
        for table in DATA_TABLES:
            connection.execute(delete(table))
        connection.execute(delete(meta).where(meta.c.key == "clients"))
        for dataset in datasets:
            write_dataset(connection, dataset)
        connection.execute(insert(meta), [{"key": "clients", "value": str(size)}])
    return {dataset.tenant.name: len(dataset.clients) for dataset in datasets}


def ensure_seeded(engine: Engine, size: int) -> None:
    """Seed the default dataset unless one is there already."""
    with engine.connect() as connection:
        if seeded_size(connection) is not None:
            return
    seed(engine, size, only_if_empty=True)


def write_dataset(connection: Connection, dataset) -> None:
    """Insert one tenant's generated rows."""
    tenant = dataset.tenant.id
    rows = [client_row(tenant, client) for client in dataset.clients]
    for table, batch in (
        (clients, rows),
        (relationships, [{"tenant": tenant, **row} for row in dataset.relationships]),
        (groups, [{"tenant": tenant, **row} for row in dataset.groups]),
        (members, [{"tenant": tenant, **row} for row in dataset.members]),
    ):
        for start in range(0, len(batch), BATCH):
            connection.execute(insert(table), batch[start : start + BATCH])


def client_row(tenant: str, client: dict) -> dict:
    """A ``clients`` row from a generated or added client."""
    return {
        **client,
        "tenant": tenant,
        "search_name": fold(client["name"]),
        "data": json.dumps(client["data"], ensure_ascii=False, separators=(",", ":")),
    }

"""The database: declarative base, one engine per application, a session per request.

SQLite runs with foreign keys on, WAL and a busy timeout; a unit of work that writes
starts with ``BEGIN IMMEDIATE`` there, so two writers queue instead of failing on upgrade.
"""

from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from flask import current_app, g
from sqlalchemy import MetaData, create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

SQLITE_BUSY_TIMEOUT_MS = 15_000


def utcnow() -> datetime:
    """Now in UTC, without tzinfo: the form every timestamp column stores."""
    return datetime.now(UTC).replace(tzinfo=None)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def make_engine(url: str) -> Engine:
    """Create an engine with the settings this application relies on."""
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
        )
        _configure_sqlite(engine)
        return engine
    return create_engine(url, pool_pre_ping=True)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, _record):
        # Let SQLAlchemy, not the driver, decide when a transaction begins.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection):
        immediate = connection.get_execution_options().get("sqlite_immediate")
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def init_app(app) -> None:
    """Bind an engine and a session factory to the application."""
    url = app.config["DATABASE_URL"]
    if url.startswith("sqlite:///") and ":memory:" not in url:
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    engine = make_engine(url)
    app.extensions["portal.engine"] = engine
    app.extensions["portal.sessions"] = sessionmaker(engine, expire_on_commit=False)
    app.teardown_appcontext(_close_session)


def engine() -> Engine:
    """The current application's engine."""
    return current_app.extensions["portal.engine"]


def session() -> Session:
    """The session of the current request (or application context)."""
    if "db_session" not in g:
        g.db_session = current_app.extensions["portal.sessions"]()
    return g.db_session


def _close_session(_exception) -> None:
    db_session = g.pop("db_session", None)
    if db_session is not None:
        db_session.close()


def end_read(db_session: Session) -> None:
    """End the session's read transaction and give back its connection, so that none is
    held while waiting on XPM or on another worker (loaded objects stay as they are)."""
    if db_session.in_transaction():
        db_session.commit()


@contextmanager
def writing(db_session: Session):
    """Run a unit of work in a write transaction, committed at the end or rolled back.

    Any read transaction the session holds is ended first, so that on SQLite the write
    transaction starts as ``BEGIN IMMEDIATE`` and waits its turn instead of failing.
    """
    end_read(db_session)
    db_session.connection(execution_options={"sqlite_immediate": True})
    try:
        yield db_session
        db_session.commit()
    except BaseException:
        db_session.rollback()
        raise

"""Alembic environment: migrations run against the URL the application configured."""

from alembic import context

import portal.models  # noqa: F401  (registers every table on the metadata)
from portal.database import Base, make_engine

config = context.config
url = config.get_main_option("sqlalchemy.url")


def _foreign_keys(connection, state: str) -> None:
    """Switch SQLite's foreign key enforcement, which it ignores inside a transaction: so
    on the driver's connection, outside the one SQLAlchemy begins."""
    connection.connection.driver_connection.execute(f"PRAGMA foreign_keys = {state}")


def run_migrations() -> None:
    engine = make_engine(url)
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # Batch mode rebuilds a table by copying it and dropping the old one: with foreign
            # keys enforced, that drop would delete every row referring to it (ON DELETE
            # CASCADE). They are checked once the migrations are done instead.
            _foreign_keys(connection, "OFF")
        context.configure(
            connection=connection,
            target_metadata=Base.metadata,
            render_as_batch=sqlite,
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
            if sqlite:
                broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                if broken:
                    raise RuntimeError(f"migrations left rows with broken references: {broken}")
        if sqlite:
            _foreign_keys(connection, "ON")
    engine.dispose()


run_migrations()

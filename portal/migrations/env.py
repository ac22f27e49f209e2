"""Alembic environment: migrations run against the URL the application configured."""

from alembic import context

import portal.models  # noqa: F401  (registers every table on the metadata)
from portal.database import Base, make_engine

config = context.config
url = config.get_main_option("sqlalchemy.url")


def run_migrations() -> None:
    engine = make_engine(url)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=Base.metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run_migrations()

"""Migrations build the schema from empty, and the schema they build matches the models."""

import os

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text

from portal.db import Base, make_engine
from portal.migrate import upgrade
from portal.reference import COMPANY_TYPES, TRUST_TYPES


def empty_database_urls(tmp_path):
    yield "sqlite", f"sqlite:///{tmp_path / 'empty.db'}"
    base = os.environ.get("PORTAL_TEST_DATABASE_URL")
    if base:
        admin = create_engine(base, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text("DROP DATABASE IF EXISTS portal_migration_check"))
            connection.execute(text("CREATE DATABASE portal_migration_check"))
        yield "postgresql", base.rsplit("/", 1)[0] + "/portal_migration_check"
        with admin.connect() as connection:
            connection.execute(text("DROP DATABASE IF EXISTS portal_migration_check WITH (FORCE)"))
        admin.dispose()


def test_upgrade_from_empty_matches_the_models(tmp_path):
    lanes = []
    for lane, url in empty_database_urls(tmp_path):
        upgrade(url)
        engine = make_engine(url)
        with engine.connect() as connection:
            differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
            assert differences == [], f"{lane}: models and migrations differ: {differences}"
            tables = set(inspect(connection).get_table_names())
            assert {"firms", "users", "profiles", "associations", "audit_events"} <= tables
            codes = connection.execute(text("SELECT code FROM company_types")).scalars().all()
            assert sorted(codes) == sorted(code for code, _ in COMPANY_TYPES)
            trusts = connection.execute(text("SELECT count(*) FROM trust_types")).scalar()
            assert trusts == len(TRUST_TYPES)
        engine.dispose()
        lanes.append(lane)
    assert "sqlite" in lanes


def test_sqlite_runs_with_foreign_keys_wal_and_busy_timeout(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'pragmas.db'}")
    with engine.connect() as connection:
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA busy_timeout")).scalar() >= 5000
    engine.dispose()


@pytest.mark.parametrize(
    "statement",
    [
        "INSERT INTO profiles (firm_id, kind, standing, setup_status, name, sort_name) "
        "VALUES (999, 'company', 'contact', 'preparing', 'x', 'x')",
    ],
)
def test_foreign_keys_are_enforced(app, statement):
    from sqlalchemy.exc import IntegrityError

    from portal import db

    with app.app_context(), pytest.raises(IntegrityError), db.engine().begin() as connection:
        connection.execute(text(statement))

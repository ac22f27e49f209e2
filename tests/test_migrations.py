"""Migrations build the schema from empty, and the schema they build matches the models."""

import os

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, insert, inspect, select, text

from portal.database import Base, make_engine
from portal.migrate import alembic_config, upgrade
from portal.models import Association, Firm, Profile
from portal.reference import COMPANY_TYPES, TRUST_TYPES


def empty_database_urls(tmp_path):
    yield "sqlite", f"sqlite:///{tmp_path / 'empty.db'}"
    base = os.environ.get("PORTAL_TEST_DATABASE_URL")
    if base:
        # Named after the test database, so that runs on different ones never share it.
        check = base.rsplit("/", 1)[1].split("?")[0] + "_migration_check"
        admin = create_engine(base, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{check}"'))
            connection.execute(text(f'CREATE DATABASE "{check}"'))
        yield "postgresql", base.rsplit("/", 1)[0] + "/" + check
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{check}" WITH (FORCE)'))
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

    from portal import database

    with app.app_context(), pytest.raises(IntegrityError), database.engine().begin() as connection:
        connection.execute(text(statement))


def test_revision_0008_widens_share_counts_and_back(tmp_path):
    """Upgrading keeps every share count; downgrading empties only those 32 bits cannot hold
    (on PostgreSQL the old column type would refuse them)."""
    for lane, url in empty_database_urls(tmp_path):
        upgrade(url, "0007")
        engine = make_engine(url)
        with engine.begin() as connection:
            _one_shareholding(connection, 600)
        upgrade(url)
        with engine.begin() as connection:
            connection.execute(text("UPDATE associations SET shares = 3000000000"))
            _one_shareholding(connection, 400, reference="second")
        command.downgrade(alembic_config(url), "0007")
        with engine.connect() as connection:
            shares = connection.execute(text("SELECT shares FROM associations ORDER BY id"))
            assert shares.scalars().all() == [None, 400], lane
        engine.dispose()


def _one_shareholding(connection, shares: int, reference: str = "first") -> None:
    """A firm (if none), two profiles and a shareholding between them (Core inserts, whose
    column defaults fill in the rest; these tables' columns are the same at 0007)."""
    firm = (
        connection.execute(select(Firm.id)).scalar()
        or connection.execute(insert(Firm).values(name="F").returning(Firm.id)).scalar()
    )
    profile, party = (
        connection.execute(
            insert(Profile.__table__)
            .values(firm_id=firm, kind="company", standing="contact", name=name, sort_name=name)
            .returning(Profile.__table__.c.id)
        ).scalar()
        for name in (f"{reference} company", f"{reference} person")
    )
    connection.execute(
        insert(Association.__table__).values(
            firm_id=firm, profile_id=profile, party_id=party, role="shareholder", shares=shares
        )
    )


def test_revision_0010_adds_merge_records_and_back(tmp_path):
    """A merge record follows its kept profile: removing that profile removes the record."""
    for lane, url in empty_database_urls(tmp_path):
        upgrade(url, "0008")
        upgrade(url, "0010")
        engine = make_engine(url)
        with engine.begin() as connection:
            assert "profile_merges" in inspect(connection).get_table_names(), lane
            _one_shareholding(connection, 10)
            firm, kept = connection.execute(text("SELECT firm_id, id FROM profiles")).first()
            connection.execute(
                text(
                    "INSERT INTO profile_merges (firm_id, merged_profile_id, merged_name, "
                    "kept_profile_id, merged_at, detail) VALUES (:f, 999, 'Old', :k, "
                    "CURRENT_TIMESTAMP, '{}')"
                ),
                {"f": firm, "k": kept},
            )
        with engine.begin() as connection:
            connection.execute(text("DELETE FROM profiles WHERE id = :k"), {"k": kept})
            assert connection.execute(text("SELECT count(*) FROM profile_merges")).scalar() == 0
        command.downgrade(alembic_config(url), "0008")
        with engine.connect() as connection:
            assert "profile_merges" not in inspect(connection).get_table_names(), lane
        engine.dispose()

"""Migrations build the schema from empty, and the schema they build matches the models."""

import os

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import MetaData, Table, create_engine, insert, inspect, select, text
from sqlalchemy.exc import IntegrityError

from portal.database import Base, make_engine
from portal.migrate import alembic_config, upgrade
from portal.models import Association, AuditEvent, BulkImport, BulkImportRow, Firm, Profile
from portal.reference import COMPANY_TYPES, FILING_OBLIGATIONS, TRUST_TYPES


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
    column defaults fill in the rest, for the columns the database has at its revision)."""
    firm = (
        connection.execute(select(Firm.id)).scalar()
        or connection.execute(insert(Firm).values(name="F").returning(Firm.id)).scalar()
    )
    profiles = _as_stored(connection, Profile.__table__)
    profile, party = (
        connection.execute(
            insert(profiles)
            .values(firm_id=firm, kind="company", standing="contact", name=name, sort_name=name)
            .returning(profiles.c.id)
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


def _as_stored(connection, table: Table) -> Table:
    """``table`` with only the columns the database has now, each with the model's default:
    an insert at an older revision then names no column a later one added."""
    present = {column["name"] for column in inspect(connection).get_columns(table.name)}
    return Table(table.name, MetaData(), *(c._copy() for c in table.columns if c.name in present))


def test_revision_0009_backfills_each_profile_origin_from_its_history_and_back(tmp_path):
    """The rule in the migration's docstring: a bulk row that created it, else the audit
    log's "profile_created" or "link" (manual), else an XPM link now or before (xpm), else
    manual. Downgrading keeps every profile and its roles."""
    for lane, url in empty_database_urls(tmp_path):
        upgrade(url, "0008")
        engine = make_engine(url)
        with engine.begin() as connection:
            _one_shareholding(connection, 10, reference="history")
            firm = connection.execute(select(Firm.id)).scalar()
            ids = {
                name: _profile(connection, firm, name, linked)
                for name, linked in (
                    ("bulk", False),
                    ("manual", False),
                    ("manual then linked", True),
                    ("imported", True),
                    ("imported then disconnected", False),
                    ("no history", False),
                )
            }
            batch = connection.execute(
                insert(_as_stored(connection, BulkImport.__table__))
                .values(firm_id=firm, filename="a.csv", file_bytes=1, file_sha256="0" * 64)
                .returning(BulkImport.__table__.c.id)
            ).scalar()
            connection.execute(
                insert(_as_stored(connection, BulkImportRow.__table__)).values(
                    bulk_import_id=batch,
                    line=2,
                    record="profile",
                    outcome="created",
                    profile_id=ids["bulk"],
                )
            )
            for name, action in (
                ("manual", "profile_created"),
                ("manual then linked", "profile_created"),
                ("manual then linked", "link"),
                ("imported then disconnected", "unlink"),
            ):
                connection.execute(
                    insert(_as_stored(connection, AuditEvent.__table__)).values(
                        firm_id=firm, action=action, object_type="profile", object_id=ids[name]
                    )
                )
        upgrade(url)
        with engine.connect() as connection:
            origins = dict(connection.execute(text("SELECT name, origin FROM profiles")).all())
        assert origins == {
            "history company": "manual",
            "history person": "manual",
            "bulk": "bulk",
            "manual": "manual",
            "manual then linked": "manual",
            "imported": "xpm",
            "imported then disconnected": "xpm",
            "no history": "manual",
        }, lane
        with pytest.raises(IntegrityError), engine.begin() as connection:
            connection.execute(text("UPDATE profiles SET filing_obligation = 'sometimes'"))
        with engine.begin() as connection:
            for code, _ in FILING_OBLIGATIONS:  # the migration's list is the reference one
                connection.execute(
                    text("UPDATE profiles SET filing_obligation = :code"), {"code": code}
                )
        command.downgrade(alembic_config(url), "0008")
        with engine.connect() as connection:
            assert connection.execute(text("SELECT count(*) FROM profiles")).scalar() == 8, lane
            assert connection.execute(text("SELECT count(*) FROM associations")).scalar() == 1
            columns = {c["name"] for c in inspect(connection).get_columns("profiles")}
            assert not columns & {"origin", "filing_obligation", "registered_address"}, lane
        engine.dispose()


def _profile(connection, firm: int, name: str, linked: bool) -> int:
    link = {"xpm_provider": "xpm", "xpm_client_uuid": f"uuid-{name}"} if linked else {}
    return connection.execute(
        insert(_as_stored(connection, Profile.__table__))
        .values(firm_id=firm, kind="company", standing="contact", name=name, sort_name=name, **link)
        .returning(Profile.__table__.c.id)
    ).scalar()


def test_revision_0012_gives_the_built_in_mappings_their_types_and_back(tmp_path):
    """LTC and Family Trust get their types where the firm still maps them so; a firm's own
    choice (Look Through Company as an individual) is kept; "Trust - Family" and
    "Charitable Trust" are added unless the firm maps them already."""
    for lane, url in empty_database_urls(tmp_path):
        upgrade(url, "0011")
        engine = make_engine(url)
        with engine.begin() as connection:
            firm = connection.execute(insert(Firm).values(name="F").returning(Firm.id)).scalar()
            for structure, key, kind in (
                ("LTC", "ltc", "company"),
                ("Look Through Company", "look through company", "individual"),
                ("Family Trust", "family trust", "trust"),
                ("Charitable trust", "charitable trust", "trust"),
            ):
                connection.execute(
                    text(
                        "INSERT INTO structure_mappings (firm_id, structure, structure_key, kind)"
                        " VALUES (:f, :s, :k, :kind)"
                    ),
                    {"f": firm, "s": structure, "k": key, "kind": kind},
                )
        upgrade(url, "0012")
        with engine.connect() as connection:
            rows = connection.execute(
                text(
                    "SELECT structure, kind, company_type_code, trust_type_code "
                    "FROM structure_mappings ORDER BY structure_key"
                )
            ).all()
        assert [tuple(row) for row in rows] == [
            ("Charitable trust", "trust", None, "charitable"),
            ("Family Trust", "trust", None, "family"),
            ("Look Through Company", "individual", None, None),
            ("LTC", "company", "ltc", None),
            ("Trust - Family", "trust", None, "family"),
        ], lane
        command.downgrade(alembic_config(url), "0011")
        with engine.connect() as connection:
            columns = {c["name"] for c in inspect(connection).get_columns("structure_mappings")}
            assert "company_type_code" not in columns and "trust_type_code" not in columns, lane
            count = connection.execute(text("SELECT count(*) FROM structure_mappings")).scalar()
            assert count == 5, lane
        engine.dispose()

"""The portal's register pages with the register on requests-mock (the documented bodies in
tests/fixtures/nzbn), and helpers to read what was stored."""

import pytest
from sqlalchemy import MetaData, select

from portal import database
from portal.models import Profile
from portal.text import fold
from tests.nzbn.conftest import fixture
from tests.test_clients import plan_id

URL = "https://register.example/gateway/nzbn/v5"
KEY = "TEST-SUBSCRIPTION-KEY"
NZBN = "9429090444661"  # KŌWHAI HOLDINGS LIMITED in entity.json
JSON = {"Content-Type": "application/json"}


@pytest.fixture
def register(app, requests_mock):
    """The portal pointed at a register on requests-mock answering the documented bodies."""
    app.config.update(NZBN_API_URL=URL, NZBN_SUBSCRIPTION_KEY=KEY, NZBN_RETRY_BACKOFF=0.001)
    requests_mock.get(f"{URL}/entities", json=fixture("search.json"), headers=JSON)
    requests_mock.get(f"{URL}/entities/{NZBN}", json=fixture("entity.json"), headers=JSON)
    return requests_mock


def choose(app, firm_id, **extra) -> dict:
    """The mandatory fields of Create."""
    return {
        "company_type_code": "limited_small",
        "subscription_plan_id": str(plan_id(app, firm_id)),
        **extra,
    }


def stored(app) -> dict[str, list]:
    """Every row of every table, to show that nothing changed."""
    with app.app_context():
        engine = database.engine()
        metadata = MetaData()
        metadata.reflect(engine)
        with engine.connect() as connection:
            return {
                name: sorted(map(tuple, connection.execute(table.select())), key=repr)
                for name, table in metadata.tables.items()
                if name != "alembic_version"
            }


def profile_named(app, name: str) -> Profile | None:
    with app.app_context():
        session = database.session()
        found = session.scalars(select(Profile).where(Profile.name == name)).first()
        if found is not None:
            session.expunge(found)
        return found


def add_company(app, firm_id, **values) -> int:
    """A company loaded manually (no register link)."""
    with app.app_context():
        session = database.session()
        with database.writing(session):
            profile = Profile(
                firm_id=firm_id,
                kind="company",
                standing="client",
                origin=values.pop("origin", "manual"),
                subscription_plan_id=plan_id(app, firm_id),
                company_type_code="limited_small",
                name=values.get("name", "Kōwhai Holdings Limited"),
                sort_name=fold(values.pop("name", "Kōwhai Holdings Limited")),
                **values,
            )
            session.add(profile)
        return profile.id


def add_person(app, firm_id, first, last, standing="contact") -> int:
    with app.app_context():
        session = database.session()
        with database.writing(session):
            name = f"{first} {last}"
            profile = Profile(
                firm_id=firm_id,
                kind="individual",
                standing=standing,
                name=name,
                sort_name=fold(name),
                first_name=first,
                last_name=last,
                subscription_plan_id=plan_id(app, firm_id) if standing == "client" else None,
            )
            session.add(profile)
        return profile.id

"""What the Compare-with-the-Companies-Office tests share: Kōwhai Holdings Limited as the
portal has it (linked to its register entry, tests/fixtures/nzbn/entity.json), with its
people, stored directly, and the register answering through requests-mock."""

import copy
from dataclasses import dataclass
from datetime import date

import pytest
from sqlalchemy import select

from portal import database
from portal.models import Association, AuditEvent, Profile
from tests.nzbn.conftest import KEY, URL, fixture
from tests.roles.conftest import add_profile

NZBN = "9429090444661"
ENTITY_URL = f"{URL}/entities/{NZBN}"
JSON = {"Content-Type": "application/json; charset=utf-8"}


@dataclass
class Company:
    firm_id: int
    user_id: int
    company: int
    aroha: int
    wiremu: int
    hone: int
    mere: int
    trust: int
    trustee_company: int
    te_arawa: int


@pytest.fixture
def register(app):
    app.config.update(
        NZBN_API_URL=URL, NZBN_SUBSCRIPTION_KEY=KEY, NZBN_RETRY_BACKOFF=0, NZBN_CALL_DEADLINE=5
    )
    return app


@pytest.fixture
def entity():
    """The documented entity, changed by a test before it is answered."""
    return copy.deepcopy(fixture("entity.json"))


def answer(requests_mock, body):
    return requests_mock.get(ENTITY_URL, json=body, headers=JSON)


def role(session, firm_id, profile_id, party_id, kind, **values):
    row = Association(
        firm_id=firm_id, profile_id=profile_id, party_id=party_id, role=kind, **values
    )
    session.add(row)
    session.flush()
    return row


@pytest.fixture
def linked(app, signed_in, register) -> Company:
    user_id, firm_id = signed_in
    with app.app_context():
        session = database.session()
        with database.writing(session):
            company = add_profile(
                session,
                firm_id,
                "company",
                "Kōwhai Holdings Limited",
                "client",
                nzbn=NZBN,
                company_number="9044466",
                companies_office_linked=True,
                incorporation_date=date(1999, 11, 15),
                registered_address="1 Old Road",
                registered_city="Auckland",
                service_address="Level 2, 100 Lambton Quay, Wellington Central",
                service_city="Wellington",
                service_postcode="6011",
                annual_return_month=3,
                total_shares=1000,
            )

            def person(first, last):
                return add_profile(
                    session,
                    firm_id,
                    "individual",
                    f"{first} {last}",
                    first_name=first,
                    last_name=last,
                )

            aroha, wiremu, hone, mere = (
                person("Aroha", "Ngata"),
                person("Wiremu", "Ngata"),
                person("Hone", "Heke"),
                person("Mere", "Tane"),
            )
            trust = add_profile(session, firm_id, "trust", "Pōhutukawa Family Trust")
            trustee = add_profile(session, firm_id, "company", "Pōhutukawa Trustee Company Limited")
            te_arawa = add_profile(
                session,
                firm_id,
                "company",
                "Te Arawa Pastoral Investments Limited",
                company_number="8123457",
            )
            c = company.id
            role(session, firm_id, c, aroha.id, "director", start_date=date(1999, 11, 15))
            role(session, firm_id, c, wiremu.id, "director", start_date=date(2010, 1, 1))
            role(session, firm_id, c, aroha.id, "shareholder", shares=400)
            role(session, firm_id, c, trust.id, "shareholder", shares=600)
            role(session, firm_id, c, hone.id, "shareholder", shares=50)
            role(session, firm_id, trust.id, trustee.id, "trustee")
            role(session, firm_id, trust.id, aroha.id, "trustee")
            ids = [p.id for p in (company, aroha, wiremu, hone, mere, trust, trustee, te_arawa)]
    return Company(firm_id, user_id, *ids)


def snapshot(app) -> tuple:
    """Every profile, role and audit event, to show that nothing changed."""
    with app.app_context():
        session = database.session()
        profiles = session.execute(select(Profile.__table__)).all()
        roles = session.execute(select(Association.__table__)).all()
        events = session.execute(select(AuditEvent.id)).all()
        database.end_read(session)
        return sorted(map(tuple, profiles)), sorted(map(tuple, roles)), events


def store_as_the_practice_has_it(
    session, firm_id, entity, name, *, still_directors=(), shares=None, lacking=()
) -> int:
    """Store the register's ``entity`` as a practice keeps it, linked (loading and linking
    are built elsewhere): its name as ``name``, its people as contacts, but the directors in
    ``still_directors`` still current, ``shares`` ({holder: number}) instead of the
    register's, and no holding for the holders in ``lacking``. Returns the company's id."""
    office = entity.registered_office
    service = entity.address_for_service
    company = add_profile(
        session,
        firm_id,
        "company",
        name,
        "client",
        nzbn=entity.nzbn,
        company_number=entity.company_number,
        companies_office_linked=True,
        incorporation_date=entity.incorporated,
        annual_return_month=entity.annual_return_month,
        total_shares=entity.total_shares,
        registered_address=", ".join(office.lines[:-1]),
        registered_city=office.lines[-1],
        registered_postcode=office.post_code or "",
        service_address=", ".join(service.lines[:-1]),
        service_city=service.lines[-1],
        service_postcode=service.post_code or "",
    )
    people: dict[str, Profile] = {}

    def party(holder_or_director) -> Profile:
        is_person = getattr(holder_or_director, "is_person", True)
        if not is_person:
            key = holder_or_director.name
            if key not in people:
                people[key] = add_profile(
                    session,
                    firm_id,
                    "company",
                    holder_or_director.name.title(),
                    nzbn=holder_or_director.nzbn or "",
                    company_number=holder_or_director.company_number or "",
                )
            return people[key]
        first = holder_or_director.first_name.title()
        last = holder_or_director.last_name.title()
        key = f"{first} {last}"
        if key not in people:
            people[key] = add_profile(
                session, firm_id, "individual", key, first_name=first, last_name=last
            )
        return people[key]

    for director in entity.directors:
        held = party(director)
        if director.current or held.name in still_directors:
            role(session, firm_id, company.id, held.id, "director", start_date=director.appointed)
    for index, allocation in enumerate(entity.allocations):
        if any(h.name.title() in lacking for h in allocation.shareholders):
            continue
        holders = [party(h) for h in allocation.shareholders]
        if len(holders) == 1:
            number = (shares or {}).get(holders[0].name, allocation.shares)
            role(session, firm_id, company.id, holders[0].id, "shareholder", shares=number)
            continue
        trust = add_profile(session, firm_id, "trust", f"{name} Holding Trust {index}")
        for holder in holders:
            role(session, firm_id, trust.id, holder.id, "trustee")
        role(session, firm_id, company.id, trust.id, "shareholder", shares=allocation.shares)
    return company.id


def entity_named(api, name: str):
    """The register's entity of exactly this name, read in full."""
    return next(api.entity(r.nzbn) for r in api.search(name).results if r.name == name)


def the_sandboxs_companies(api) -> tuple:
    """Kōwhai Holdings Limited and Ngāti Rua Farms Limited as the register sandbox has them."""
    kowhai = api.entity(api.by_company_number("9044466").nzbn)
    return kowhai, entity_named(api, "NGĀTI RUA FARMS LIMITED")


def store_the_sandboxs_companies(session, firm_id, kowhai, farms) -> tuple[int, int]:
    """Kōwhai Holdings as its practice keeps it (Wiremu Ngata still a director, Aroha Ngata
    with 400 shares) and Ngāti Rua Farms without the register's shareholder company."""
    return (
        store_as_the_practice_has_it(
            session,
            firm_id,
            kowhai,
            "Kōwhai Holdings Limited",
            still_directors={"Wiremu Ngata"},
            shares={"Aroha Ngata": 400},
        ),
        store_as_the_practice_has_it(
            session,
            firm_id,
            farms,
            "Ngāti Rua Farms Limited",
            lacking={"Te Arawa Pastoral Investments Limited"},
        ),
    )


def held(app, company_id) -> dict:
    """The company's roles: (party's name, role) to (shares, end date)."""
    with app.app_context():
        session = database.session()
        rows = session.scalars(
            select(Association).where(Association.profile_id == company_id)
        ).all()
        return {(r.party.name, r.role): (r.shares, r.end_date) for r in rows}

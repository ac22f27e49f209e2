"""Two "John Smith" contacts of one firm, each holding roles on a company and a trust, some the
same, one between each other: what a merge must bring together without losing or doubling
a role."""

from dataclasses import dataclass
from datetime import date, datetime

import pytest
from sqlalchemy import select

from portal import database
from portal.models import Association, Profile, SubscriptionPlan
from portal.text import fold


@dataclass
class Family:
    firm_id: int
    user_id: int
    company: int
    trust: int
    older: int  # John Smith, the older contact
    newer: int  # John Smith again, added later
    jane: int


def add_profile(session, firm_id, kind, name, **values) -> Profile:
    values.setdefault("standing", "contact")
    if kind == "individual" and "first_name" not in values:
        first, last = name.split(" ", 1)
        values |= {"first_name": first, "last_name": last}
    profile = Profile(firm_id=firm_id, kind=kind, name=name, sort_name=fold(name), **values)
    session.add(profile)
    session.flush()
    return profile


def plan(session, firm_id, name="Standard") -> int:
    return session.scalar(
        select(SubscriptionPlan.id).where(
            SubscriptionPlan.firm_id == firm_id, SubscriptionPlan.name == name
        )
    )


def build_family(app, firm_id: int, user_id: int) -> Family:
    with app.app_context():
        session = database.session()
        with database.writing(session):
            standard = plan(session, firm_id)
            company = add_profile(
                session,
                firm_id,
                "company",
                "Kōwhai Holdings Limited",
                standing="client",
                subscription_plan_id=standard,
                company_type_code="limited_small",
            )
            trust = add_profile(
                session,
                firm_id,
                "trust",
                "Smith Family Trust",
                standing="client",
                subscription_plan_id=standard,
                trust_type_code="family",
            )
            older = add_profile(
                session,
                firm_id,
                "individual",
                "John Smith",
                date_of_birth=date(1961, 3, 4),
                phone="09 555 0101",
                created_at=datetime(2024, 1, 1),
            )
            newer = add_profile(
                session,
                firm_id,
                "individual",
                "John Smith",
                date_of_birth=date(1961, 3, 4),
                email="john@smith.example",
                phone="021 555 0202",
                created_at=datetime(2025, 1, 1),
            )
            jane = add_profile(session, firm_id, "individual", "Jane Doe")

            def role(on, party, code, **details):
                session.add(
                    Association(
                        firm_id=firm_id,
                        profile_id=on.id,
                        party_id=party.id,
                        role=code,
                        **details,
                    )
                )

            role(company, older, "director", start_date=date(2020, 1, 1))
            role(company, newer, "director", label="Director", source_relationship_uuid="rel-2")
            role(company, newer, "shareholder", shares=500)
            role(company, jane, "shareholder", shares=500)
            role(trust, older, "trustee", start_date=date(2019, 5, 1))
            role(trust, newer, "trustee", start_date=date(2018, 1, 1))
            role(trust, newer, "beneficiary")
            role(trust, jane, "settlor")
            role(older, newer, "associate")  # between the two: it would be held on itself
            role(newer, jane, "spouse")
        return Family(firm_id, user_id, company.id, trust.id, older.id, newer.id, jane.id)


@pytest.fixture
def family(app, user) -> Family:
    user_id, firm_id = user
    return build_family(app, firm_id, user_id)


def association_set(app, firm_id: int) -> set[tuple]:
    """Every association of the firm as (profile, party, role, shares, start, label, uuid)."""
    with app.app_context():
        rows = database.session().scalars(select(Association).where(Association.firm_id == firm_id))
        return {
            (
                a.profile_id,
                a.party_id,
                a.role,
                a.shares,
                a.start_date,
                a.label,
                a.source_relationship_uuid,
            )
            for a in rows
        }

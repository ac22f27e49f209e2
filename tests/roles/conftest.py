"""What the roles tests share: a firm with a company, a trust and people, stored directly."""

from dataclasses import dataclass
from datetime import date

import pytest
from sqlalchemy import select

from portal import database
from portal.models import Association, AuditEvent, Profile, SubscriptionPlan
from portal.text import fold


@dataclass
class Firm:
    firm_id: int
    user_id: int
    company: int
    trust: int
    aroha: int
    other_aroha: int
    tui_trust: int
    trustee_company: int


def add_profile(session, firm_id, kind, name, standing="contact", **values) -> Profile:
    plan = None
    if standing == "client":
        plans = select(SubscriptionPlan.id).where(SubscriptionPlan.firm_id == firm_id)
        plan = session.scalar(plans)
    profile = Profile(
        firm_id=firm_id,
        kind=kind,
        standing=standing,
        name=name,
        sort_name=fold(name),
        subscription_plan_id=plan,
        **values,
    )
    session.add(profile)
    session.flush()
    return profile


@pytest.fixture
def firm(app, signed_in) -> Firm:
    user_id, firm_id = signed_in
    with app.app_context():
        session = database.session()
        with database.writing(session):
            ids = [
                add_profile(session, firm_id, "company", "Kōwhai Holdings Limited", "client").id,
                add_profile(
                    session,
                    firm_id,
                    "trust",
                    "Tōtara Family Trust",
                    "client",
                    settlement_date=date(2010, 4, 1),
                ).id,
                add_profile(
                    session,
                    firm_id,
                    "individual",
                    "Aroha Smith",
                    first_name="Aroha",
                    last_name="Smith",
                    date_of_birth=date(1970, 11, 26),
                ).id,
                add_profile(
                    session,
                    firm_id,
                    "individual",
                    "Aroha Smith",
                    first_name="Aroha",
                    last_name="Smith",
                    email="aroha@example.nz",
                ).id,
                add_profile(session, firm_id, "trust", "Tui Trust").id,
                add_profile(session, firm_id, "company", "Kea Trustees Limited").id,
            ]
    return Firm(firm_id, user_id, *ids)


def associations(app, profile_id):
    with app.app_context():
        return list(
            database.session().scalars(
                select(Association)
                .where(Association.profile_id == profile_id)
                .order_by(Association.id)
            )
        )


def events(app, action=None):
    with app.app_context():
        statement = select(AuditEvent).order_by(AuditEvent.id)
        if action:
            statement = statement.where(AuditEvent.action == action)
        return list(database.session().scalars(statement))


def profile(app, profile_id) -> Profile:
    with app.app_context():
        return database.session().get(Profile, profile_id)


def hold(app, firm: Firm, profile_id, party_id, role, **values) -> int:
    """Store a role directly (as an import would) and return its id."""
    with app.app_context():
        session = database.session()
        with database.writing(session):
            association = Association(
                firm_id=firm.firm_id, profile_id=profile_id, party_id=party_id, role=role, **values
            )
            session.add(association)
            session.flush()
            return association.id

"""Helpers for the import's tests over real HTTP against the sandbox."""

from sqlalchemy import select

from portal import database
from portal.addons.api import practice_api
from portal.models import Profile, SubscriptionPlan
from tests.importing.conftest import table_counts


def find(app, firm_id: int, name: str, structure: str | None = None) -> str:
    """The UUID of the sandbox client called ``name`` (the first, if XPM has several)."""
    with app.app_context():
        found = practice_api(database.session(), firm_id).search(
            name, detailed=structure is not None
        )
    matches = [c for c in found if c.name == name]
    if structure is not None:
        matches = [c for c in matches if c.business_structure == structure]
    assert matches, f"the sandbox has no client called {name!r}"
    return matches[0].uuid


def plan_id(app, firm_id: int, name: str = "Standard") -> str:
    with app.app_context():
        return str(
            database.session().scalar(
                select(SubscriptionPlan.id).where(
                    SubscriptionPlan.firm_id == firm_id, SubscriptionPlan.name == name
                )
            )
        )


def counts(app) -> dict[str, int]:
    """Rows in every table."""
    with app.app_context():
        return table_counts(database.session().connection())


def profile_named(app, name: str) -> Profile | None:
    with app.app_context():
        return database.session().scalar(select(Profile).where(Profile.name == name))


def import_url(client_uuid: str) -> str:
    return f"/clients/import/xpm/{client_uuid}"

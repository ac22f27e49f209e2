"""The sandbox's practice has one John Smith entered three times as directors of a company:
imported, each of them is suggested as the same as the other two, and merging brings their
directorships together."""

from sqlalchemy import select

from portal import database
from portal.models import Association, Profile
from portal.sandbox.fixtures import CHAIN_COMPANY
from tests.importing.sandboxed import find, import_url
from tests.importing.test_views import company_form
from tests.merging.test_views import defaults

pytest_plugins = ["tests.sandboxed"]


def test_the_three_john_smiths_are_suggested_and_merge_into_one(app, client, connected):
    firm_id = connected[1]
    holdings = find(app, firm_id, CHAIN_COMPANY, "Ltd Co")  # the one with three John Smiths
    imported = client.post(import_url(holdings), data=company_form(app, firm_id))
    assert imported.status_code == 302
    with app.app_context():
        smiths = database.session().scalars(
            select(Profile.id).where(Profile.firm_id == firm_id, Profile.name == "John Smith")
        )
        smiths = sorted(smiths)
    assert len(smiths) == 3
    for smith in smiths:
        page = client.get(f"/clients/{smith}").get_data(as_text=True)
        assert page.count("Possibly the same as:") == 2, smith
        for other in set(smiths) - {smith}:
            assert f'href="/clients/{smith}/merge/{other}">Merge…</a>' in page
    first, second, third = smiths
    # Each is linked to its own XPM client: the portal says so, and merges nothing.
    refused = client.get(f"/clients/{first}/merge/{second}").get_data(as_text=True)
    assert "linked to two different clients in the practice manager" in refused
    for smith in (second, third):  # as staff would: disconnect the copy, then merge
        assert client.post(f"/clients/{smith}/xpm/unlink", data={"confirm": "1"}).status_code == 302
        url = f"/clients/{first}/merge/{smith}"
        merged = client.post(url, data={**defaults(client, url), "confirmed": "yes"})
        assert merged.headers["Location"] == f"/clients/{first}"
    with app.app_context():
        directors = database.session().scalars(
            select(Association.party_id).where(
                Association.firm_id == firm_id, Association.role == "director"
            )
        )
        assert list(directors) == [first]  # three directorships of one person: one
    page = client.get(f"/clients/{first}").get_data(as_text=True)
    assert "Possibly the same as:" not in page

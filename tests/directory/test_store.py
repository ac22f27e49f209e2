"""The directory's store: what XPM said goes in; pages of it come out in name order."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from portal import db
from portal.db import utcnow, writing
from portal.directory import Practice, Search, listing
from portal.directory.store import remove_unseen, upsert
from portal.models import Profile, SubscriptionPlan
from portal.xpm import XpmClient


@pytest.fixture
def practice(app, user):
    return Practice(firm_id=user[1], provider="xpm", tenant_id="tenant-1")


def stored(app, practice, clients, detailed=False):
    with app.app_context():
        session = db.session()
        with writing(session):
            return upsert(session, practice, clients, detailed=detailed, now=utcnow())


def page(app, practice, **search):
    with app.app_context():
        return listing(db.session(), practice, Search(**search))


def names(result):
    return [row.name for row in result.rows]


def test_search_ignores_case_and_macrons_and_pages_without_gaps(app, practice):
    clients = [XpmClient(uuid=f"u{i:03}", name=f"Kōwhai Holdings {i:03}") for i in range(30)]
    clients.append(XpmClient(uuid="dup-b", name="Tūī & Kea Trust"))
    clients.append(XpmClient(uuid="dup-a", name="Tūī & Kea Trust"))
    assert stored(app, practice, clients) == 32

    first = page(app, practice, text="KOWHAI")
    assert first.total == 30 and first.more and len(first.rows) == 25
    second = page(app, practice, text="kowhai", after=first.rows[-1].client_uuid)
    assert second.total is None and not second.more
    assert names(first) + names(second) == [f"Kōwhai Holdings {i:03}" for i in range(30)]

    duplicates = page(app, practice, text="tui & kea")
    assert [row.client_uuid for row in duplicates.rows] == ["dup-a", "dup-b"]
    rest = page(app, practice, text="tui & kea", after="dup-a")
    assert [row.client_uuid for row in rest.rows] == ["dup-b"]


@pytest.mark.parametrize(
    "text", ["%", "_", "'", '"', "' OR 1=1 --", "<b>", "\\", "🦜", "a" * 200, "Ō"]
)
def test_wildcards_and_quotes_are_searched_literally(app, practice, text):
    stored(
        app,
        practice,
        [
            XpmClient(uuid="plain", name="Plain Limited"),
            XpmClient(uuid="odd", name=f"Odd {text} Limited"),
        ],
    )
    assert [row.client_uuid for row in page(app, practice, text=text).rows] == ["odd"]


def test_archived_and_deleted_are_hidden_unless_asked_for(app, practice):
    stored(
        app,
        practice,
        [
            XpmClient(uuid="a", name="Active Limited"),
            XpmClient(uuid="b", name="Archived Limited", is_archived=True),
            XpmClient(uuid="c", name="Deleted Limited", is_deleted=True),
            XpmClient(uuid="d", name="Prospect Limited", is_prospect=True),
        ],
    )
    assert names(page(app, practice)) == ["Active Limited", "Prospect Limited"]
    everything = page(app, practice, archived=True)
    assert everything.total == 4
    assert [(r.is_archived, r.is_deleted) for r in everything.rows][1:3] == [
        (True, False),
        (False, True),
    ]


def test_a_basic_listing_never_blanks_what_a_detailed_one_said(app, practice):
    detailed = XpmClient(
        uuid="k", name="Kea Limited", company_number="1234567", business_structure="Company"
    )
    assert stored(app, practice, [detailed], detailed=True) == 1
    assert stored(app, practice, [XpmClient(uuid="k", name="Kea Limited")]) == 0
    row = page(app, practice).rows[0]
    assert (row.company_number, row.business_structure) == ("1234567", "Company")
    assert stored(app, practice, [XpmClient(uuid="k", name="Kea Holdings Limited")]) == 1
    assert stored(app, practice, [XpmClient(uuid="k", name="Kea Holdings")], detailed=True) == 1
    row = page(app, practice).rows[0]
    assert (row.name, row.company_number) == ("Kea Holdings", "")


def test_rows_say_what_the_firm_has_made_of_each_client(app, practice, other_firm_user):
    stored(
        app,
        practice,
        [XpmClient(uuid=u, name=f"{u.title()} Limited") for u in ("client", "contact", "new")],
    )
    with app.app_context():
        session = db.session()
        plan = session.scalars(
            select(SubscriptionPlan).where(SubscriptionPlan.firm_id == practice.firm_id)
        ).first()
        with writing(session):
            for uuid, standing in (("client", "client"), ("contact", "contact")):
                session.add(
                    Profile(
                        firm_id=practice.firm_id,
                        kind="company",
                        standing=standing,
                        subscription_plan_id=plan.id if standing == "client" else None,
                        name=uuid,
                        sort_name=uuid,
                        xpm_provider="xpm",
                        xpm_client_uuid=uuid,
                    )
                )
            # Another firm's profile of the same XPM client marks nothing here.
            session.add(
                Profile(
                    firm_id=other_firm_user[1],
                    kind="company",
                    standing="contact",
                    name="new",
                    sort_name="new",
                    xpm_provider="xpm",
                    xpm_client_uuid="new",
                )
            )
    rows = {row.client_uuid: row for row in page(app, practice).rows}
    assert rows["client"].imported and rows["client"].profile_id
    assert rows["contact"].contact and not rows["contact"].imported
    assert rows["new"].standing is None
    other = Practice(firm_id=other_firm_user[1], provider="xpm", tenant_id="tenant-1")
    assert page(app, other).total == 0


def test_a_complete_read_drops_active_entries_it_no_longer_lists(app, practice):
    stored(
        app,
        practice,
        [
            XpmClient(uuid="gone", name="Gone Limited"),
            XpmClient(uuid="kept", name="Archived Limited", is_archived=True),
        ],
    )
    with app.app_context():
        session = db.session()
        with writing(session):
            assert remove_unseen(session, practice, utcnow() + timedelta(seconds=1)) == 1
    assert names(page(app, practice, archived=True)) == ["Archived Limited"]

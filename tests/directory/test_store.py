"""The directory's store: what XPM said goes in; pages of it come out in name order."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from portal import database
from portal.database import utcnow, writing
from portal.directory import Practice, Search, listing
from portal.directory.store import remove_unseen, upsert
from portal.models import Profile, SubscriptionPlan
from portal.xpm import XpmClient


def listed(**fields) -> XpmClient:
    """A client as a list or a page of XPM's sends it: with its status flags."""
    return XpmClient(**{"is_archived": False, "is_deleted": False, "is_prospect": False, **fields})


@pytest.fixture
def practice(app, user):
    return Practice(firm_id=user[1], provider="xpm", tenant_id="tenant-1")


def stored(app, practice, clients, detailed=False):
    with app.app_context():
        session = database.session()
        with writing(session):
            return upsert(session, practice, clients, detailed=detailed, now=utcnow())


def page(app, practice, **search):
    with app.app_context():
        return listing(database.session(), practice, Search(**search))


def names(result):
    return [row.name for row in result.rows]


def test_search_ignores_case_and_macrons_and_pages_without_gaps(app, practice):
    clients = [listed(uuid=f"u{i:03}", name=f"Kōwhai Holdings {i:03}") for i in range(30)]
    clients.append(listed(uuid="dup-b", name="Tūī & Kea Trust"))
    clients.append(listed(uuid="dup-a", name="Tūī & Kea Trust"))
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
            listed(uuid="plain", name="Plain Limited"),
            listed(uuid="odd", name=f"Odd {text} Limited"),
        ],
    )
    assert [row.client_uuid for row in page(app, practice, text=text).rows] == ["odd"]


def test_archived_and_deleted_are_hidden_unless_asked_for(app, practice):
    stored(
        app,
        practice,
        [
            listed(uuid="a", name="Active Limited"),
            listed(uuid="b", name="Archived Limited", is_archived=True),
            listed(uuid="c", name="Deleted Limited", is_deleted=True),
            listed(uuid="d", name="Prospect Limited", is_prospect=True),
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
    detailed = listed(
        uuid="k", name="Kea Limited", company_number="1234567", business_structure="Company"
    )
    assert stored(app, practice, [detailed], detailed=True) == 1
    assert stored(app, practice, [listed(uuid="k", name="Kea Limited")]) == 0
    row = page(app, practice).rows[0]
    assert (row.company_number, row.business_structure) == ("1234567", "Company")
    assert stored(app, practice, [listed(uuid="k", name="Kea Holdings Limited")]) == 1
    assert stored(app, practice, [listed(uuid="k", name="Kea Holdings")], detailed=True) == 1
    row = page(app, practice).rows[0]
    assert (row.name, row.company_number) == ("Kea Holdings", "")


def test_rows_say_what_the_firm_has_made_of_each_client(app, practice, other_firm_user):
    stored(
        app,
        practice,
        [listed(uuid=u, name=f"{u.title()} Limited") for u in ("client", "contact", "new")],
    )
    with app.app_context():
        session = database.session()
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
            listed(uuid="gone", name="Gone Limited"),
            listed(uuid="kept", name="Archived Limited", is_archived=True),
        ],
    )
    with app.app_context():
        session = database.session()
        with writing(session):
            assert remove_unseen(session, practice, utcnow() + timedelta(seconds=1)) == 1
    assert names(page(app, practice, archived=True)) == ["Archived Limited"]


def test_what_a_search_answer_leaves_out_is_not_said(app, practice):
    stored(app, practice, [listed(uuid="known", name="Kōwhai Known", is_archived=True)])
    stored(
        app,
        practice,
        [XpmClient(uuid="known", name="Kōwhai Known"), XpmClient(uuid="new", name="Kōwhai New")],
    )  # search answers: no IsArchived, no IsDeleted
    assert names(page(app, practice, text="kowhai")) == []
    everything = page(app, practice, text="kowhai", archived=True).rows
    assert [(r.name, r.is_archived) for r in everything] == [
        ("Kōwhai Known", True),  # kept what the listing said
        ("Kōwhai New", None),  # not said: not shown as active
    ]
    with app.app_context():
        from portal.directory.store import not_said

        assert not_said(database.session(), practice, ["known", "new", "other"]) == ["new"]
    stored(app, practice, [listed(uuid="new", name="Kōwhai New")])  # the change listing
    assert names(page(app, practice, text="kowhai")) == ["Kōwhai New"]


def test_the_structure_is_known_once_a_detailed_answer_gave_it(app, practice):
    stored(app, practice, [listed(uuid="a", name="Aroha")])
    assert page(app, practice).rows[0].detailed is False
    stored(app, practice, [listed(uuid="a", name="Aroha", business_structure="")], detailed=True)
    stored(app, practice, [listed(uuid="a", name="Aroha")])  # a later basic listing
    row = page(app, practice).rows[0]
    assert row.detailed is True and row.business_structure == ""


def test_a_search_counts_its_matches_up_to_a_thousand(app, practice):
    stored(app, practice, [listed(uuid=f"u{i:04}", name=f"Rimu Trust {i:04}") for i in range(1003)])
    many = page(app, practice, text="trust")
    assert many.total == 1001 and many.more_than == 1000
    few = page(app, practice, text="trust 000")
    assert few.total == 10 and few.more_than is None
    everyone = page(app, practice)
    assert everyone.total == 1003 and everyone.more_than is None  # no search: all counted

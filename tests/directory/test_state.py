"""Who refreshes a practice's directory, when, and what the panel is told about it."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal import database
from portal.database import utcnow, writing
from portal.directory import Practice, Search, listing, prepare
from portal.directory.state import FULL_READ_EVERY, LEASE, REFRESH_EVERY, claim, finish
from portal.directory.store import upsert
from portal.models import DirectoryEntry, DirectorySync
from portal.xpm import XpmClient, XpmRateLimited, XpmUnavailable


def listed(**fields) -> XpmClient:
    """A client as a list or a page of XPM's sends it: with its status flags."""
    return XpmClient(**{"is_archived": False, "is_deleted": False, "is_prospect": False, **fields})


@pytest.fixture
def practice(app, user):
    return Practice(firm_id=user[1], provider="xpm", tenant_id="tenant-1")


@pytest.fixture
def session(app):
    with app.app_context():
        yield database.session()


def test_one_worker_at_a_time_and_then_not_for_a_minute(session, practice):
    now = utcnow()
    first = claim(session, practice, now)
    assert first.full and first.since is None
    assert claim(session, practice, now) is None  # held
    assert prepare(session, practice, now).reading
    finish(session, practice, now, claim=first, started=now, changed=3)
    assert claim(session, practice, now + timedelta(seconds=30)) is None  # not due yet
    later = now + REFRESH_EVERY
    second = claim(session, practice, later)
    assert not second.full and second.since < now  # changes, from a little before the read
    assert claim(session, practice, later + LEASE + timedelta(seconds=1)) is not None  # expired


def test_a_weekly_full_read(session, practice):
    now = utcnow()
    first = claim(session, practice, now)
    finish(session, practice, now, claim=first, started=now, changed=0)
    assert claim(session, practice, now + FULL_READ_EVERY + timedelta(seconds=1)).full


def test_failures_are_recorded_in_words_and_a_429_waits_its_time(session, practice):
    now = utcnow()
    first = claim(session, practice, now)
    finish(
        session,
        practice,
        now,
        claim=first,
        started=now,
        changed=0,
        error=XpmRateLimited(retry_after=600, problem="minute"),
    )
    freshness = prepare(session, practice, now)
    assert "limit of 60 calls a minute" in freshness.problem and freshness.first_read
    assert claim(session, practice, now + timedelta(seconds=120)) is None
    second = claim(session, practice, now + timedelta(seconds=601))
    finish(session, practice, now, claim=second, started=now, changed=0, error=XpmUnavailable())
    assert "not answering" in prepare(session, practice, now).problem


def test_connecting_to_another_practice_starts_afresh(session, practice):
    with writing(session):
        upsert(session, practice, [listed(uuid="a", name="Aroha")], detailed=False, now=utcnow())
    now = utcnow()
    finish(session, practice, now, claim=claim(session, practice, now), started=now, changed=1)
    assert listing(session, practice, Search()).total == 1
    other = Practice(practice.firm_id, "xpm", "tenant-2")
    freshness = prepare(session, other, utcnow())
    assert freshness.first_read and freshness.due
    assert listing(session, other, Search()).total == 0
    row = session.scalar(select(DirectorySync))
    assert row.tenant_id == "tenant-2" and row.full_synced_at is None


class PagedPractice:
    """XPM's paged-list over ``total`` clients, ``size`` a page, failing once at ``fail_at``."""

    provider = "xpm"

    def __init__(self, total: int, size: int, fail_at: int | None = None):
        self.clients = [listed(uuid=f"c{i:04}", name=f"Client {i:04}") for i in range(total)]
        self.size, self.fail_at, self.asked = size, fail_at, []

    def iter_pages(self, page_size, page_token=None):
        while True:
            page = self.paged_list(page_size, page_token)
            yield page
            if (page_token := page.next_page_token) is None:
                return

    def paged_list(self, page_size, page_token=None):
        from portal.xpm import ClientPage

        start = int(page_token or 0)
        self.asked.append(start)
        if start == self.fail_at:
            self.fail_at = None
            raise XpmUnavailable("HTTP 503")
        end = start + self.size
        following = str(end) if end < len(self.clients) else None
        return ClientPage(tuple(self.clients[start:end]), following)


def test_a_full_read_that_stops_part_way_goes_on_from_there(app, practice):
    from portal.directory import refresh

    xpm = PagedPractice(total=1200, size=500, fail_at=1000)
    sessions = app.extensions["portal.sessions"]
    with app.app_context():
        assert refresh(sessions, xpm, practice) == 1000  # two pages, then a 503
        with sessions() as db_session:
            row = db_session.scalar(select(DirectorySync))
            assert row.full_read_from == "1000" and row.full_synced_at is None
            db_session.execute(DirectorySync.__table__.update().values(next_refresh_at=utcnow()))
            db_session.commit()
        assert refresh(sessions, xpm, practice) == 200
    assert xpm.asked == [0, 500, 1000, 1000]  # the third page again, not the first two
    with app.app_context():
        assert listing(database.session(), practice, Search()).total == 1200
        with sessions() as db_session:
            row = db_session.scalar(select(DirectorySync))
            assert row.full_synced_at is not None and row.full_read_from is None
            count = db_session.scalar(
                select(func.count())
                .select_from(DirectoryEntry)
                .where(DirectoryEntry.firm_id == practice.firm_id)
            )
    assert count == 1200  # what the first attempt read was kept

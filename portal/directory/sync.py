"""Refreshing a practice's directory from XPM: a full read from ``paged-list`` the first time
(and weekly), otherwise the clients changed since the last read (``modifiedsince``).

Each page is written in its own short transaction once it has arrived: XPM is never
called inside an open write transaction, and the panel shows rows while a first read
goes on.
"""

import logging
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from portal.database import utcnow, writing
from portal.directory import state, store
from portal.directory.store import Practice
from portal.xpm import XpmApi, XpmClient, XpmError

log = logging.getLogger("portal.directory")

PAGE_SIZE = 500  # XPM's largest page: the fewest calls
WORKFLOWMAX_PAGE_SIZE = 1000

Clock = Callable[[], datetime]


def refresh(
    sessions: sessionmaker,
    api: XpmApi,
    practice: Practice,
    now: Clock = utcnow,
    sooner: timedelta | None = None,
) -> int:
    """Bring the directory up to date if a refresh is due (or, with ``sooner``, the last
    began longer ago than that) and no worker holds it; returns how many entries were new
    or changed. XPM's failures are recorded, not raised."""
    with sessions() as db:
        claim = state.claim(db, practice, now(), sooner)
        if claim is None:
            return 0
        started, changed, error = now(), 0, None
        if claim.full:
            batches = _read_all(db, api, practice, now, claim)
        else:
            batches = _read_changes(db, api, practice, now, claim.since)
        try:
            for count in batches:
                changed += count
        except XpmError as failure:
            log.warning("Directory refresh for firm %s failed: %s", practice.firm_id, failure)
            error = failure
        state.finish(
            db, practice, now(), claim=claim, started=started, changed=changed, error=error
        )
        return changed


def _read_all(
    db: Session, api: XpmApi, practice: Practice, now: Clock, claim: state.Claim
) -> Iterator[int]:
    """Read every client a page at a time (from where an earlier attempt stopped, if one
    did); yields how many changed in each page."""
    for clients, following in _ahead(_pages(api, claim.resume_from)):  # calls outside writing
        with writing(db):
            count = store.upsert(db, practice, clients, detailed=False, now=now())
            state.renew(db, practice, now(), changed=count > 0, resume_from=following)
        yield count
    with writing(db):
        count = store.remove_unseen(db, practice, claim.started)
    yield count


def _read_changes(
    db: Session, api: XpmApi, practice: Practice, now: Clock, since: datetime
) -> Iterator[int]:
    """Read the clients changed since ``since``; yields how many of them are news."""
    clients = api.list_modified_since(since)
    with writing(db):
        count = store.upsert(db, practice, clients, detailed=False, now=now())
    yield count


def _ahead(pages: Iterator):
    """``pages``, the next one already being read while the caller stores this one (XPM's
    pages follow one another, so reading and storing in turn would wait for each)."""
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="directory-page") as reader:
        coming = reader.submit(next, pages, None)
        while (page := coming.result()) is not None:
            coming = reader.submit(next, pages, None)
            yield page


def _pages(api: XpmApi, resume_from: str | None) -> Iterator[tuple[list[XpmClient], str | None]]:
    """Each page of every client the practice lists, with where the next page starts (None
    after the last): XPM's paged list by its tokens, or WorkflowMax's numbered pages."""
    if api.provider == "workflowmax":
        page = int(resume_from) if (resume_from or "").isdigit() else 1
        while True:
            listing = api.list_page(page, WORKFLOWMAX_PAGE_SIZE)
            last = not listing.clients or page * listing.page_size >= listing.total_records
            yield list(listing.clients), None if last else str(page + 1)
            if last:
                return
            page += 1
    for page in api.iter_pages(PAGE_SIZE, resume_from):
        yield list(page.clients), page.next_page_token

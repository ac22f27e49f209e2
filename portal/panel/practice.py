"""The signed-in firm's practice as the panel uses it: its client, its directory's background
jobs, the searches XPM answered lately, and starting a refresh (which connection it is:
``portal.addons.api.working_connection``)."""

from functools import partial

from flask import current_app
from sqlalchemy.orm import Session, sessionmaker

from portal import directory, shared
from portal import jobs as background
from portal.addons.api import practice_api
from portal.directory import Counts, Practice, SearchMemo
from portal.jobs import Jobs
from portal.xpm import BACKGROUND, SEARCH, XpmApi, XpmError

#: Seconds a background call may wait for a slot: longer than a rolling minute.
BACKGROUND_SLOT_WAIT = 70.0
#: Seconds a call confirming a search may wait for a slot (its job, not the request).
SEARCH_SLOT_WAIT = 10.0


def api(db: Session, practice: Practice) -> XpmApi:
    """A client for the practice (``NotConnected`` if the connection has just gone)."""
    return practice_api(db, practice.firm_id, practice.provider)


def search_api(db: Session, practice: Practice) -> XpmApi:
    """A client for confirming the panel's searches: after what staff wait for, before
    background work."""
    return api(db, practice).paced(SEARCH, slot_wait=SEARCH_SLOT_WAIT)


def sessions() -> sessionmaker:
    """Sessions for work outside the request (background jobs open their own)."""
    return current_app.extensions["portal.sessions"]


def jobs() -> Jobs:
    """This process's background jobs for the directory."""
    return background.runner()


def counts() -> Counts:
    """Recent match counts, in this process."""
    return current_app.extensions["portal.directory.counts"]


def memo() -> SearchMemo:
    """The searches XPM answered lately, shared by the installation's workers."""
    return SearchMemo(shared.store())


def start_refresh(db: Session, practice: Practice) -> None:
    """Refresh the directory in the background (joining a refresh already running)."""
    try:
        practice_calls = api(db, practice)
    except XpmError:
        return  # the panel already says the connection is not working
    # Background work: it yields to what staff are waiting for, and waits for the next
    # minute's calls rather than give up part way through a long read.
    paced = practice_calls.paced(BACKGROUND, slot_wait=BACKGROUND_SLOT_WAIT)
    refresh = partial(directory.refresh, sessions(), paced, practice)
    jobs().submit(("refresh", practice), refresh)


def init_app(app) -> None:
    """Create this process's match counts when the application is made."""
    app.extensions["portal.directory.counts"] = Counts()

"""Reading a client for its form, and importing it, off the request thread.

XPM's 60 calls a minute are shared by every member of staff; when they are spent, a call
waits for the next one. No request waits long for that: each waits at most a moment
(``IMPORT_REQUEST_WAIT``, half a second; the page asking again every second does not
wait at all, it only looks) and then answers with what it has, the form that fills itself in when
XPM answers, or an import's progress. The work goes on in the application's background
runner, and its state is kept in the installation's shared store (``memory``), so the
page asking again may be answered by any worker. What a person waits for comes first
among XPM's calls (an import first, then the form); a call waits for a slot within the
action's budget.
"""

import contextlib
import logging
import time
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import asdict
from functools import partial

from sqlalchemy.orm import sessionmaker

from portal.importing import memory
from portal.importing import register as linked
from portal.importing.service import SAFE, ImportFailed, Outcome, import_client
from portal.jobs import Jobs
from portal.shared import Unavailable
from portal.xpm import IMPORT, INTERACTIVE, CallAbandoned, XpmApi, XpmClient, XpmError

log = logging.getLogger("portal.importing")

#: Seconds each call may wait for a slot (longer than XPM's rolling minute: staff see the
#: page fill in late rather than fail), and seconds all the calls of one action may take.
SLOT_WAIT = 65.0
READ_BUDGET = 90.0
IMPORT_BUDGET = 180.0
POLL_SECONDS = 0.1
STORE_DOWN = (
    "The portal could not reach the store its workers share (Redis), so nothing was "
    f"imported. Tell your administrator if it keeps happening. {SAFE}"
)


def reviewed_client(
    store, jobs: Jobs, api: XpmApi, client_key: str, client_uuid: str, wait: float
) -> XpmClient | None:
    """The client as XPM describes it, for its form: remembered, or read in the background
    and waited for ``wait`` seconds at most; None while XPM has not answered. Raises
    ``ImportFailed`` when reading it failed."""
    try:
        look = partial(_reviewed_or_start, store, jobs, api, client_key, client_uuid)
        return _wait(look, wait, jobs, ("read", client_key))
    except Unavailable:
        raise ImportFailed(STORE_DOWN) from None


def _reviewed_or_start(store, jobs, api, client_key, client_uuid) -> XpmClient | None:
    memory.want(store, client_key)
    client = memory.reviewed(store, client_key)
    if client is not None:
        return client
    failure = memory.read_failure(store, client_key)
    if failure is not None:
        raise ImportFailed(failure["message"], failure["retryable"])
    token = None if memory.reading(store, client_key) else memory.start_reading(store, client_key)
    if token is not None:
        work = partial(_read_for_form, store, api, client_key, client_uuid, token)
        jobs.submit(("read", client_key), work, lane="read")
    return None


def _read_for_form(store, api: XpmApi, client_key: str, client_uuid: str, token: str) -> None:
    failure = None

    def looked_at() -> bool:  # a form nobody looks at any more spends no call
        try:
            return memory.wanted(store, client_key)
        except Unavailable:
            return True

    try:
        paced = api.paced(INTERACTIVE, SLOT_WAIT, wanted=looked_at).within(READ_BUDGET)
        memory.remember_reviewed(store, client_key, paced.get(client_uuid))
    except CallAbandoned:
        log.info("Reading a client for its form was given up: nobody looks at it any more")
    except XpmError as error:
        log.warning("Reading a client for its form failed: %s", error.detail or error)
        failure = {"message": f"{error} {SAFE}", "retryable": error.retryable}
    finally:
        memory.end_reading(store, client_key, token, failure)


def start_import(
    store,
    jobs: Jobs,
    sessions: sessionmaker,
    api: XpmApi,
    *,
    client_key: str,
    wait: float,
    **details,
) -> dict:
    """Import the client in the background (or join the import of it under way, in any
    worker) and wait ``wait`` seconds at most; how it is going (``import_state``)."""
    try:
        token = memory.start_import(store, client_key)
        if token is None:  # another Create of it runs (in any worker): wait on its state
            return progress(store, client_key, wait, jobs)
        root = details["root"] = memory.reviewed(store, client_key)
        if root is not None and details.get("link_nzbn"):
            details["entity"] = linked.reviewed_entity(store, client_key, root)
        work = partial(_import, store, sessions, api, client_key, token, details)
        started = jobs.submit(("import", client_key), work, lane="import")
        with contextlib.suppress(FutureTimeout):
            started.result(timeout=wait)  # answered the moment it ends, not at the next look
        return progress(store, client_key)
    except Unavailable:
        raise ImportFailed(STORE_DOWN) from None


def progress(store, client_key: str, wait: float = 0.0, jobs: Jobs | None = None) -> dict:
    """How the client's import is going, waiting up to ``wait`` seconds for it to end (the
    moment it does when it runs in ``jobs``): {"status": "running", "read", "known"},
    {"status": "done", "outcome"} or {"status": "failed", "message", "retryable"};
    {"status": "none"} if there is none."""
    try:
        look = partial(_ended_import, store, client_key)
        state = _wait(look, wait, jobs, ("import", client_key))
        return state or memory.import_state(store, client_key) or {"status": "none"}
    except Unavailable:
        return {"status": "failed", "message": STORE_DOWN, "retryable": True}


def _ended_import(store, client_key: str) -> dict | None:
    state = memory.import_state(store, client_key)
    return state if state is not None and state["status"] != "running" else None


def _import(store, sessions, api, client_key: str, token: str, details: dict) -> None:
    started = time.time()

    def heard(read: int, known: int) -> None:
        state = {"status": "running", "token": token, "started": started}
        memory.save_import(store, client_key, {**state, "read": read, "known": known})

    paced = api.paced(IMPORT, SLOT_WAIT).within(IMPORT_BUDGET)
    try:
        with sessions() as db:
            outcome = import_client(db, paced, on_read=heard, **details)
        state = {"status": "done", "outcome": asdict(outcome)}
    except ImportFailed as failure:
        state = {"status": "failed", "message": str(failure), "retryable": failure.retryable}
    except Exception:
        log.exception("An import failed unexpectedly")
        state = {
            "status": "failed",
            "message": f"Nothing was imported: something went wrong on the portal's side. {SAFE}",
            "retryable": True,
        }
    memory.end_import(store, client_key, token, state)


def outcome_of(state: dict) -> Outcome:
    """The ``Outcome`` a finished import's state holds."""
    values = dict(state["outcome"])
    for name in ("created", "linked", "notes"):
        values[name] = tuple(values[name])
    return Outcome(**values)


def _wait(look, seconds: float, jobs: Jobs | None = None, job=None):
    """``look()`` until it gives something other than None, for ``seconds`` at most: again
    every ``POLL_SECONDS``, or as soon as ``jobs``' job ``job`` ends when it runs here."""
    ends = time.monotonic() + seconds
    while True:
        found = look()
        left = ends - time.monotonic()
        if found is not None or left <= 0:
            return found
        pause = min(POLL_SECONDS, left)
        if jobs is None or not jobs.wait_for(job, pause):
            time.sleep(pause)

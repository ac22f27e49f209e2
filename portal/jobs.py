"""The application's one background runner: work that no request should wait for (the
panel's directory refreshes and search confirmations, reading a client for the import
form, an import from XPM, a bulk import), one job per key at a time.

Jobs wait for XPM's calls, sometimes for most of a minute, holding their thread while they
do; so each kind of work has threads of its own (a lane), and an import never queues
behind forms waiting for a call.

The runner holds no state of its own that matters: what a job has claimed and how far it
got is in the database (a directory refresh's lease in ``directory_syncs``, a bulk
import's status and heartbeat in ``bulk_imports``), or in the shared store for the short
claims of an XPM import. So with several gunicorn workers, or several hosts, each worker
runs the jobs its own requests started; a claim in the database keeps two workers from
doing the same work, and work whose worker stopped is seen as stale (its lease or
heartbeat is old) and can start again: a refresh when the next panel opens, a bulk import
from its page.
"""

import logging
import threading
from collections.abc import Callable, Hashable
from concurrent.futures import Future, ThreadPoolExecutor, wait

log = logging.getLogger("portal.jobs")
#: Threads per lane: enough for XPM's five calls in flight and the jobs that wait for one.
LANES = {"directory": 4, "read": 8, "import": 4, "bulk": 2}


class Jobs:
    """Runs XPM work off the request thread, so a request waits only as long as it chooses.

    Asking for a job whose key is already running joins it: two staff typing the same
    name, or two panels opening at once, cost one call.
    """

    def __init__(self, lanes: dict[str, int] | None = None):
        self._pools = {
            lane: ThreadPoolExecutor(max_workers=workers, thread_name_prefix=f"portal-{lane}")
            for lane, workers in (lanes or LANES).items()
        }
        self._lock = threading.Lock()
        self._running: dict[Hashable, Future] = {}

    def submit(self, key: Hashable, work: Callable[[], object], lane: str = "directory") -> Future:
        """Start ``work`` in ``lane`` unless a job with ``key`` is running; the job's future
        either way."""
        with self._lock:
            future = self._running.get(key)
            if future is not None:
                return future
            future = self._pools[lane].submit(_logged, work)
            self._running[key] = future
        future.add_done_callback(lambda done: self._forget(key, done))
        return future

    def running(self, key: Hashable) -> bool:
        """True while a job with ``key`` is running."""
        with self._lock:
            return key in self._running

    def wait_for(self, key: Hashable, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds for the running job with ``key`` to end; False at
        once when no such job runs here (another worker's, or none)."""
        with self._lock:
            future = self._running.get(key)
        if future is None or future.done():
            return False
        wait([future], timeout=timeout)
        return True

    def drain(self, timeout: float = 30.0) -> None:
        """Wait for every job started so far (tests and shutdown)."""
        with self._lock:
            futures = list(self._running.values())
        wait(futures, timeout=timeout)

    def _forget(self, key: Hashable, future: Future) -> None:
        with self._lock:
            if self._running.get(key) is future:
                del self._running[key]


def _logged(work: Callable[[], object]) -> object:
    try:
        return work()
    except Exception:
        log.exception("A background job failed")
        raise


def init_app(app) -> None:
    """Create the application's background runner once, when the application is made."""
    app.extensions["portal.jobs"] = Jobs()


def runner() -> Jobs:
    """The current application's background runner."""
    from flask import current_app

    return current_app.extensions["portal.jobs"]

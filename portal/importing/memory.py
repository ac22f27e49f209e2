"""What one process remembers between requests about imports: the clients just reviewed on
the import form, and the imports under way.

A client read to draw the form is kept for a few minutes, so pressing Create does not read
it again (the user imports what they reviewed, and the import costs one call less). Two
Creates of one client in this process run as one: the second waits and lands on the same
profile. Several workers each keep their own memory; the database's unique keys keep them
consistent, this only saves calls.
"""

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Future
from typing import TypeVar

from portal.xpm import XpmClient

REVIEWED_SECONDS = 600.0
REVIEWED_MAX = 256
T = TypeVar("T")

_reviewed: OrderedDict[tuple, tuple[float, XpmClient]] = OrderedDict()
_running: dict[tuple, Future] = {}
_lock = threading.Lock()


def remember_reviewed(key: tuple, client: XpmClient) -> None:
    """Keep ``client`` as just read for the form under ``key``."""
    with _lock:
        _reviewed[key] = (time.monotonic(), client)
        _reviewed.move_to_end(key)
        while len(_reviewed) > REVIEWED_MAX:
            _reviewed.popitem(last=False)


def reviewed(key: tuple) -> XpmClient | None:
    """The client read for the form under ``key``, if that was recent enough."""
    with _lock:
        found = _reviewed.get(key)
        if found is None or time.monotonic() - found[0] > REVIEWED_SECONDS:
            _reviewed.pop(key, None)
            return None
        return found[1]


def once(key: tuple, work: Callable[[], T]) -> tuple[T, bool]:
    """``(work(), True)``, or, while work under ``key`` is under way, ``(its result, False)``."""
    with _lock:
        running = _running.get(key)
        leader = running is None
        if leader:
            running = _running[key] = Future()
    if not leader:
        return running.result(), False
    try:
        result = work()
    except BaseException as error:
        running.set_exception(error)
        raise
    else:
        running.set_result(result)
        return result, True
    finally:
        with _lock:
            _running.pop(key, None)

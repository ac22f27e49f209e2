"""How many entries match a search, remembered for a few seconds.

Counting every match is most of what a search costs (the page itself stops at 26 rows),
and it is only needed when there is more than a page: a short page counts itself. A count
kept for 20 seconds may be a client or two behind a refresh; the rows never are.
"""

import threading
import time
from collections.abc import Callable, Hashable

from cachetools import TTLCache

KEEP_SECONDS = 20.0


class Counts:
    """Recent match counts per search, in this process."""

    def __init__(
        self,
        seconds: float = KEEP_SECONDS,
        clock: Callable[[], float] = time.monotonic,
        size: int = 2000,
    ):
        self._lock = threading.Lock()
        self._counts: TTLCache = TTLCache(size, seconds, timer=clock)

    def get(self, key: Hashable, count: Callable[[], int]) -> int:
        """The count for ``key``: remembered if recent, else ``count()`` (and remembered)."""
        with self._lock:
            kept = self._counts.get(key)
        if kept is not None:
            return kept
        value = count()
        with self._lock:
            self._counts[key] = value
        return value

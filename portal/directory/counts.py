"""How many entries match a search, remembered for a few seconds.

Counting every match is most of what a search costs (the page itself stops at 26 rows),
and it is only needed when there is more than a page: a short page counts itself. A count
kept for 20 seconds may be a client or two behind a refresh; the rows never are.
"""

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable

KEEP_SECONDS = 20.0


class Counts:
    """Recent match counts per search, in this process."""

    def __init__(
        self,
        seconds: float = KEEP_SECONDS,
        clock: Callable[[], float] = time.monotonic,
        size: int = 2000,
    ):
        self._seconds, self._clock, self._size = seconds, clock, size
        self._lock = threading.Lock()
        self._counts: OrderedDict[Hashable, tuple[float, int]] = OrderedDict()

    def get(self, key: Hashable, count: Callable[[], int]) -> int:
        """The count for ``key``: remembered if recent, else ``count()`` (and remembered)."""
        now = self._clock()
        with self._lock:
            kept = self._counts.get(key)
            if kept is not None and kept[0] > now:
                return kept[1]
        value = count()
        with self._lock:
            self._counts[key] = (now + self._seconds, value)
            self._counts.move_to_end(key)
            while len(self._counts) > self._size:
                self._counts.popitem(last=False)
        return value

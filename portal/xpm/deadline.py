"""A wall-clock deadline for one HTTP exchange: connecting, the headers and the whole body.

requests' timeouts bound each wait on the socket, not the exchange, so an answer that
trickles in a byte a second never trips a 20-second read timeout. Here each connection
the XPM client opens registers its socket with the deadline of the call under way, and a
timer shuts the socket down when that deadline passes, which ends a read at once.
"""

import contextlib
import socket
import threading
import time
from contextvars import ContextVar

from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

_current: ContextVar["Deadline | None"] = ContextVar("xpm_call_deadline", default=None)


class Deadline:
    """``with Deadline(seconds):`` — the connections used inside are cut when it passes."""

    def __init__(self, seconds: float, clock=time.monotonic):
        self.seconds = max(0.0, seconds)
        self.ends = clock() + self.seconds
        self.expired = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._over = False
        self._timer = threading.Timer(self.seconds, self._expire)
        self._timer.daemon = True

    def __enter__(self) -> "Deadline":
        self._token = _current.set(self)
        self._timer.start()
        return self

    def __exit__(self, *exc) -> None:
        with self._lock:
            self._over = True
        self._timer.cancel()
        _current.reset(self._token)

    def watch(self, sock: socket.socket | None) -> None:
        """Cut ``sock`` when the deadline passes (at once, if it already has)."""
        if sock is None:
            return
        with self._lock:
            if self._over:
                return
            if self.expired:
                _cut(sock)
            else:
                self._sockets.append(sock)

    def _expire(self) -> None:
        with self._lock:
            if self._over:
                return
            self.expired = True
            for sock in self._sockets:
                _cut(sock)


def _cut(sock: socket.socket) -> None:
    # The plain socket's shutdown, also for TLS: it wakes a read blocked in another thread
    # (close() would not), and leaves the TLS object to fail on its own.
    with contextlib.suppress(OSError):  # already closed
        socket.socket.shutdown(sock, socket.SHUT_RDWR)


def _watch(connection) -> None:
    deadline = _current.get()
    if deadline is not None:
        deadline.watch(connection.sock)


class _Watched:
    """Registers the connection's socket with the current call's deadline."""

    def connect(self):
        super().connect()
        _watch(self)

    def request(self, *args, **kwargs):
        _watch(self)  # a kept-alive connection: connect() is not called again
        return super().request(*args, **kwargs)


class WatchedHTTPConnection(_Watched, HTTPConnection):
    pass


class WatchedHTTPSConnection(_Watched, HTTPSConnection):
    pass


class WatchedHTTPConnectionPool(HTTPConnectionPool):
    ConnectionCls = WatchedHTTPConnection


class WatchedHTTPSConnectionPool(HTTPSConnectionPool):
    ConnectionCls = WatchedHTTPSConnection


class DeadlineAdapter(HTTPAdapter):
    """requests' adapter, with connections that a ``Deadline`` can cut."""

    def init_poolmanager(self, *args, **kwargs) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {
            "http": WatchedHTTPConnectionPool,
            "https": WatchedHTTPSConnectionPool,
        }

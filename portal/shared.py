"""What the workers of one installation must agree on: short-lived values and claims.

With ``REDIS_URL`` set they live in Redis, so every gunicorn worker sees the same ones:
the client a person just reviewed on the import form, the searches XPM answered lately,
which import of a client is under way and how it went. Without Redis (one process: the
development server, SQLite) they live in this process. Every value has a lifetime, so a
worker that dies leaves nothing behind for long.

Values are bytes (callers encode JSON); keys are plain strings that callers namespace.
"""

import threading
import time
from collections.abc import Callable

import redis
from cachetools import TLRUCache
from redis.backoff import ExponentialWithJitterBackoff
from redis.retry import Retry

PREFIX = "portal:shared:"


class Unavailable(RuntimeError):
    """The shared store (Redis) did not answer."""


class MemoryStore:
    """Values with lifetimes in this process, for a single worker (threads share them)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic, size: int = 10_000):
        self._lock = threading.Lock()
        # Each value is (seconds, bytes): it lives ``seconds`` from when it was put.
        self._values = TLRUCache(size, ttu=lambda _key, value, now: now + value[0], timer=clock)

    def get(self, key: str) -> bytes | None:
        """The value of ``key``, or None when it has none (or it has expired)."""
        with self._lock:
            found = self._values.get(key)
        return None if found is None else found[1]

    def get_many(self, keys: list[str]) -> list[bytes | None]:
        """The values of ``keys``."""
        return [self.get(key) for key in keys]

    def put(self, key: str, value: bytes, seconds: float) -> None:
        """Set ``key`` to ``value`` for ``seconds``."""
        with self._lock:
            self._values[key] = (seconds, value)

    def claim(self, key: str, value: bytes, seconds: float) -> bool:
        """Set ``key`` for ``seconds`` unless it holds a value: True if this call set it."""
        with self._lock:
            if key in self._values:
                return False
            self._values[key] = (seconds, value)
            return True

    def delete(self, key: str) -> None:
        """Remove ``key``."""
        with self._lock:
            self._values.pop(key, None)

    def release(self, key: str, value: bytes) -> None:
        """Remove ``key`` if it still holds ``value`` (a claim this caller made)."""
        with self._lock:
            found = self._values.get(key)
            if found is not None and found[1] == value:
                del self._values[key]


# KEYS: the key. ARGV: the value a claim was made with.
RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


class RedisStore:
    """Values with lifetimes in Redis, shared by every worker."""

    def __init__(self, client: redis.Redis, prefix: str = PREFIX):
        self._redis = client
        self._prefix = prefix
        self._release = client.register_script(RELEASE)

    @classmethod
    def from_url(cls, url: str, prefix: str = PREFIX) -> "RedisStore":
        """A store on its own connection pool, with short timeouts (see the limiter's)."""
        client = redis.Redis.from_url(
            url,
            socket_timeout=2,
            socket_connect_timeout=1,
            retry=Retry(ExponentialWithJitterBackoff(base=0.05, cap=0.5), 2),
        )
        return cls(client, prefix)

    def get(self, key: str) -> bytes | None:
        """The value of ``key``, or None."""
        return self._run(lambda: self._redis.get(self._prefix + key))

    def get_many(self, keys: list[str]) -> list[bytes | None]:
        """The values of ``keys``, in one round trip."""
        if not keys:
            return []
        return self._run(lambda: self._redis.mget([self._prefix + key for key in keys]))

    def put(self, key: str, value: bytes, seconds: float) -> None:
        """Set ``key`` to ``value`` for ``seconds``."""
        self._run(lambda: self._redis.set(self._prefix + key, value, px=_ms(seconds)))

    def claim(self, key: str, value: bytes, seconds: float) -> bool:
        """Set ``key`` for ``seconds`` unless it holds a value: True if this call set it."""
        return bool(
            self._run(lambda: self._redis.set(self._prefix + key, value, nx=True, px=_ms(seconds)))
        )

    def delete(self, key: str) -> None:
        """Remove ``key``."""
        self._run(lambda: self._redis.delete(self._prefix + key))

    def release(self, key: str, value: bytes) -> None:
        """Remove ``key`` if it still holds ``value`` (a claim this caller made)."""
        self._run(lambda: self._release(keys=[self._prefix + key], args=[value]))

    def _run(self, call):
        try:
            return call()
        except redis.RedisError as error:
            raise Unavailable(str(error)) from error


def _ms(seconds: float) -> int:
    return max(1, int(seconds * 1000))


def from_url(url: str | None, prefix: str = PREFIX) -> MemoryStore | RedisStore:
    """The store for an installation: in Redis at ``url``, or in this process."""
    return RedisStore.from_url(url, prefix) if url else MemoryStore()


def init_app(app) -> None:
    """Create the application's store once, when the application is made (``REDIS_URL``;
    ``SHARED_KEY_PREFIX`` names its keys, for installations sharing one Redis)."""
    prefix = app.config.get("SHARED_KEY_PREFIX") or PREFIX
    app.extensions["portal.shared"] = from_url(app.config.get("REDIS_URL"), prefix)


def store():
    """The current application's store."""
    from flask import current_app

    return current_app.extensions["portal.shared"]

"""The limiter's counts in Redis, so every worker of an installation shares one budget.

Each decision is one Lua script, so two workers can never both take the last slot. Per
tenant there are three sorted sets (leases scored by expiry; the minute's and the day's
calls scored by time) and a hash (the latest time seen, a pause, a sequence number).
Keys carry the tenant in a hash tag so that a Redis Cluster keeps them on one node.
Time comes from the Redis server unless a clock is injected (tests), and never runs
backwards for a tenant, so workers whose clocks differ slightly still agree.
"""

import logging

import redis
from redis.backoff import ExponentialWithJitterBackoff
from redis.retry import Retry

from portal.xpm.errors import LimiterUnavailable
from portal.xpm.limiter import Clock, Grant, Limits

log = logging.getLogger("portal.xpm")

# Sets `now`: the caller's time, or the server's, but never earlier than the last seen.
NOW = """
local state = KEYS[#KEYS]
local now = tonumber(ARGV[1])
if not now then
  local t = redis.call('TIME')
  now = tonumber(t[1]) + tonumber(t[2]) / 1000000
end
local last = tonumber(redis.call('HGET', state, 'now'))
if last and last > now then now = last end
local function fmt(x) return string.format('%.6f', x) end
redis.call('HSET', state, 'now', fmt(now))
local function forget(key, window)
  redis.call('ZREMRANGEBYSCORE', key, '-inf', fmt(now - window))
end
local function keep(key, seconds) redis.call('EXPIRE', key, math.ceil(seconds) + 1) end
"""

# KEYS: leases, minute, day, state. ARGV: now, lease id, in flight, per minute, per day,
# lease seconds, minute seconds, day seconds, the call's priority, per minute while a
# priority above asks (-1: none), demand seconds, then the priorities above it.
ACQUIRE = (
    NOW
    + """
local leases, minute, day = KEYS[1], KEYS[2], KEYS[3]
local lease_s, minute_s, day_s = tonumber(ARGV[6]), tonumber(ARGV[7]), tonumber(ARGV[8])
keep(state, day_s)
if ARGV[9] ~= '' then redis.call('HSET', state, 'demand:' .. ARGV[9], fmt(now)) end
local per_minute = tonumber(ARGV[4])
if tonumber(ARGV[10]) >= 0 then
  for i = 12, #ARGV do
    local asked = tonumber(redis.call('HGET', state, 'demand:' .. ARGV[i]))
    if asked and now - asked < tonumber(ARGV[11]) then per_minute = tonumber(ARGV[10]) end
  end
end
local paused = tonumber(redis.call('HGET', state, 'paused_until'))
if paused and paused > now then
  return {0, fmt(now), fmt(paused - now), redis.call('HGET', state, 'paused_problem')}
end
redis.call('ZREMRANGEBYSCORE', leases, '-inf', fmt(now))
forget(minute, minute_s)
forget(day, day_s)
local function full(key, limit, window, problem)
  local count = redis.call('ZCARD', key)
  if count < limit then return nil end
  -- the slot frees when enough of the window's calls have aged out
  local freeing = redis.call('ZRANGE', key, count - limit, count - limit, 'WITHSCORES')
  return {0, fmt(now), fmt(tonumber(freeing[2]) + window - now), problem}
end
local refused = full(day, tonumber(ARGV[5]), day_s, 'day')
  or full(minute, per_minute, minute_s, 'minute')
  or full(leases, tonumber(ARGV[3]), 0, 'concurrent')
if refused then return refused end
redis.call('ZADD', leases, fmt(now + lease_s), ARGV[2])
redis.call('ZADD', minute, fmt(now), ARGV[2])
redis.call('ZADD', day, fmt(now), ARGV[2])
keep(leases, lease_s)
keep(minute, minute_s)
keep(day, day_s)
return {1, fmt(now), '0', ''}
"""
)

# KEYS: minute, day, state. ARGV: now, minute used, day used, minute seconds, day seconds.
RESERVE = (
    NOW
    + """
local function top_up(key, used, window)
  forget(key, window)
  for _ = 1, used - redis.call('ZCARD', key) do
    redis.call('ZADD', key, fmt(now), 'xpm:' .. redis.call('HINCRBY', state, 'seq', 1))
  end
  keep(key, window)
end
top_up(KEYS[1], tonumber(ARGV[2]), tonumber(ARGV[4]))
top_up(KEYS[2], tonumber(ARGV[3]), tonumber(ARGV[5]))
keep(state, tonumber(ARGV[5]))
return 1
"""
)

# KEYS: state. ARGV: now, seconds, problem, day seconds.
PAUSE = (
    NOW
    + """
local paused = tonumber(redis.call('HGET', state, 'paused_until'))
if not paused or now + tonumber(ARGV[2]) > paused then
  redis.call('HSET', state, 'paused_until', fmt(now + tonumber(ARGV[2])), 'paused_problem', ARGV[3])
end
keep(state, tonumber(ARGV[4]))
return 1
"""
)


class RedisBackend:
    """Counts in Redis, shared by every worker that uses the same ``key_prefix``."""

    def __init__(
        self, client: redis.Redis, *, key_prefix: str = "portal:xpm", clock: Clock | None = None
    ):
        self._redis = client
        self._prefix = key_prefix
        self._clock = clock
        self._acquire = client.register_script(ACQUIRE)
        self._reserve = client.register_script(RESERVE)
        self._pause = client.register_script(PAUSE)

    @classmethod
    def from_url(cls, url: str, **options) -> "RedisBackend":
        """A backend on its own connection pool, with short timeouts and few retries, so that
        a Redis outage becomes an error within a second or two instead of a hang."""
        client = redis.Redis.from_url(
            url,
            socket_timeout=2,
            socket_connect_timeout=1,
            retry=Retry(ExponentialWithJitterBackoff(base=0.05, cap=0.5), 2),
        )
        return cls(client, **options)

    def keys(self, tenant_id: str) -> dict[str, str]:
        """The Redis keys that hold one tenant's counts."""
        base = f"{self._prefix}:limit:{{{tenant_id}}}"
        return {name: f"{base}:{name}" for name in ("leases", "minute", "day", "state")}

    def _now(self) -> str:
        return "" if self._clock is None else repr(self._clock())

    def acquire(self, tenant_id: str, lease_id: str, limits: Limits) -> Grant:
        """Take a slot if every limit allows it, else say how long to wait."""
        keys = self.keys(tenant_id)
        args = [
            self._now(),
            lease_id,
            limits.in_flight,
            limits.per_minute,
            limits.per_day,
            limits.lease_seconds,
            limits.minute_seconds,
            limits.day_seconds,
            limits.priority,
            -1 if limits.per_minute_in_demand is None else limits.per_minute_in_demand,
            limits.demand_seconds,
            *limits.above,
        ]
        granted, at, wait, problem = self._run(self._acquire, list(keys.values()), args)
        return Grant(granted == 1, float(at), float(wait), _text(problem))

    def release(self, tenant_id: str, lease_id: str) -> None:
        """Hand a slot back; if Redis is away the lease simply expires."""
        try:
            self._redis.zrem(self.keys(tenant_id)["leases"], lease_id)
        except redis.RedisError as error:
            log.warning("Could not release an XPM call slot (%s); it will expire", error)

    def reserve(self, tenant_id: str, minute_used: int, day_used: int, limits: Limits) -> None:
        """Count calls XPM has seen but the portal has not, so its totals are no lower."""
        keys = self.keys(tenant_id)
        args = [self._now(), minute_used, day_used, limits.minute_seconds, limits.day_seconds]
        self._run(self._reserve, [keys["minute"], keys["day"], keys["state"]], args)

    def pause(self, tenant_id: str, seconds: float, problem: str, limits: Limits) -> None:
        """Refuse every slot for ``seconds``."""
        args = [self._now(), seconds, problem, limits.day_seconds]
        self._run(self._pause, [self.keys(tenant_id)["state"]], args)

    def _run(self, script, keys: list[str], args: list):
        try:
            return script(keys=keys, args=args)
        except redis.RedisError as error:
            raise LimiterUnavailable(str(error)) from error


def _text(value) -> str:
    return value.decode() if isinstance(value, bytes) else (value or "")

"""Building an ``XpmApi`` and its limiter from configuration: any mapping, so that the client
is built the same way by the application (``portal.addons.api``), a script or a test.

Configuration keys: ``XPM_API_URL``, ``WORKFLOWMAX_API_URL``, ``REDIS_URL`` (shared
limiter when set), ``XPM_CONNECT_TIMEOUT`` (5 s), ``XPM_READ_TIMEOUT`` (20 s),
``XPM_CALL_DEADLINE`` (30 s for the whole of one call, however slowly it answers),
``XPM_RETRY_BACKOFF`` (0.5 s before the first retry of a failed call, doubling after) and
``XPM_MAX_RESPONSE_BYTES`` (8 MiB).
"""

from collections.abc import Mapping

from portal.xpm.api import TokenSource, XpmApi
from portal.xpm.limiter import Limits, TenantLimiter
from portal.xpm.limiter_redis import RedisBackend
from portal.xpm.transport import RetryPolicy
from portal.xpm.xml import DEFAULT_MAX_BYTES

API_URL_KEYS = {"xpm": "XPM_API_URL", "workflowmax": "WORKFLOWMAX_API_URL"}


def limiter_from_url(
    redis_url: str | None, *, key_prefix: str = "portal:xpm", **options
) -> TenantLimiter:
    """A limiter shared through Redis when ``redis_url`` is set (several workers or hosts),
    else one for this process."""
    if not redis_url:
        return TenantLimiter(**options)
    backend = RedisBackend.from_url(redis_url, key_prefix=key_prefix, clock=options.get("clock"))
    return TenantLimiter(backend, **options)


def limiter_from_config(config: Mapping) -> TenantLimiter:
    """The portal's limiter: Xero's limits less the portal's margin, shared when Redis is."""
    return limiter_from_url(config.get("REDIS_URL"), limits=Limits.for_portal())


def api_from_config(
    config: Mapping,
    limiter: TenantLimiter,
    provider: str,
    tenant_id: str,
    token_source: TokenSource,
    **options,
) -> XpmApi:
    """A client for one practice's XPM or WorkflowMax, paced by ``limiter``."""
    return XpmApi(
        config[API_URL_KEYS[provider]],
        provider,
        tenant_id,
        token_source,
        limiter,
        connect_timeout=float(config.get("XPM_CONNECT_TIMEOUT", 5)),
        read_timeout=float(config.get("XPM_READ_TIMEOUT", 20)),
        call_deadline=float(config.get("XPM_CALL_DEADLINE", 30)),
        retry=RetryPolicy(backoff_base=float(config.get("XPM_RETRY_BACKOFF", 0.5))),
        max_bytes=int(config.get("XPM_MAX_RESPONSE_BYTES", DEFAULT_MAX_BYTES)),
        **options,
    )

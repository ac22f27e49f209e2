"""Building an ``XpmApi`` from the application's configuration.

Configuration keys: ``XPM_API_URL``, ``WORKFLOWMAX_API_URL``, ``REDIS_URL`` (shared
limiter when set), ``XPM_CONNECT_TIMEOUT`` (5 s), ``XPM_READ_TIMEOUT`` (20 s),
``XPM_CALL_DEADLINE`` (30 s for the whole of one call, however slowly it answers) and
``XPM_MAX_RESPONSE_BYTES`` (8 MiB).
"""

import threading

from flask import current_app

from portal.xpm.client import TokenSource, XpmApi
from portal.xpm.limiter import Limits, TenantLimiter
from portal.xpm.xml import DEFAULT_MAX_BYTES

API_URL_KEYS = {"xpm": "XPM_API_URL", "workflowmax": "WORKFLOWMAX_API_URL"}
_creating = threading.Lock()


def app_limiter() -> TenantLimiter:
    """The application's one limiter, shared by all its requests (and, via Redis, workers)."""
    extensions = current_app.extensions
    with _creating:
        if "xpm_limiter" not in extensions:
            redis_url = current_app.config.get("REDIS_URL")
            extensions["xpm_limiter"] = TenantLimiter.from_url(
                redis_url, limits=Limits.for_portal()
            )
        return extensions["xpm_limiter"]


def api_for(provider: str, tenant_id: str, token_source: TokenSource, **options) -> XpmApi:
    """A client for one practice's XPM or WorkflowMax, configured from ``current_app``."""
    config = current_app.config
    return XpmApi(
        config[API_URL_KEYS[provider]],
        provider,
        tenant_id,
        token_source,
        app_limiter(),
        connect_timeout=float(config.get("XPM_CONNECT_TIMEOUT", 5)),
        read_timeout=float(config.get("XPM_READ_TIMEOUT", 20)),
        call_deadline=float(config.get("XPM_CALL_DEADLINE", 30)),
        max_bytes=int(config.get("XPM_MAX_RESPONSE_BYTES", DEFAULT_MAX_BYTES)),
        **options,
    )

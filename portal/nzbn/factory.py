"""Building a ``RegisterApi`` from configuration: any mapping, so the application, a script
or a test builds it the same way.

Configuration keys: ``NZBN_API_URL``, ``NZBN_SUBSCRIPTION_KEY`` (without one:
``NotConfigured``, whose message says how to set it), ``NZBN_CONNECT_TIMEOUT`` (5 s),
``NZBN_READ_TIMEOUT`` (15 s), ``NZBN_CALL_DEADLINE`` (20 s for the whole of one call),
``NZBN_RETRY_BACKOFF`` (0.5 s before the first retry, doubling after) and
``NZBN_MAX_RESPONSE_BYTES`` (4 MiB).
"""

from collections.abc import Mapping

from portal.nzbn.api import DEFAULT_MAX_BYTES, RegisterApi
from portal.nzbn.errors import NotConfigured
from portal.xpm.transport import RetryPolicy


def configured(config: Mapping) -> bool:
    """True if the register can be called (a subscription key is set)."""
    return bool((config.get("NZBN_SUBSCRIPTION_KEY") or "").strip())


def api_from_config(config: Mapping, **options) -> RegisterApi:
    """The portal's register client; ``NotConfigured`` without a subscription key."""
    if not configured(config):
        raise NotConfigured()
    return RegisterApi(
        config["NZBN_API_URL"],
        config["NZBN_SUBSCRIPTION_KEY"].strip(),
        connect_timeout=float(config.get("NZBN_CONNECT_TIMEOUT", 5)),
        read_timeout=float(config.get("NZBN_READ_TIMEOUT", 15)),
        call_deadline=float(config.get("NZBN_CALL_DEADLINE", 20)),
        retry=RetryPolicy(backoff_base=float(config.get("NZBN_RETRY_BACKOFF", 0.5))),
        max_bytes=int(config.get("NZBN_MAX_RESPONSE_BYTES", DEFAULT_MAX_BYTES)),
        **options,
    )

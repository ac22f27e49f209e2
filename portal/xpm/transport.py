"""The HTTP layer under the XPM client: a session that can only GET, bodies read under a
size cap, HTTP statuses turned into typed errors, and the retry policy."""

import json
import random
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from http.cookiejar import DefaultCookiePolicy

import requests
from requests.auth import AuthBase

from portal.xpm.deadline import DeadlineAdapter
from portal.xpm.errors import (
    XpmAuthError,
    XpmBadResponse,
    XpmError,
    XpmForbidden,
    XpmNotFound,
    XpmRateLimited,
    XpmUnavailable,
    XpmWriteRefused,
)

CHUNK_BYTES = 64 * 1024
ERROR_BODY_BYTES = 64 * 1024  # enough for any error text; the rest is not worth reading
DEFAULT_RETRY_AFTER = 60.0
UNAVAILABLE = {500, 502, 503, 504}
PRINTABLE_DETAIL = re.compile(r"[^\w .,:;'()/&@-]")


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently an idempotent GET is tried again."""

    max_attempts: int = 3
    backoff_base: float = 0.5
    backoff_cap: float = 8.0
    max_retry_after: float = 30.0  # a longer Retry-After goes back to the caller as an error

    def delay(
        self,
        attempt: int,
        retry_after: float | None = None,
        jitter: Callable[[], float] = random.random,
    ) -> float:
        """Seconds to wait before attempt ``attempt + 1``."""
        if retry_after is not None:
            return retry_after
        ceiling = min(self.backoff_cap, self.backoff_base * 2 ** (attempt - 1))
        return ceiling * (0.5 + 0.5 * jitter())  # "equal jitter": never zero, never in step


class ReadOnlySession(requests.Session):
    """A requests session that refuses to send anything but GET: the portal never writes.

    It keeps no cookies either, so nothing one answer sets travels with the next call, and
    its connections can be cut when a call's deadline passes (``deadline``).
    """

    def __init__(self):
        super().__init__()
        self.cookies.set_policy(DefaultCookiePolicy(allowed_domains=[]))
        for scheme in ("https://", "http://"):
            self.mount(scheme, DeadlineAdapter())

    def send(self, request, **kwargs):
        if request.method != "GET":
            raise XpmWriteRefused(f"a {request.method} request")
        return super().send(request, **kwargs)


class BearerAuth(AuthBase):
    """Adds the access token as the request is sent; it never sits in a stored headers dict."""

    def __init__(self, token: str):
        self._token = token

    def __call__(self, request):
        request.headers["Authorization"] = f"Bearer {self._token}"
        return request

    def __repr__(self) -> str:
        return "BearerAuth(<hidden>)"


def read_body(
    response: requests.Response, limit: int, *, deadline: float | None = None, clip: bool = False
) -> bytes:
    """The response body, refusing anything over ``limit`` bytes (``clip``: cutting it there).

    Read in chunks so that a huge or endless body costs at most ``limit`` bytes of memory,
    and stopped at ``deadline`` (a ``time.monotonic`` value) so a slow drip cannot hang.
    """
    declared = response.headers.get("Content-Length", "").strip()
    if not clip and declared.isdigit() and int(declared) > limit:
        raise XpmBadResponse(f"the response is larger than {limit:,} bytes")
    body = bytearray()
    try:
        for chunk in response.iter_content(CHUNK_BYTES):
            body += chunk
            if len(body) > limit:
                if clip:
                    return bytes(body[:limit])
                raise XpmBadResponse(f"the response is larger than {limit:,} bytes")
            if deadline is not None and time.monotonic() > deadline:
                raise XpmUnavailable("the answer took too long to arrive")
    except requests.exceptions.ContentDecodingError:
        raise XpmBadResponse("the compressed response could not be unpacked") from None
    except (
        requests.ConnectionError,
        requests.Timeout,
        requests.exceptions.ChunkedEncodingError,
    ) as error:
        raise XpmUnavailable("the connection dropped while the answer arrived") from error
    return bytes(body)


def error_for(response: requests.Response, body: bytes) -> XpmError | None:
    """The typed error an HTTP status stands for; None for 200."""
    status = response.status_code
    if status == 200:
        return None
    detail = provider_detail(body)
    if status == 401:
        return XpmAuthError(detail)
    if status == 403:
        return XpmForbidden(detail)
    if status == 404:
        return XpmNotFound(detail or "the address does not exist")
    if status == 429:
        return XpmRateLimited(
            detail,
            retry_after=retry_after(response.headers.get("Retry-After")),
            problem=rate_limit_problem(response.headers.get("X-Rate-Limit-Problem")),
        )
    if status in UNAVAILABLE:
        return XpmUnavailable(f"HTTP {status}" + (f", {detail}" if detail else ""))
    if 300 <= status < 400:
        return XpmBadResponse(f"it redirected the request (HTTP {status})")
    return XpmError(f"HTTP {status}" + (f", {detail}" if detail else ""))


def provider_detail(body: bytes) -> str:
    """The provider's short reason (JSON ``Detail``, e.g. ``TokenExpired``), made safe to show."""
    head = body[:ERROR_BODY_BYTES].removeprefix(b"\xef\xbb\xbf").strip()
    if head.startswith(b"{"):
        try:
            data = json.loads(head)
        except ValueError:
            return ""
        if not isinstance(data, dict):
            return ""
        return _clean(str(data.get("Detail") or data.get("Title") or ""))
    if head and not head.startswith(b"<"):
        # Plain text such as "ServiceNotAvailable"; markup (an HTML page) is never echoed.
        return _clean(head.decode("utf-8", "replace"))
    return ""


def _clean(value: str) -> str:
    return PRINTABLE_DETAIL.sub("", value)[:200].strip()


def retry_after(value: str | None) -> float:
    """Seconds to wait from a ``Retry-After`` header: a number or an HTTP date."""
    value = (value or "").strip()
    if not value:
        return DEFAULT_RETRY_AFTER
    if re.fullmatch(r"\d{1,9}(\.\d+)?", value):
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return DEFAULT_RETRY_AFTER
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def rate_limit_problem(value: str | None) -> str:
    """Which limit a 429 is about: ``minute``, ``day``, ``concurrent`` or ``appminute``."""
    value = (value or "").lower()
    if "app" in value:
        return "appminute"
    if "day" in value:
        return "day"
    if "concurren" in value:
        return "concurrent"
    return "minute"


def charset_of(content_type: str) -> str | None:
    """The ``charset`` parameter of a Content-Type header, if it has one."""
    found = re.search(r";\s*charset\s*=\s*\"?([^\";\s]*)", content_type, re.IGNORECASE)
    return found.group(1) if found else None


def remaining(headers, name: str) -> int | None:
    """A numeric ``X-...-Remaining`` header, or None when absent or garbled."""
    value = (headers.get(name) or "").strip()
    return int(value) if re.fullmatch(r"-?\d{1,9}", value) else None

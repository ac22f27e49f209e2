"""The portal's one way of reading a practice's clients from XPM or WorkflowMax.

``XpmApi`` can only GET (its session refuses anything else). Every call takes a slot
from the tenant's limiter, always has connect and read timeouts and a wall-clock deadline
for the whole exchange (a trickling answer is cut), reads its body under a size cap, and
turns whatever comes back into records or a typed error. Idempotent GETs are retried on
429 and 5xx with jittered, capped backoff that honours ``Retry-After``; a 401 is answered
with exactly one token refresh and one retry. ``within(seconds)`` gives a user's action a
budget that all its calls, retries and waits share.
"""

import copy
import logging
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Protocol
from urllib.parse import quote, urljoin
from xml.etree.ElementTree import Element

import requests

from portal.xpm import parsers, records
from portal.xpm.deadline import Deadline
from portal.xpm.errors import (
    WORKFLOWMAX,
    XPM,
    CallAbandoned,
    LimiterBusy,
    XpmAuthError,
    XpmBadResponse,
    XpmError,
    XpmForbidden,
    XpmRateLimited,
    XpmUnavailable,
)
from portal.xpm.limiter import INTERACTIVE, TenantLimiter
from portal.xpm.transport import (
    ERROR_BODY_BYTES,
    BearerAuth,
    ReadOnlySession,
    RetryPolicy,
    charset_of,
    error_for,
    read_body,
    remaining,
)
from portal.xpm.xml import (
    DEFAULT_MAX_BYTES,
    DEFAULT_MAX_DEPTH,
    looks_like_html,
    read_response,
    refuse_other_encodings,
)

log = logging.getLogger("portal.xpm")

PROVIDERS = {"xpm": (XPM, "Xero-Tenant-Id"), "workflowmax": (WORKFLOWMAX, "account_id")}
MAX_PAGE_SIZE = 500


class TokenSource(Protocol):
    """Where the client gets its access token (the OAuth connection storage provides one)."""

    def access_token(self) -> str:
        """A current access token for the connection."""
        ...

    def refresh(self) -> str:
        """Refresh the connection's tokens and return the new access token."""
        ...


class XpmApi:
    """A read-only client for one practice (tenant) of XPM or WorkflowMax."""

    def __init__(
        self,
        base_url: str,
        provider: str,
        tenant_id: str,
        token_source: TokenSource,
        limiter: TenantLimiter | None = None,
        *,
        connect_timeout: float = 5.0,
        read_timeout: float = 20.0,
        call_deadline: float = 30.0,
        retry: RetryPolicy | None = None,
        max_bytes: int = DEFAULT_MAX_BYTES,
        max_depth: int = DEFAULT_MAX_DEPTH,
        slot_timeout: float | None = None,
        sleep: Callable[[float], None] = time.sleep,
        session: ReadOnlySession | None = None,
        on_access_lost: Callable[[XpmError], None] | None = None,
    ):
        if provider not in PROVIDERS:
            raise ValueError(f"provider must be one of {sorted(PROVIDERS)}, not {provider!r}")
        if session is not None and not isinstance(session, ReadOnlySession):
            raise TypeError("XpmApi only runs on a ReadOnlySession: the portal never writes")
        self.base_url = base_url if base_url.endswith("/") else base_url + "/"
        self.provider = provider
        self.system, tenant_header = PROVIDERS[provider]
        self.tenant_id = tenant_id
        self._tokens = token_source
        self._limiter = limiter or TenantLimiter()
        self._limiter_key = f"{provider}:{tenant_id}"
        self._timeouts = (connect_timeout, read_timeout)
        self._call_deadline = call_deadline
        self._budget_ends: float | None = None  # set by within()
        self._priority = INTERACTIVE  # set by paced()
        self._wanted: Callable[[], bool] | None = None
        self._retry = retry or RetryPolicy()
        self._max_bytes, self._max_depth = max_bytes, max_depth
        self._slot_timeout = slot_timeout
        self._sleep = sleep
        self._session = session or ReadOnlySession()
        #: Told when the provider refuses this connection (401 after a refresh, or 403).
        self._on_access_lost = on_access_lost
        self._headers = {
            tenant_header: tenant_id,
            "Accept": "text/xml, application/xml",
            "User-Agent": "portal-xpm/1.0",
        }

    def paced(
        self,
        priority: str,
        slot_wait: float | None = None,
        wanted: Callable[[], bool] | None = None,
    ) -> "XpmApi":
        """This client, for calls of ``priority`` (the limiter's IMPORT, INTERACTIVE, SEARCH
        or BACKGROUND), each waiting at most ``slot_wait`` seconds for a slot, and given up
        (``CallAbandoned``) once ``wanted()`` says nobody waits for the answer."""
        paced = copy.copy(self)
        paced._priority, paced._wanted = priority, wanted
        if slot_wait is not None:
            paced._slot_timeout = slot_wait
        return paced

    def within(self, seconds: float) -> "XpmApi":
        """This client, for one user action that may take ``seconds`` in all: every call,
        retry, backoff and wait for a slot it makes comes out of that budget."""
        budgeted = copy.copy(self)
        budgeted._budget_ends = time.monotonic() + seconds
        return budgeted

    def _left(self) -> float | None:
        """Seconds left of the action's budget (None: no budget)."""
        if self._budget_ends is None:
            return None
        return self._budget_ends - time.monotonic()

    # --- Clients -----------------------------------------------------------------------------
    def paged_list(
        self, page_size: int = MAX_PAGE_SIZE, page_token: str | None = None
    ) -> records.ClientPage:
        """One page of non-archived, non-deleted clients with their basic fields."""
        if not 1 <= page_size <= MAX_PAGE_SIZE:
            raise ValueError(f"page_size must be between 1 and {MAX_PAGE_SIZE}")
        params = {"pageSize": page_size}
        if page_token:
            params["pageToken"] = page_token
        return parsers.client_page_from(self._get("client.api/paged-list", params))

    def iter_pages(
        self, page_size: int = MAX_PAGE_SIZE, page_token: str | None = None
    ) -> Iterator[records.ClientPage]:
        """Every page of non-archived, non-deleted clients, from ``page_token`` on."""
        token, seen = page_token, set()
        while True:
            page = self.paged_list(page_size, token)
            yield page
            token = page.next_page_token
            if token is None:
                return
            if token in seen:  # a server that loops would otherwise spend the daily budget
                raise self._adopt(XpmBadResponse("the same page came back twice"))
            seen.add(token)

    def iter_all_basic(self, page_size: int = MAX_PAGE_SIZE) -> Iterator[records.XpmClient]:
        """Every non-archived, non-deleted client, a page at a time."""
        for page in self.iter_pages(page_size):
            yield from page.clients

    def search(self, query: str, detailed: bool = False) -> list[records.XpmClient]:
        """Clients whose name matches ``query``; no call at all for an empty query."""
        if not query.strip():
            return []
        params = {"query": query}
        if detailed:
            params["detailed"] = "true"
        return list(parsers.clients_in(self._get("client.api/search", params)))

    def get(self, uuid: str) -> records.XpmClient:
        """One client, detailed: relationships, groups, notes and tax fields included.

        An answer about any other client than the one asked for (or about no client at
        all) is refused: nothing read from it could be trusted to belong to ``uuid``.
        """
        client = parsers.single_client(self._get(f"client.api/get/{_segment(uuid)}"))
        answered, asked = client.uuid.strip().lower(), uuid.strip()[:40]
        if answered != asked.lower():
            said = f"client {answered[:40]}" if answered else "a client without a UUID"
            raise self._adopt(XpmBadResponse(f"it answered about {said} when asked for {asked}"))
        return client

    def list_modified_since(
        self, since: datetime, detailed: bool = False
    ) -> list[records.XpmClient]:
        """Every client changed since ``since`` (a naive ``since`` is taken as UTC)."""
        if since.tzinfo is not None:
            since = since.astimezone(UTC)
        params = {"modifiedsince": since.strftime("%Y-%m-%dT%H:%M:%S")}
        if detailed:
            params["detailed"] = "true"
        return list(parsers.clients_in(self._get("client.api/list", params)))

    def list_page(self, page: int, page_size: int = 100) -> records.WorkflowMaxPage:
        """One numbered page of WorkflowMax's client list (XPM's list has no pages)."""
        if self.provider != "workflowmax":
            raise ValueError("numbered pages are WorkflowMax's; use paged_list for XPM")
        if page < 1 or page_size < 1:
            raise ValueError("page and page_size start at 1")
        params = {"page": page, "pagesize": page_size}
        return parsers.workflowmax_page_from(self._get("client.api/list", params))

    # --- Groups ------------------------------------------------------------------------------
    def groups(self) -> list[records.Group]:
        """Every client group."""
        response = self._get("clientgroup.api/list")
        return [parsers.group_from(e) for e in response.findall("Groups/Group")]

    def group(self, uuid: str) -> records.Group:
        """One client group with its members."""
        return parsers.single_group(self._get(f"clientgroup.api/get/{_segment(uuid)}"))

    # --- One GET, with retries -------------------------------------------------------------
    def _get(self, path: str, params: dict | None = None) -> Element:
        attempt, refreshed = 0, False
        token = self._token(self._tokens.access_token, "there is no usable access token")
        while True:
            attempt += 1
            try:
                return self._attempt(path, params, token, attempt)
            except XpmAuthError as error:
                if refreshed:
                    self._access_lost(error)
                    raise
                refreshed = True  # the refresh and its retry are not counted as attempts
                attempt -= 1
                token = self._token(self._tokens.refresh, "the access could not be renewed")
            except XpmError as error:
                if isinstance(error, XpmForbidden):
                    self._access_lost(error)
                if not self._worth_retrying(error, attempt):
                    raise
                wait = getattr(error, "retry_after", None) if error.status == 429 else None
                pause, left = self._retry.delay(attempt, wait), self._left()
                if left is not None and pause >= left:
                    raise  # the action's time is up: no point waiting for another try
                self._sleep(pause)

    def _access_lost(self, error: XpmError) -> None:
        if self._on_access_lost is not None:
            self._on_access_lost(error)

    def _worth_retrying(self, error: XpmError, attempt: int) -> bool:
        if attempt >= self._retry.max_attempts or isinstance(error, LimiterBusy | CallAbandoned):
            return False
        if isinstance(error, XpmRateLimited):
            return error.problem != "day" and error.retry_after <= self._retry.max_retry_after
        return isinstance(error, XpmUnavailable)

    def _token(self, fetch: Callable[[], str], failure: str) -> str:
        try:
            return fetch()
        except XpmError as error:
            raise self._adopt(error) from None
        except Exception as error:
            # The storage's own error may quote the provider's answer; keep it out of the
            # message staff see, but chained for the log.
            raise self._adopt(XpmAuthError(failure)) from error

    def _attempt(self, path: str, params: dict | None, token: str, attempt: int) -> Element:
        queued = sent = time.monotonic()
        status, correlation_id, outcome = None, None, "unexpected failure"
        try:
            left = self._left()
            if left is not None and left <= 0:
                raise XpmUnavailable("the time allowed for this was used up")
            slot_timeout = self._slot_timeout
            if left is not None:
                limit = self._limiter.timeout if slot_timeout is None else slot_timeout
                slot_timeout = min(limit, left)
            with self._limiter.slot(self._limiter_key, slot_timeout, self._priority, self._wanted):
                sent = time.monotonic()
                response, body = self._exchange(path, params, token, self._deadline_for(sent))
                status = response.status_code
                correlation_id = response.headers.get("xero-correlation-id")
            self._note_limits(response)
            error = error_for(response, body)
            if error is not None:
                raise error
            content_type = response.headers.get("Content-Type", "")
            if "html" in content_type.lower() or looks_like_html(body):
                raise XpmBadResponse("a web page came back where XML was expected")
            refuse_other_encodings(charset_of(content_type))
            root = read_response(body, max_bytes=self._max_bytes, max_depth=self._max_depth)
            outcome = "OK"
            return root
        except XpmError as error:
            outcome = type(error).__name__
            error.status = error.status or status
            error.correlation_id = error.correlation_id or correlation_id
            self._adopt(error)
            raise
        finally:
            log.log(
                logging.INFO if outcome == "OK" else logging.WARNING,
                "GET %s -> %s in %.0f ms (%s; waited %.0f ms for a slot; attempt %d; "
                "xero-correlation-id %s)",
                path,
                status or "not sent",
                (time.monotonic() - sent) * 1000,
                outcome,
                (sent - queued) * 1000,
                attempt,
                correlation_id or "-",
            )

    def _deadline_for(self, started: float) -> float:
        """Seconds this attempt may take: the call's deadline, or what the action has left."""
        left = None if self._budget_ends is None else self._budget_ends - started
        return self._call_deadline if left is None else max(0.0, min(self._call_deadline, left))

    def _exchange(
        self, path: str, params: dict | None, token: str, seconds: float
    ) -> tuple[requests.Response, bytes]:
        """Send the GET and read its whole answer within ``seconds`` of wall-clock time."""
        with Deadline(seconds) as deadline:
            try:
                response = self._send(path, params, token)
                try:
                    body = self._body(response, time.monotonic() + seconds)
                finally:
                    response.close()
            except XpmError as error:
                if deadline.expired:
                    raise _too_slow(seconds) from error
                raise
        if deadline.expired:  # cut short: what arrived is not the whole answer
            raise _too_slow(seconds)
        return response, body

    def _send(self, path: str, params: dict | None, token: str) -> requests.Response:
        try:
            return self._session.get(
                urljoin(self.base_url, path),
                params=params,
                headers=self._headers,
                auth=BearerAuth(token),
                timeout=self._timeouts,
                stream=True,
                allow_redirects=False,  # an answer from anywhere else is not XPM's
            )
        except requests.Timeout as error:
            raise XpmUnavailable("it did not answer in time") from error
        except requests.ConnectionError as error:
            raise XpmUnavailable("the connection failed") from error
        except requests.RequestException as error:
            raise XpmUnavailable(type(error).__name__) from error

    def _body(self, response: requests.Response, deadline: float) -> bytes:
        if response.status_code == 200:
            return read_body(response, self._max_bytes, deadline=deadline)
        return read_body(response, ERROR_BODY_BYTES, deadline=deadline, clip=True)

    def _note_limits(self, response: requests.Response) -> None:
        minute = remaining(response.headers, "X-MinLimit-Remaining")
        day = remaining(response.headers, "X-DayLimit-Remaining")
        if minute is not None or day is not None:
            self._limiter.record_remaining(self._limiter_key, minute, day)
        if response.status_code == 429:
            error = error_for(response, b"")
            self._limiter.pause(self._limiter_key, error.retry_after, error.problem)

    def _adopt(self, error: XpmError) -> XpmError:
        error.system = self.system
        return error


def _too_slow(seconds: float) -> XpmUnavailable:
    whole = max(1, round(seconds))
    return XpmUnavailable(f"it had not answered in full after {whole} second{'s'[: whole != 1]}")


def _segment(uuid: str) -> str:
    """``uuid`` as one path segment: nothing in it can reach another endpoint."""
    if not uuid.strip():
        raise ValueError("a UUID is needed")
    return quote(uuid.strip(), safe="")

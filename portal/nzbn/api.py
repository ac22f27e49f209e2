"""The portal's one way of reading the Companies Register: NZBN API v5, read-only.

``RegisterApi`` can only GET (its session refuses anything else). Every call has connect
and read timeouts and a wall-clock deadline for the whole exchange (a trickling answer is
cut, as for XPM: ``portal/xpm/deadline.py``), reads its body under a size cap, and turns the
answer into records or a typed error. GETs are retried on 429, 5xx and timeouts with
jittered, capped backoff; a 429's ``Retry-After`` is honoured up to a bound, beyond which
the caller gets ``RateLimited``. ``within(seconds)`` gives one user action a budget that all
its calls, retries and waits share.
"""

import copy
import json
import logging
import re
import time
from collections.abc import Callable
from urllib.parse import quote

import requests

from portal.nzbn import parsers, records
from portal.nzbn.errors import (
    Malformed,
    NotFound,
    RateLimited,
    RegisterError,
    Rejected,
    Unauthorised,
    Unavailable,
)
from portal.xpm.deadline import Deadline
from portal.xpm.errors import XpmBadResponse, XpmUnavailable
from portal.xpm.transport import ReadOnlySession, RetryPolicy, read_body, retry_after

log = logging.getLogger("portal.nzbn")

KEY_HEADER = "Ocp-Apim-Subscription-Key"
DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE = 25, 100
DEFAULT_MAX_BYTES = 4 * 1024 * 1024
ERROR_BODY_BYTES = 16 * 1024
UNAVAILABLE = {500, 502, 503, 504}
PRINTABLE = re.compile(r"[^\w .,:;'()/&@-]")


class RegisterApi:
    """A read-only client for the NZBN register at ``base_url`` with one subscription key."""

    def __init__(
        self,
        base_url: str,
        subscription_key: str,
        *,
        connect_timeout: float = 5.0,
        read_timeout: float = 15.0,
        call_deadline: float = 20.0,
        retry: RetryPolicy | None = None,
        max_bytes: int = DEFAULT_MAX_BYTES,
        sleep: Callable[[float], None] = time.sleep,
        session: ReadOnlySession | None = None,
    ):
        if not subscription_key:
            raise ValueError("a subscription key is needed")
        self.base_url = base_url.rstrip("/")
        self._headers = {
            KEY_HEADER: subscription_key,
            "Accept": "application/json",
            "User-Agent": "portal-nzbn/1.0",
        }
        self._timeouts = (connect_timeout, read_timeout)
        self._call_deadline = call_deadline
        self._retry = retry or RetryPolicy()
        self._max_bytes = max_bytes
        self._sleep = sleep
        self._session = session or ReadOnlySession()
        self._budget_ends: float | None = None

    def __repr__(self) -> str:
        return f"RegisterApi({self.base_url!r}, <key hidden>)"

    def within(self, seconds: float) -> "RegisterApi":
        """This client, for one user action that may take ``seconds`` in all."""
        budgeted = copy.copy(self)
        budgeted._budget_ends = time.monotonic() + seconds
        return budgeted

    # --- The operations --------------------------------------------------------------------
    def search(
        self, text: str, page: int = 0, page_size: int = DEFAULT_PAGE_SIZE
    ) -> records.SearchPage:
        """Entities whose name, company number or NZBN matches ``text`` (``page`` from 0);
        no call at all for an empty ``text``."""
        if page < 0 or not 1 <= page_size <= MAX_PAGE_SIZE:
            raise ValueError(f"page starts at 0; page_size is from 1 to {MAX_PAGE_SIZE}")
        text = " ".join(text.split())
        if not text:
            return records.SearchPage((), page, page_size, 0)
        params = {"search-term": text, "page": page, "page-size": page_size}
        return parsers.search_page(self._get("/entities", params))

    def by_company_number(self, number: str) -> records.SearchResult | None:
        """The entity whose company number is exactly ``number``, if the register has one
        (the API has no lookup by company number: it is a search)."""
        number = number.strip()
        if not number.isdigit():
            return None
        page = self.search(number, page_size=10)
        return next((r for r in page.results if r.company_number == number), None)

    def entity(self, nzbn: str) -> records.Entity:
        """The full entity: directors, share allocations, addresses, filing month.

        An answer about another entity than the one asked for is refused.
        """
        nzbn = nzbn.strip()
        if not re.fullmatch(r"\d{13}", nzbn):
            raise ValueError("an NZBN is 13 digits")
        found = parsers.entity(self._get(f"/entities/{quote(nzbn)}"))
        if found.nzbn != nzbn:
            raise Malformed(f"it answered about NZBN {found.nzbn[:13]} when asked for {nzbn}")
        return found

    # --- One GET, with retries ------------------------------------------------------------
    def _get(self, path: str, params: dict | None = None):
        attempt = 0
        while True:
            attempt += 1
            try:
                return self._attempt(path, params, attempt)
            except RegisterError as error:
                pause = self._pause(error, attempt)
                if pause is None:
                    raise
                self._sleep(pause)

    def _pause(self, error: RegisterError, attempt: int) -> float | None:
        """Seconds to wait before trying again, or None: give the error to the caller."""
        if not error.retryable or attempt >= self._retry.max_attempts:
            return None
        if isinstance(error, RateLimited):
            if error.retry_after > self._retry.max_retry_after:
                return None
            pause = error.retry_after
        else:
            pause = self._retry.delay(attempt)
        left = self._left()
        return None if left is not None and pause >= left else pause

    def _left(self) -> float | None:
        return None if self._budget_ends is None else self._budget_ends - time.monotonic()

    def _attempt(self, path: str, params: dict | None, attempt: int):
        started, status, outcome = time.monotonic(), None, "unexpected failure"
        try:
            left = self._left()
            if left is not None and left <= 0:
                raise Unavailable("the time allowed for this was used up")
            seconds = self._call_deadline if left is None else min(self._call_deadline, left)
            response, body = self._exchange(path, params, seconds)
            status = response.status_code
            error = error_for(response, body)
            if error is not None:
                raise error
            content_type = response.headers.get("Content-Type", "").lower()
            if "json" not in content_type:
                raise Malformed("a web page came back where JSON was expected")
            try:
                parsed = json.loads(body.decode("utf-8"))
            except (UnicodeDecodeError, ValueError):
                raise Malformed("the answer is not complete JSON") from None
            outcome = "OK"
            return parsed
        except RegisterError as error:
            outcome = type(error).__name__
            error.status = error.status or status
            raise
        finally:
            log.log(
                logging.INFO if outcome == "OK" else logging.WARNING,
                "GET %s -> %s in %.0f ms (%s; attempt %d)",
                path,
                status or "not sent",
                (time.monotonic() - started) * 1000,
                outcome,
                attempt,
            )

    def _exchange(self, path: str, params: dict | None, seconds: float):
        """Send the GET and read its whole answer within ``seconds`` of wall-clock time."""
        with Deadline(seconds) as deadline:
            try:
                response = self._send(path, params)
                try:
                    limit = self._max_bytes if response.status_code == 200 else ERROR_BODY_BYTES
                    body = read_body(
                        response,
                        limit,
                        deadline=time.monotonic() + seconds,
                        clip=response.status_code != 200,
                    )
                finally:
                    response.close()
            except XpmBadResponse as error:
                raise Malformed(error.detail) from error
            except (XpmUnavailable, Unavailable) as error:
                if deadline.expired:
                    raise _too_slow(seconds) from error
                raise Unavailable(getattr(error, "detail", "")) from error
        if deadline.expired:
            raise _too_slow(seconds)
        return response, body

    def _send(self, path: str, params: dict | None) -> requests.Response:
        try:
            return self._session.get(
                self.base_url + path,
                params=params,
                headers=self._headers,
                timeout=self._timeouts,
                stream=True,
                allow_redirects=False,  # an answer from anywhere else is not the register's
            )
        except requests.Timeout as error:
            raise Unavailable("it did not answer in time") from error
        except requests.ConnectionError as error:
            raise Unavailable("the connection failed") from error
        except requests.RequestException as error:
            raise Unavailable(type(error).__name__) from error


def error_for(response: requests.Response, body: bytes) -> RegisterError | None:
    """The typed error an HTTP status stands for; None for 200."""
    status = response.status_code
    if status == 200:
        return None
    detail = said(body)
    if status in (401, 403):
        return Unauthorised(detail, status=status)
    if status == 404:
        return NotFound("", status=status)
    if status == 400:
        return Rejected(detail, status=status)
    if status == 429:
        wait = retry_after(response.headers.get("Retry-After"))
        return RateLimited(detail, retry_after=wait, status=status)
    if status in UNAVAILABLE:
        return Unavailable(f"HTTP {status}", status=status)
    if 300 <= status < 400:
        return Malformed(f"it redirected the request (HTTP {status})", status=status)
    return RegisterError(f"HTTP {status}", status=status)


def said(body: bytes) -> str:
    """What an error body says, made safe to show: the gateway's ``message``, or the
    service's ``errorDescription`` and the messages of its ``list``."""
    try:
        data = json.loads(body[:ERROR_BODY_BYTES].decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return ""
    if not isinstance(data, dict):
        return ""
    problems = data.get("list") if isinstance(data.get("list"), list) else []
    parts = [data.get("message") or data.get("errorDescription") or ""]
    parts += [p.get("message", "") for p in problems if isinstance(p, dict)]
    text = " ".join(str(part) for part in parts if part)
    return PRINTABLE.sub("", text)[:200].strip()


def _too_slow(seconds: float) -> Unavailable:
    whole = max(1, round(seconds))
    return Unavailable(f"it had not answered in full after {whole} second{'s'[: whole != 1]}")

"""The HTTP client when things go wrong: typed errors, retries, the one refresh, logs."""

import logging
from datetime import UTC, datetime

import pytest
import requests

from portal.xpm import (
    LimiterBusy,
    RetryPolicy,
    TenantLimiter,
    XpmApi,
    XpmAuthError,
    XpmError,
    XpmForbidden,
    XpmNotFound,
    XpmRateLimited,
    XpmUnavailable,
)
from tests.xpm.conftest import TENANT, XPM_URL, response_xml

GET_URL = XPM_URL + "client.api/get/abc"
OK = response_xml("<Client><UUID>abc</UUID><Name>Kōwhai Holdings</Name></Client>")
CORRELATION = {"xero-correlation-id": "c0ffee00-1111-2222-3333-444455556666"}


def ok(**headers):
    return {"text": OK, "status_code": 200, "headers": {"Content-Type": "text/xml", **headers}}


# --- HTTP errors ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("answer", "error", "retryable", "calls"),
    [
        (
            {"status_code": 403, "json": {"Detail": "AuthenticationUnsuccessful"}},
            XpmForbidden,
            False,
            1,
        ),
        ({"status_code": 404, "text": ""}, XpmNotFound, False, 1),
        ({"status_code": 400, "text": "Bad pageSize"}, XpmError, False, 1),
        ({"status_code": 500, "text": ""}, XpmUnavailable, True, 3),
        (
            {"status_code": 502, "text": "<html><body>Bad gateway</body></html>"},
            XpmUnavailable,
            True,
            3,
        ),
        ({"status_code": 503, "text": "ServiceNotAvailable"}, XpmUnavailable, True, 3),
        ({"exc": requests.exceptions.ConnectTimeout}, XpmUnavailable, True, 3),
        ({"exc": requests.exceptions.ReadTimeout}, XpmUnavailable, True, 3),
        ({"exc": requests.exceptions.ConnectionError}, XpmUnavailable, True, 3),
        (
            {
                "status_code": 429,
                "headers": {"Retry-After": "86400", "X-Rate-Limit-Problem": "day"},
            },
            XpmRateLimited,
            True,
            1,
        ),
    ],
)
def test_each_http_failure_has_its_typed_error(api, requests_mock, answer, error, retryable, calls):
    answer = dict(answer)
    if "exc" not in answer:
        answer["headers"] = {**CORRELATION, **answer.get("headers", {})}
    requests_mock.get(GET_URL, **answer)
    with pytest.raises(error) as raised:
        api.get("abc")
    assert type(raised.value) is error
    assert raised.value.retryable is retryable
    assert requests_mock.call_count == calls
    if "exc" not in answer:
        assert raised.value.correlation_id == CORRELATION["xero-correlation-id"]
    assert "<html" not in str(raised.value)


def test_forbidden_names_the_privilege_staff_need():
    message = str(XpmForbidden("AuthenticationUnsuccessful"))
    assert "Authorise 3rd Party Full Access" in message and "different practice" in message


def test_a_day_limit_429_reports_when_to_try_again(api, requests_mock):
    requests_mock.get(
        GET_URL, status_code=429, headers={"Retry-After": "7200", "X-Rate-Limit-Problem": "day"}
    )
    with pytest.raises(XpmRateLimited) as raised:
        api.get("abc")
    assert (raised.value.problem, raised.value.retry_after) == ("day", 7200.0)
    assert "5,000 calls a day" in str(raised.value) and "2 hours" in str(raised.value)


# --- Retries -------------------------------------------------------------------------------
def test_a_429_is_retried_after_retry_after_and_pauses_the_tenant(api, requests_mock, clock):
    requests_mock.get(
        GET_URL,
        [
            {"status_code": 429, "headers": {"Retry-After": "7", "X-Rate-Limit-Problem": "minute"}},
            ok(),
        ],
    )
    started = clock()
    assert api.get("abc").uuid == "abc"
    assert requests_mock.call_count == 2
    assert 7 in clock.sleeps and clock() - started >= 7


def test_a_long_retry_after_goes_back_to_the_caller(api, requests_mock):
    requests_mock.get(GET_URL, status_code=429, headers={"Retry-After": "45"})
    with pytest.raises(XpmRateLimited) as raised:
        api.get("abc")
    assert raised.value.retry_after == 45 and requests_mock.call_count == 1


def test_backoff_is_jittered_exponential_and_capped(tokens, limiter, clock, requests_mock):
    policy = RetryPolicy(max_attempts=6, backoff_base=1.0, backoff_cap=4.0)
    api = XpmApi(XPM_URL, "xpm", TENANT, tokens, limiter, retry=policy, sleep=clock.sleep)
    requests_mock.get(GET_URL, status_code=503)
    with pytest.raises(XpmUnavailable):
        api.get("abc")
    assert requests_mock.call_count == 6
    ceilings = [1, 2, 4, 4, 4]
    assert len(clock.sleeps) == 5
    assert all(c / 2 <= s <= c for s, c in zip(clock.sleeps, ceilings, strict=True))


def test_a_server_error_then_success_is_invisible_to_the_caller(api, requests_mock):
    requests_mock.get(
        GET_URL, [{"status_code": 500}, {"exc": requests.exceptions.ReadTimeout}, ok()]
    )
    assert api.get("abc").name == "Kōwhai Holdings"
    assert requests_mock.call_count == 3


# --- 401: one refresh, one retry -----------------------------------------------------------
EXPIRED = {
    "status_code": 401,
    "json": {
        "Title": "Unauthorized",
        "Status": 401,
        "Detail": "TokenExpired: token expired at 01/01/2026",
    },
}


def test_a_401_refreshes_once_and_retries_with_the_new_token(api, tokens, requests_mock):
    requests_mock.get(GET_URL, [EXPIRED, ok()])
    assert api.get("abc").uuid == "abc"
    assert tokens.refreshes == 1
    sent = [r.headers["Authorization"] for r in requests_mock.request_history]
    assert sent == ["Bearer SECRET-ACCESS-TOKEN-1", "Bearer SECRET-ACCESS-TOKEN-2"]


def test_a_second_401_needs_reconnecting(api, tokens, requests_mock):
    requests_mock.get(
        GET_URL, [EXPIRED, {"status_code": 401, "json": {"Detail": "AuthenticationUnsuccessful"}}]
    )
    with pytest.raises(XpmAuthError) as raised:
        api.get("abc")
    assert tokens.refreshes == 1 and requests_mock.call_count == 2
    assert "AuthenticationUnsuccessful" in str(raised.value) and "reconnect" in str(raised.value)
    assert raised.value.status == 401


def test_a_failed_refresh_is_an_auth_error_without_its_text(api, tokens, requests_mock):
    def failing_refresh():
        raise RuntimeError("invalid_grant for refresh token SECRET-REFRESH-TOKEN")

    tokens.refresh = failing_refresh
    requests_mock.get(GET_URL, **EXPIRED)
    with pytest.raises(XpmAuthError) as raised:
        api.get("abc")
    assert "SECRET" not in str(raised.value)
    assert requests_mock.call_count == 1


def test_refresh_then_server_error_then_success(api, tokens, requests_mock):
    requests_mock.get(GET_URL, [EXPIRED, {"status_code": 503}, ok()])
    assert api.get("abc").uuid == "abc"
    assert tokens.refreshes == 1 and requests_mock.call_count == 3


# --- Limits and logs -----------------------------------------------------------------------
def test_xpm_remaining_counts_hold_back_the_next_call(tokens, clock, requests_mock):
    limiter = TenantLimiter(clock=clock, sleep=clock.sleep, timeout=5)
    api = XpmApi(XPM_URL, "xpm", TENANT, tokens, limiter, sleep=clock.sleep)
    requests_mock.get(
        GET_URL, **ok(**{"X-MinLimit-Remaining": "0", "X-DayLimit-Remaining": "4000"})
    )
    api.get("abc")
    with pytest.raises(LimiterBusy) as raised:
        api.get("abc")
    assert raised.value.problem == "minute" and raised.value.retryable
    assert requests_mock.call_count == 1


def test_logs_say_what_happened_and_never_the_token(api, tokens, requests_mock, caplog):
    caplog.set_level(logging.DEBUG)
    requests_mock.get(GET_URL, [EXPIRED, ok(**CORRELATION)])
    api.get("abc")
    messages = [record.getMessage() for record in caplog.records]
    xpm = [r for r in caplog.records if r.name == "portal.xpm"]
    assert len(xpm) == 2
    assert "GET client.api/get/abc -> 200" in xpm[1].getMessage()
    assert CORRELATION["xero-correlation-id"] in xpm[1].getMessage()
    assert "-> 401" in xpm[0].getMessage()
    for text in messages + [str(r.args) for r in caplog.records]:
        assert "SECRET" not in text and "Bearer" not in text


def test_errors_arrive_within_seconds_even_when_every_attempt_fails(requests_mock, tokens):
    # Real sleeping and a real clock: three failed attempts still end quickly.
    api = XpmApi(XPM_URL, "xpm", TENANT, tokens, retry=RetryPolicy(backoff_base=0.01))
    requests_mock.get(GET_URL, exc=requests.exceptions.ConnectTimeout)
    started = datetime.now(UTC)
    with pytest.raises(XpmUnavailable):
        api.get("abc")
    assert (datetime.now(UTC) - started).total_seconds() < 2

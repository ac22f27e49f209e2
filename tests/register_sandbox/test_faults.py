"""Each injected fault, and what the register client makes of it over real HTTP."""

import time

import pytest
import requests

from portal.nzbn import Malformed, RateLimited, RegisterApi, Unauthorised, Unavailable
from tests.sandboxed import REGISTER_CONTROL as CONTROL


def nzbn_of_chain(register):
    return register.by_company_number("9044466").nzbn


@pytest.mark.parametrize(
    ("fault", "error"),
    [
        ("500", Unavailable),
        ("502", Unavailable),
        ("503", Unavailable),
        ("malformed", Malformed),
        ("html", Malformed),
        ("truncated", Malformed),
        ("401", Unauthorised),
        ("403", Unauthorised),
    ],
)
def test_a_persistent_fault_reaches_the_caller_typed(register, control, fault, error):
    nzbn = nzbn_of_chain(register)
    control("POST", "faults", json={"fault": fault, "endpoints": ["entities/get"]})
    with pytest.raises(error):
        register.entity(nzbn)
    calls = control("GET", "calls")["calls"]["entities/get"]
    assert calls == (3 if error.retryable else 1)


def test_one_server_error_is_retried_away(register, control):
    nzbn = nzbn_of_chain(register)
    control("POST", "faults", json={"fault": "503", "count": 1})
    assert register.entity(nzbn).nzbn == nzbn
    assert control("GET", "calls")["calls"]["entities/get"] == 2


def test_a_429_carries_retry_after_and_is_waited_out(register, control, api_url, key):
    control("POST", "faults", json={"fault": "429", "retry_after": 7, "count": 1})
    answer = requests.get(
        f"{api_url}/entities",
        params={"search-term": "x"},
        headers=key,
        timeout=10,
    )
    assert answer.status_code == 429 and answer.headers["Retry-After"] == "7"
    assert answer.json()["statusCode"] == 429
    control("POST", "faults", json={"fault": "429", "retry_after": 1, "count": 1})
    waited = []
    patient = RegisterApi(api_url, key["Ocp-Apim-Subscription-Key"], sleep=waited.append)
    assert patient.search("kowhai").total >= 1
    assert waited == [1.0]


def test_a_429_longer_than_the_bound_goes_back(register, control):
    control("POST", "faults", json={"fault": "429", "retry_after": 3600})
    with pytest.raises(RateLimited):
        register.search("kowhai")
    assert control("GET", "calls")["calls"]["entities/search"] == 1


def test_a_timeout_is_cut_by_the_deadline(register, control):
    control("POST", "faults", json={"fault": "timeout", "timeout_seconds": 5, "count": 1})
    started = time.monotonic()
    assert register.search("kowhai").total >= 1  # the first try times out, the second answers
    assert time.monotonic() - started < 4.5


def test_the_deadline_cuts_a_call_however_long_the_read_timeout(api_url, key, control):
    control("POST", "faults", json={"fault": "timeout", "timeout_seconds": 5})
    slow = RegisterApi(
        api_url,
        key["Ocp-Apim-Subscription-Key"],
        read_timeout=30,
        call_deadline=0.5,
        sleep=lambda seconds: None,
    )
    started = time.monotonic()
    with pytest.raises(Unavailable, match="had not answered in full after 1 second"):
        slow.search("kowhai")
    assert time.monotonic() - started < 3  # three tries of half a second each


def test_latency_is_added_to_every_call(register, control):
    control("POST", "faults", json={"latency_ms": 300})
    started = time.monotonic()
    register.search("kowhai")
    assert time.monotonic() - started >= 0.3
    assert control("GET", "faults")["latency_ms"] == 300


def test_control_needs_its_token(register_url):
    answer = requests.get(f"{register_url}/_control/faults", timeout=10)
    assert answer.status_code == 401
    bad = requests.post(
        f"{register_url}/_control/faults", json={"fault": "teapot"}, headers=CONTROL, timeout=10
    )
    assert bad.status_code == 400 and "fault must be one of" in bad.json()["error"]

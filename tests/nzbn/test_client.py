"""The register client against answers shaped as NZBN v5's documentation shows them."""

from datetime import date

import pytest
import requests

from portal.nzbn import (
    Malformed,
    NotConfigured,
    NotFound,
    RateLimited,
    RegisterApi,
    Rejected,
    Unauthorised,
    Unavailable,
    api_from_config,
)
from tests.nzbn.conftest import KEY, URL, fixture

NZBN = "9429090444661"
ENTITY_URL = f"{URL}/entities/{NZBN}"
JSON = {"Content-Type": "application/json; charset=utf-8"}


def test_search_sends_the_key_and_the_documented_parameters(api, requests_mock):
    requests_mock.get(f"{URL}/entities", json=fixture("search.json"), headers=JSON)
    page = api.search("  kōwhai   holdings ", page=0, page_size=2)
    sent = requests_mock.last_request
    assert sent.headers["Ocp-Apim-Subscription-Key"] == KEY
    assert sent.qs == {"search-term": ["kōwhai holdings"], "page": ["0"], "page-size": ["2"]}
    assert (page.page, page.page_size, page.total, page.has_more) == (0, 2, 3, True)
    first, second = page.results
    assert (first.name, first.nzbn, first.company_number) == (
        "KŌWHAI HOLDINGS LIMITED",
        NZBN,
        "9044466",
    )
    assert first.registered == date(1999, 11, 15)
    assert (second.status_code, second.status) == ("80", "Removed")


def test_an_empty_search_calls_nothing(api, requests_mock):
    assert api.search("   ").results == ()
    assert not requests_mock.called


def test_search_refuses_pages_the_register_would_refuse(api):
    with pytest.raises(ValueError):
        api.search("x", page=-1)
    with pytest.raises(ValueError):
        api.search("x", page_size=101)


def test_the_full_entity_becomes_a_company_record(api, requests_mock):
    requests_mock.get(ENTITY_URL, json=fixture("entity.json"), headers=JSON)
    company = api.entity(NZBN)
    assert (company.name, company.company_number, company.status) == (
        "KŌWHAI HOLDINGS LIMITED",
        "9044466",
        "Registered",
    )
    assert company.incorporated == date(1999, 11, 15)
    assert company.annual_return_month == 11
    # The current registered office, not the one that ended in 2011.
    assert company.registered_office.one_line == (
        "56 Colombo Street, Christchurch Central, Christchurch, 8011"
    )
    assert company.address_for_service.care_of == "Kōwhai Chartered Accountants"
    # Directors only (not the person authorised for service), the resigned one kept.
    assert [d.name for d in company.directors] == ["Aroha NGATA", "Wiremu Ātaahua NGATA"]
    assert [d.name for d in company.current_directors] == ["Aroha NGATA"]
    assert company.directors[1].ceased == date(2024, 6, 30)
    assert company.total_shares == 1050
    joint, alone = company.allocations
    assert joint.shares == 600
    assert [(h.name, h.is_person, h.company_number) for h in joint.shareholders] == [
        ("PŌHUTUKAWA TRUSTEE COMPANY LIMITED", False, "1462630"),
        ("Aroha NGATA", True, None),
    ]
    assert joint.shareholders[0].nzbn == "9429232669730"
    assert (alone.shares, alone.shareholders[0].last_name) == (450, "NGATA")


def test_a_timestamp_is_read_as_new_zealand_s_day():
    from portal.nzbn.parsers import day

    assert day("2024-06-30T00:00:00.000+1200") == date(2024, 6, 30)
    assert day("2024-06-29T12:00:00Z") == date(2024, 6, 30)  # midnight in Auckland
    assert day("2001-10-16T00:00:00") == date(2001, 10, 16)
    assert day(None) is None


def test_an_answer_about_another_entity_is_refused(api, requests_mock):
    body = fixture("entity.json") | {"nzbn": "9429061288638"}
    requests_mock.get(ENTITY_URL, json=body, headers=JSON)
    with pytest.raises(Malformed, match="asked for"):
        api.entity(NZBN)


def test_not_an_nzbn_is_a_programming_error(api, requests_mock):
    with pytest.raises(ValueError):
        api.entity("../entities?x")
    assert not requests_mock.called


@pytest.mark.parametrize(
    ("status", "body", "error", "words"),
    [
        (404, "404.json", NotFound, "has no entity with that NZBN"),
        (401, "401_missing_key.json", Unauthorised, "missing subscription key"),
        (401, "401_invalid_key.json", Unauthorised, "NZBN_SUBSCRIPTION_KEY"),
        (403, "401_invalid_key.json", Unauthorised, "refused the portal's subscription key"),
        (400, "400.json", Rejected, "search-term is required"),
    ],
)
def test_each_refusal_has_its_typed_error_and_is_not_retried(
    api, requests_mock, status, body, error, words
):
    requests_mock.get(ENTITY_URL, json=fixture(body), status_code=status, headers=JSON)
    with pytest.raises(error) as raised:
        api.entity(NZBN)
    assert words in str(raised.value)
    assert requests_mock.call_count == 1
    assert KEY not in str(raised.value)


def test_a_429_is_retried_after_its_retry_after(api, requests_mock, sleeps):
    requests_mock.get(
        ENTITY_URL,
        [
            {"json": fixture("429.json"), "status_code": 429, "headers": {"Retry-After": "2"}},
            {"json": fixture("entity.json"), "headers": JSON},
        ],
    )
    assert api.entity(NZBN).nzbn == NZBN
    assert sleeps == [2.0]


def test_a_long_retry_after_goes_back_to_the_caller(api, requests_mock, sleeps):
    requests_mock.get(
        ENTITY_URL, json=fixture("429.json"), status_code=429, headers={"Retry-After": "600"}
    )
    with pytest.raises(RateLimited) as raised:
        api.entity(NZBN)
    assert raised.value.retry_after == 600 and raised.value.retryable
    assert "safe to try again in 600 seconds" in str(raised.value)
    assert sleeps == [] and requests_mock.call_count == 1


@pytest.mark.parametrize(
    "answer",
    [
        {"status_code": 500, "json": {"status": "500", "errorDescription": "x"}},
        {"status_code": 502, "text": "Bad gateway"},
        {"status_code": 503, "json": {"statusCode": 503, "message": "Service Unavailable"}},
        {"exc": requests.exceptions.ConnectTimeout},
        {"exc": requests.exceptions.ReadTimeout},
        {"exc": requests.exceptions.ConnectionError},
    ],
)
def test_failures_are_tried_three_times_then_unavailable(api, requests_mock, sleeps, answer):
    requests_mock.get(ENTITY_URL, **answer)
    with pytest.raises(Unavailable) as raised:
        api.entity(NZBN)
    assert requests_mock.call_count == 3 and len(sleeps) == 2
    assert 0 < sleeps[0] <= 0.5 < sleeps[1] <= 1.0  # jittered, doubling
    assert "safe to try again" in str(raised.value)


def test_a_server_error_then_success_is_invisible(api, requests_mock):
    requests_mock.get(
        ENTITY_URL,
        [{"status_code": 503, "text": ""}, {"json": fixture("entity.json"), "headers": JSON}],
    )
    assert api.entity(NZBN).name == "KŌWHAI HOLDINGS LIMITED"


@pytest.mark.parametrize(
    ("answer", "words"),
    [
        ({"text": '{"nzbn": "94290904', "headers": JSON}, "not complete JSON"),
        (
            {"text": "<html><body>Oops</body></html>", "headers": {"Content-Type": "text/html"}},
            "a web page came back",
        ),
        ({"json": {"nzbn": NZBN, "roles": "none"}, "headers": JSON}, "roles is not a list"),
        ({"json": [1, 2], "headers": JSON}, "not a JSON object"),
        ({"status_code": 302, "headers": {"Location": "https://elsewhere.example/"}}, "redirected"),
    ],
)
def test_unreadable_answers_are_malformed_and_not_retried(api, requests_mock, answer, words):
    requests_mock.get(ENTITY_URL, **answer)
    with pytest.raises(Malformed, match=words):
        api.entity(NZBN)
    assert requests_mock.call_count == 1


def test_an_oversized_answer_is_refused(sleeps, requests_mock):
    api = RegisterApi(URL, KEY, max_bytes=1000, sleep=sleeps)
    requests_mock.get(ENTITY_URL, text="{" + " " * 5000 + "}", headers=JSON)
    with pytest.raises(Malformed, match="larger than 1,000 bytes"):
        api.entity(NZBN)


def test_by_company_number_picks_the_exact_number(api, requests_mock):
    requests_mock.get(f"{URL}/entities", json=fixture("search.json"), headers=JSON)
    assert api.by_company_number("6128863").nzbn == "9429061288638"
    assert api.by_company_number("1234567") is None
    assert api.by_company_number("not a number") is None
    assert requests_mock.call_count == 2


def test_the_key_never_shows_in_repr_or_logs(api, requests_mock, caplog):
    requests_mock.get(ENTITY_URL, json=fixture("404.json"), status_code=404, headers=JSON)
    with pytest.raises(NotFound):
        api.entity(NZBN)
    assert KEY not in repr(api) and KEY not in caplog.text
    assert "GET /entities/9429090444661 -> 404" in caplog.text


def test_the_factory_needs_a_key_and_says_how_to_set_one():
    with pytest.raises(NotConfigured) as raised:
        api_from_config({"NZBN_API_URL": URL, "NZBN_SUBSCRIPTION_KEY": ""})
    assert "NZBN_SUBSCRIPTION_KEY" in str(raised.value)
    assert "PORTAL_SANDBOX=1" in str(raised.value)
    api = api_from_config({"NZBN_API_URL": URL + "/", "NZBN_SUBSCRIPTION_KEY": " k "})
    assert api.base_url == URL


def test_a_budget_stops_retries_that_would_outlast_it(requests_mock, sleeps):
    api = RegisterApi(URL, KEY, sleep=sleeps).within(0.2)
    requests_mock.get(
        ENTITY_URL, json=fixture("429.json"), status_code=429, headers={"Retry-After": "5"}
    )
    with pytest.raises(RateLimited):
        api.entity(NZBN)
    assert sleeps == []

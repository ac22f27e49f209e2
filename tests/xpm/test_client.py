"""The HTTP client: what it sends for each reader, and that it can only read."""

from datetime import datetime, timedelta, timezone

import pytest
import requests

from portal.xpm import (
    XpmApi,
    XpmBadResponse,
    XpmNotFound,
    XpmWriteRefused,
)
from portal.xpm.transport import ReadOnlySession
from tests.xpm.conftest import TENANT, WORKFLOWMAX_URL, XPM_URL, response_xml

GET_URL = XPM_URL + "client.api/get/abc"
OK = response_xml("<Client><UUID>abc</UUID><Name>Kōwhai Holdings</Name></Client>")


def ok(**headers):
    return {"text": OK, "status_code": 200, "headers": {"Content-Type": "text/xml", **headers}}


# --- What is sent --------------------------------------------------------------------------
def test_a_get_sends_the_token_the_tenant_and_both_timeouts(api, requests_mock):
    requests_mock.get(GET_URL, **ok())
    assert api.get("abc").name == "Kōwhai Holdings"
    sent = requests_mock.last_request
    assert sent.headers["Authorization"] == "Bearer SECRET-ACCESS-TOKEN-1"
    assert sent.headers["Xero-Tenant-Id"] == TENANT
    assert sent.timeout == (5.0, 20.0)


def test_workflowmax_sends_account_id_and_asks_for_numbered_pages(tokens, limiter, requests_mock):
    api = XpmApi(
        WORKFLOWMAX_URL, "workflowmax", "org-42", tokens, limiter, connect_timeout=2, read_timeout=7
    )
    requests_mock.get(
        WORKFLOWMAX_URL + "client.api/list",
        text=response_xml(
            "<Page>3</Page><PageSize>50</PageSize><TotalRecords>101</TotalRecords><Clients />"
        ),
    )
    page = api.list_page(3, 50)
    assert (page.page, page.page_size, page.total_records) == (3, 50, 101)
    sent = requests_mock.last_request
    assert sent.headers["account_id"] == "org-42" and "Xero-Tenant-Id" not in sent.headers
    assert sent.qs == {"page": ["3"], "pagesize": ["50"]}
    assert sent.timeout == (2, 7)


def test_numbered_pages_are_refused_for_xpm(api):
    with pytest.raises(ValueError):
        api.list_page(1)


def test_paged_list_walks_every_page(api, requests_mock):
    def page(names, next_token=None):
        clients = "".join(f"<Client><UUID>{n}</UUID><Name>{n}</Name></Client>" for n in names)
        link = (
            f"<Next>{XPM_URL}client.api/paged-list?pageToken={next_token}&amp;pageSize=2</Next>"
            if next_token
            else ""
        )
        return {
            "text": response_xml(
                f"<Clients>{clients}</Clients><Pagination><Links>"
                f"<First>x</First>{link}</Links></Pagination>"
            )
        }

    url = XPM_URL + "client.api/paged-list"
    requests_mock.get(url, [page(["a", "b"], "t2"), page(["c", "d"], "t3"), page(["e"])])
    assert [c.name for c in api.iter_all_basic(page_size=2)] == ["a", "b", "c", "d", "e"]
    assert [r.qs.get("pagetoken") for r in requests_mock.request_history] == [None, ["t2"], ["t3"]]
    assert requests_mock.request_history[0].qs["pagesize"] == ["2"]


def test_a_page_token_that_loops_stops_the_walk(api, requests_mock):
    looping = response_xml(
        "<Clients /><Pagination><Links><Next>?pageToken=same</Next></Links></Pagination>"
    )
    requests_mock.get(XPM_URL + "client.api/paged-list", text=looping)
    with pytest.raises(XpmBadResponse, match="same page"):
        list(api.iter_all_basic())
    assert requests_mock.call_count == 2


def test_search_asks_for_detail_only_when_wanted_and_skips_empty_queries(api, requests_mock):
    requests_mock.get(
        XPM_URL + "client.api/search",
        text=response_xml(
            "<Clients><Client><UUID>a</UUID><Name>Kōwhai &amp; Sons</Name></Client></Clients>"
        ),
    )
    assert api.search("   ") == []
    assert requests_mock.call_count == 0
    assert [c.name for c in api.search("kōwhai & s")] == ["Kōwhai & Sons"]
    assert requests_mock.last_request.qs == {"query": ["kōwhai & s"]}
    api.search("kowhai", detailed=True)
    assert requests_mock.last_request.qs["detailed"] == ["true"]


def test_modified_since_is_sent_in_utc(api, requests_mock):
    requests_mock.get(XPM_URL + "client.api/list", text=response_xml("<Clients />"))
    nzst = timezone(timedelta(hours=12))
    assert api.list_modified_since(datetime(2024, 7, 1, 9, 30, tzinfo=nzst), True) == []
    assert requests_mock.last_request.qs == {
        "modifiedsince": ["2024-06-30t21:30:00"],
        "detailed": ["true"],
    }


def test_a_uuid_cannot_steer_the_request_elsewhere(api, requests_mock):
    requests_mock.get(
        XPM_URL + "client.api/get/..%2F..%2Fclient.api%2Fdelete%3Fx%3D1",
        text=response_xml("<ErrorDescription>Client not found</ErrorDescription>", status="ERROR"),
    )
    with pytest.raises(XpmNotFound):
        api.get("../../client.api/delete?x=1")


def test_groups(api, requests_mock):
    requests_mock.get(
        XPM_URL + "clientgroup.api/list",
        text=response_xml(
            "<Groups><Group><UUID>g1</UUID><Name>Bloggs Family</Name></Group></Groups>"
        ),
    )
    requests_mock.get(
        XPM_URL + "clientgroup.api/get/g1",
        text=response_xml(
            "<Group><UUID>g1</UUID><Name>Bloggs Family</Name><Clients><Client><UUID>c</UUID>"
            "<Name>Jo</Name></Client></Clients></Group>"
        ),
    )
    assert [g.name for g in api.groups()] == ["Bloggs Family"]
    assert [c.name for c in api.group("g1").clients] == ["Jo"]


# --- Read-only by construction -------------------------------------------------------------
@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"])
def test_the_session_refuses_anything_but_get(requests_mock, method):
    session = ReadOnlySession()  # the only kind an XpmApi runs on (the next test)
    url = XPM_URL + "client.api/add"
    requests_mock.register_uri(method, url, text="")
    with pytest.raises(XpmWriteRefused):
        session.request(method, url)
    prepared = requests.Request(method, url).prepare()
    with pytest.raises(XpmWriteRefused):
        session.send(prepared)
    assert requests_mock.call_count == 0


def test_the_client_will_not_run_on_an_ordinary_session(tokens):
    with pytest.raises(TypeError):
        XpmApi(XPM_URL, "xpm", TENANT, tokens, session=requests.Session())


def test_the_client_offers_nothing_but_readers():
    public = {name for name in dir(XpmApi) if not name.startswith("_")}
    assert public - {"within", "paced"} == {
        "paged_list",
        "iter_all_basic",
        "iter_pages",
        "search",
        "get",
        "list_modified_since",
        "list_page",
        "groups",
        "group",
    }


def test_a_redirect_is_not_followed(api, requests_mock):
    requests_mock.get(GET_URL, status_code=302, headers={"Location": "https://evil.example/"})
    with pytest.raises(XpmBadResponse, match="redirected"):
        api.get("abc")
    assert requests_mock.call_count == 1

"""WorkflowMax by BlueRock: credentials in the form body, JWTs with org_ids, account_id."""

import pytest
from joserfc import jwt
from joserfc.jwk import OctKey

from portal.sandbox import WORKFLOWMAX_DEMO_CLIENT_ID, WORKFLOWMAX_DEMO_CLIENT_SECRET, tenants
from tests.sandbox.conftest import runtime_of
from tests.sandbox.flows import (
    REDIRECT_URI,
    authorize_params,
    clients_of,
    connect,
    consent,
    parse,
    pkce,
)

AUTHORIZE = "/sandbox/workflowmax/oauth/authorize"
TOKEN = "/sandbox/workflowmax/oauth/token"
API = "/sandbox/workflowmax/api/"
SCOPE = "openid profile email workflowmax offline_access"


def connect_workflowmax(client) -> dict:
    verifier, challenge = pkce()
    params = authorize_params(
        challenge, client_id=WORKFLOWMAX_DEMO_CLIENT_ID, scope=SCOPE, prompt="consent"
    )
    answer = consent(client, path=AUTHORIZE, **params)
    response = client.post(
        TOKEN,
        data={
            "grant_type": "authorization_code",
            "code": answer["code"],
            "redirect_uri": REDIRECT_URI,
            "code_verifier": verifier,
            "client_id": WORKFLOWMAX_DEMO_CLIENT_ID,
            "client_secret": WORKFLOWMAX_DEMO_CLIENT_SECRET,
        },
    )
    assert response.status_code == 200, response.json
    return response.json


@pytest.fixture
def wfm(client):
    return connect_workflowmax(client)


def call(client, tokens, path, account=tenants.WORKFLOWMAX.id, **params):
    headers = {"Authorization": f"Bearer {tokens['access_token']}"}
    if account is not None:
        headers["account_id"] = account
    return client.get(API + path, headers=headers, query_string=params)


def test_consent_page_speaks_of_workflowmax(client):
    params = authorize_params(client_id=WORKFLOWMAX_DEMO_CLIENT_ID, scope=SCOPE)
    html = client.get(AUTHORIZE, query_string=params).get_data(as_text=True)
    assert "WorkflowMax" in html and tenants.WORKFLOWMAX.name in html
    assert "Kōwhai Chartered Accountants Ltd" not in html


def test_access_token_is_a_signed_jwt_with_org_ids(app, client, wfm):
    key = OctKey.import_key(runtime_of(app).signing_key.encode())
    claims = jwt.decode(wfm["access_token"], key, algorithms=["HS256"]).claims
    assert claims["org_ids"] == [tenants.WORKFLOWMAX.id]
    assert claims["exp"] - claims["iat"] == 1800
    assert wfm["refresh_token"]


def test_credentials_belong_in_the_form_body(client):
    answer = consent(
        client,
        path=AUTHORIZE,
        **authorize_params(client_id=WORKFLOWMAX_DEMO_CLIENT_ID, scope=SCOPE),
    )
    response = client.post(
        TOKEN,
        data={
            "grant_type": "authorization_code",
            "code": answer["code"],
            "redirect_uri": REDIRECT_URI,
        },
        auth=(WORKFLOWMAX_DEMO_CLIENT_ID, WORKFLOWMAX_DEMO_CLIENT_SECRET),
    )
    assert response.status_code == 401 and response.json["error"] == "invalid_client"


def test_refresh_in_the_form_body(client, wfm):
    response = client.post(
        TOKEN,
        data={
            "grant_type": "refresh_token",
            "refresh_token": wfm["refresh_token"],
            "client_id": WORKFLOWMAX_DEMO_CLIENT_ID,
            "client_secret": WORKFLOWMAX_DEMO_CLIENT_SECRET,
        },
    )
    assert response.status_code == 200 and response.json["refresh_token"] != wfm["refresh_token"]


def test_calls_need_the_account_id_header(client, wfm):
    assert call(client, wfm, "client.api/list", account=None).status_code == 403
    assert call(client, wfm, "client.api/list", account=tenants.KOWHAI.id).status_code == 403
    assert call(client, wfm, "client.api/list").status_code == 200


def test_account_header_fallback_is_opt_in(make_app):
    client = make_app(SANDBOX_ACCOUNT_ID_FALLBACK=True).test_client()
    tokens = connect_workflowmax(client)
    assert call(client, tokens, "client.api/list", account=None).status_code == 200


def test_tokens_do_not_cross_providers(client, wfm):
    xpm = connect(client)
    headers = {"Authorization": f"Bearer {xpm.access_token}", "account_id": tenants.WORKFLOWMAX.id}
    assert client.get(API + "client.api/list", headers=headers).status_code == 401
    xero_headers = {
        "Authorization": f"Bearer {wfm['access_token']}",
        "Xero-Tenant-Id": tenants.KOWHAI.id,
    }
    assert (
        client.get(
            "/sandbox/xero/practicemanager/3.1/client.api/list", headers=xero_headers
        ).status_code
        == 401
    )


def test_list_is_paged_by_page_and_pagesize(client, wfm):
    unpaged = parse(call(client, wfm, "client.api/list"))
    assert unpaged.find("TotalRecords") is None  # the counts come only when paging is asked
    first = parse(call(client, wfm, "client.api/list", page=1))
    total = int(first.findtext("TotalRecords"))
    assert first.findtext("Page") == "1" and first.findtext("PageSize") == "100"
    assert [child.tag for child in first][-3:] == ["Page", "PageSize", "TotalRecords"]
    below = parse(call(client, wfm, "client.api/list", page=0, pagesize=20))
    assert below.findtext("Page") == "1"  # a page below 1 is the first, as documented
    assert total > 40 and len(clients_of(first)) == min(100, total)
    pages = [
        clients_of(parse(call(client, wfm, "client.api/list", page=p, pagesize=20)))
        for p in range(1, -(-total // 20) + 1)
    ]
    assert all(len(page) == 20 for page in pages[:-1])
    uuids = [c.findtext("UUID") for page in pages for c in page]
    assert len(uuids) == total == len(set(uuids))
    beyond = call(client, wfm, "client.api/list", page=99, pagesize=20)
    assert b"<Clients />" in beyond.data
    assert parse(call(client, wfm, "client.api/list", pagesize=0)).findtext("Status") == "ERROR"


def test_relationships_are_rare(client, wfm):
    answer = call(client, wfm, "client.api/list", pagesize=1000, detailed="true")
    listed = clients_of(parse(answer, lenient=True))
    related = [c for c in listed if len(c.find("Relationships"))]
    assert len(related) < len(listed) / 5


def test_same_client_api_paths(client, wfm):
    found = clients_of(parse(call(client, wfm, "client.api/search", query="Ngata")))
    assert found
    detail = parse(call(client, wfm, "client.api/get/" + found[0].findtext("UUID")))
    assert detail.findtext("Status") == "OK"
    assert call(client, wfm, "client.api/paged-list").status_code == 200
    assert call(client, wfm, "clientgroup.api/list").status_code == 200

"""Xero's authorize step: the consent page, its nonce, Approve and Deny, bad requests."""

import re

import pytest

from portal.sandbox import tenants
from tests.sandbox.flows import authorize_params, connect, consent, form_fields, pkce, query_of

AUTHORIZE = "/sandbox/identity/connect/authorize"


def test_consent_page_names_app_scopes_and_practices(client):
    _, challenge = pkce()
    page = client.get(AUTHORIZE, query_string=authorize_params(challenge))
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Portal (demo)" in html
    assert "Kōwhai Chartered Accountants (sandbox)" in html
    assert "Kōwhai Chartered Accountants Ltd" in html  # the ORGANISATION tenant
    assert "Stay connected when you are not using the app" in html
    assert ">Approve</button>" in html and ">Deny</button>" in html
    _, offered = form_fields(html)
    assert offered == [tenants.KOWHAI.id, tenants.KOWHAI_BOOKS.id]
    assert "Tōtara" not in html
    # The portal's CSP forbids inline code and styles; the page needs neither.
    assert "<script" not in html and " style=" not in html
    assert not re.search(r"\son\w+\s*=", html)
    policy = page.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in policy and "form-action 'self' http://127.0.0.1:5000" in policy
    stylesheet = client.get("/sandbox/static/sandbox.css")
    assert stylesheet.status_code == 200 and stylesheet.mimetype == "text/css"


def test_a_second_practice_can_be_offered(make_app):
    client = make_app(SANDBOX_PRACTICES=2).test_client()
    connection = connect(client)
    listed = client.get(
        "/sandbox/xero/connections", headers={"Authorization": f"Bearer {connection.access_token}"}
    ).json
    practices = [c["tenantName"] for c in listed if c["tenantType"] == "PRACTICEMANAGER"]
    assert practices == [
        "Kōwhai Chartered Accountants (sandbox)",
        "Tōtara Tax & Advisory (sandbox)",
    ]


def test_deny_sends_access_denied_back_with_state(client):
    answer = consent(client, decision="deny", **authorize_params())
    assert answer == {"error": "access_denied", "state": "state-123"}


def test_approve_sends_code_and_state_back(client):
    answer = consent(client, **authorize_params(pkce()[1]))
    assert answer["state"] == "state-123"
    assert len(answer["code"]) > 30


def test_consent_form_needs_the_nonce_of_its_own_page(client):
    html = client.get(AUTHORIZE, query_string=authorize_params()).get_data(as_text=True)
    nonce, offered = form_fields(html)
    client.set_cookie("sandbox_consent", "forged", path=AUTHORIZE)
    forged = client.post(AUTHORIZE, data={"nonce": nonce, "decision": "approve", "tenant": offered})
    assert forged.status_code == 400
    assert "Location" not in forged.headers
    missing = client.post(AUTHORIZE, data={"decision": "approve", "tenant": offered})
    assert missing.status_code == 400


def test_consent_answer_counts_once(client):
    html = client.get(AUTHORIZE, query_string=authorize_params()).get_data(as_text=True)
    nonce, offered = form_fields(html)
    form = {"nonce": nonce, "decision": "approve", "tenant": offered}
    assert client.post(AUTHORIZE, data=form).status_code == 302
    client.set_cookie("sandbox_consent", nonce, path=AUTHORIZE)
    again = client.post(AUTHORIZE, data=form)
    assert again.status_code == 400
    assert "already been answered" in again.get_data(as_text=True)


@pytest.mark.parametrize(
    "overrides",
    [
        {"client_id": "someone-else"},
        {"redirect_uri": "javascript:alert(1)"},
        {"redirect_uri": "/relative/callback"},
    ],
)
def test_unknown_app_or_address_gets_an_error_page_not_a_redirect(client, overrides):
    response = client.get(AUTHORIZE, query_string=authorize_params(**overrides))
    assert response.status_code == 400
    assert "Location" not in response.headers
    assert "cannot be connected" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"response_type": "token"}, "unsupported_response_type"),
        ({"scope": "openid accounting.transactions"}, "invalid_scope"),
        ({"code_challenge": "a" * 43, "code_challenge_method": "plain"}, "invalid_request"),
    ],
)
def test_bad_requests_go_back_to_the_app_with_an_error(client, overrides, error):
    response = client.get(AUTHORIZE, query_string=authorize_params(**overrides))
    assert response.status_code == 302
    answer = query_of(response.headers["Location"])
    assert answer["error"] == error and answer["state"] == "state-123"


def test_approving_without_an_organisation_asks_again(client):
    nonce, _ = form_fields(
        client.get(AUTHORIZE, query_string=authorize_params()).get_data(as_text=True)
    )
    response = client.post(AUTHORIZE, data={"nonce": nonce, "decision": "approve"})
    assert response.status_code == 400
    assert "Choose at least one organisation" in response.get_data(as_text=True)
    new_nonce, offered = form_fields(response.get_data(as_text=True))
    again = client.post(
        AUTHORIZE, data={"nonce": new_nonce, "decision": "approve", "tenant": offered[:1]}
    )
    assert "code" in query_of(again.headers["Location"])

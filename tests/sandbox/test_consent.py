"""Xero's authorize step: the consent page, its nonce, Approve and Deny, bad requests."""

import re

import pytest

from portal.sandbox import DEMO_CLIENT_ID, WORKFLOWMAX_DEMO_CLIENT_ID, tenants
from tests.sandbox.flows import (
    SCOPE,
    authorize_params,
    connect,
    consent,
    form_fields,
    pkce,
    query_of,
    token,
)

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


# --- Registered redirect URIs ---------------------------------------------------------------
WORKFLOWMAX_AUTHORIZE = "/sandbox/workflowmax/oauth/authorize"
APPS = [(AUTHORIZE, DEMO_CLIENT_ID), (WORKFLOWMAX_AUTHORIZE, WORKFLOWMAX_DEMO_CLIENT_ID)]
SCOPES = {DEMO_CLIENT_ID: SCOPE, WORKFLOWMAX_DEMO_CLIENT_ID: "openid offline_access workflowmax"}
MAKE_RUN_CALLBACKS = [
    f"{origin}/settings/addons/{key}/callback"
    for origin in ("http://127.0.0.1:5000", "http://localhost:5000")
    for key in ("xpm", "workflowmax")
]


def open_consent(client, path: str, client_id: str, **overrides):
    params = authorize_params(client_id=client_id, scope=SCOPES[client_id], **overrides)
    return client.get(path, query_string=params)


@pytest.mark.parametrize(("path", "client_id"), APPS)
@pytest.mark.parametrize(
    "redirect_uri",
    [
        "https://evil.example/cb",
        "http://127.0.0.1:5001/settings/addons/xpm/callback",  # another port
        "https://127.0.0.1:5000/settings/addons/xpm/callback",  # another scheme
        "http://127.0.0.1:5000/settings/addons/xpm/callback/",
        "http://127.0.0.1:5000/settings/addons/XPM/callback",
        "http://127.0.0.1:5000/settings/addons/xpm/callback?next=https://evil.example/",
        "http://127.0.0.1:5000/settings/addons/xpm/../xpm/callback",
        "http://127.0.0.1:5000@evil.example/settings/addons/xpm/callback",
    ],
)
def test_an_unregistered_redirect_uri_gets_an_error_page_not_a_redirect(
    client, path, client_id, redirect_uri
):
    # A bad response_type too: that error goes back to the app only when its address is known.
    response = open_consent(client, path, client_id, redirect_uri=redirect_uri)
    wrong_type = open_consent(
        client, path, client_id, redirect_uri=redirect_uri, response_type="token"
    )
    for answer in (response, wrong_type):
        assert answer.status_code == 400
        assert "Location" not in answer.headers
        assert "not registered" in answer.get_data(as_text=True)
        assert "evil.example" not in answer.headers["Content-Security-Policy"]


@pytest.mark.parametrize(("path", "client_id"), APPS)
@pytest.mark.parametrize("redirect_uri", MAKE_RUN_CALLBACKS)
def test_by_default_the_callbacks_of_make_run_are_registered(client, path, client_id, redirect_uri):
    assert open_consent(client, path, client_id, redirect_uri=redirect_uri).status_code == 200


def test_the_registered_redirect_uris_are_a_setting(make_app):
    registered = "https://portal.example.nz/settings/addons/xpm/callback"
    client = make_app(SANDBOX_REDIRECT_URIS=registered).test_client()  # as the environment says
    assert client.application.config["SANDBOX_REDIRECT_URIS"] == [registered]
    answer = consent(client, **authorize_params(redirect_uri=registered))
    assert answer["state"] == "state-123"
    refused = client.get(AUTHORIZE, query_string=authorize_params())  # make run's own
    assert refused.status_code == 400 and "Location" not in refused.headers


def test_redirect_uris_that_cannot_be_registered_stop_the_start(make_app):
    with pytest.raises(ValueError, match="SANDBOX_REDIRECT_URIS"):
        make_app(SANDBOX_REDIRECT_URIS=["/settings/addons/xpm/callback"])


def test_the_code_is_good_only_with_the_redirect_uri_it_was_sent_to(make_app):
    first, second = MAKE_RUN_CALLBACKS[0], MAKE_RUN_CALLBACKS[2]  # both registered
    client = make_app(SANDBOX_REDIRECT_URIS=[first, second]).test_client()
    for sent in (second, None):
        code = consent(client, **authorize_params(redirect_uri=first))["code"]
        form = {"grant_type": "authorization_code", "code": code}
        answer = token(client, **form, **({"redirect_uri": sent} if sent else {}))
        assert answer.status_code == 400 and answer.json["error"] == "invalid_grant"

"""The sandbox over real HTTP, as the portal meets it: a threaded server on a loopback port."""

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from defusedxml import ElementTree

import portal.sandbox
from portal.sandbox import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, WORKFLOWMAX_DEMO_CLIENT_ID, tenants
from tests.sandbox.flows import CONTROL, CONTROL_TOKEN, REDIRECT_URI, SCOPE, connect, pkce

PROJECT = Path(__file__).resolve().parents[2]


def xml_of(response):
    assert (
        response.status_code == 200
        and response.headers["Content-Type"] == "text/xml; charset=utf-8"
    )
    return ElementTree.fromstring(response.content)


def run_consent(session, url, params) -> dict:
    page = session.get(url, params=params, timeout=10)
    assert page.status_code == 200
    nonce = re.search(r'name="nonce" value="([^"]+)"', page.text).group(1)
    offered = re.findall(r'name="tenant" value="([^"]+)"', page.text)
    answer = session.post(
        url,
        data={"nonce": nonce, "decision": "approve", "tenant": offered},
        allow_redirects=False,
        timeout=10,
    )
    assert answer.status_code == 302
    location = answer.headers["Location"]
    assert location.startswith(REDIRECT_URI)
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


def test_full_flow_over_http(make_app, live_server):
    base = live_server(make_app())
    browser, app_http = requests.Session(), requests.Session()
    app_http.auth = (DEMO_CLIENT_ID, DEMO_CLIENT_SECRET)
    verifier, challenge = pkce()
    answer = run_consent(
        browser,
        f"{base}/identity/connect/authorize",
        {
            "client_id": DEMO_CLIENT_ID,
            "redirect_uri": REDIRECT_URI,
            "response_type": "code",
            "scope": SCOPE,
            "state": "s-1",
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        },
    )
    assert answer["state"] == "s-1"

    token_url = f"{base}/identity/connect/token"
    tokens = app_http.post(
        token_url,
        data={
            "grant_type": "authorization_code",
            "code": answer["code"],
            "redirect_uri": REDIRECT_URI,
            "code_verifier": verifier,
        },
        timeout=10,
    )
    assert tokens.status_code == 200
    first = tokens.json()

    bearer = {"Authorization": f"Bearer {first['access_token']}"}
    listed = requests.get(f"{base}/xero/connections", headers=bearer, timeout=10).json()
    practice = next(c["tenantId"] for c in listed if c["tenantType"] == "PRACTICEMANAGER")
    headers = {**bearer, "Xero-Tenant-Id": practice}
    api = f"{base}/xero/practicemanager/3.1/"

    found = xml_of(
        requests.get(
            api + "client.api/search", params={"query": "Pōhutukawa"}, headers=headers, timeout=10
        )
    )
    some = found.find("Clients/Client/UUID").text
    detail = requests.get(api + f"client.api/get/{some}", headers=headers, timeout=10)
    assert detail.headers["xero-correlation-id"] and detail.headers["X-MinLimit-Remaining"] == "58"
    assert xml_of(detail).find("Client/Relationships") is not None
    page = xml_of(
        requests.get(
            api + "client.api/paged-list", params={"pageSize": 100}, headers=headers, timeout=10
        )
    )
    following = page.find("Pagination/Links/Next").text
    assert following.startswith(api)  # absolute, on this very server
    assert xml_of(requests.get(following, headers=headers, timeout=10)).findtext("Status") == "OK"

    def refresh(refresh_token):
        return app_http.post(
            token_url,
            data={"grant_type": "refresh_token", "refresh_token": refresh_token},
            timeout=10,
        )

    def advance(seconds):
        requests.post(
            f"{base}/_control/clock", json={"advance_seconds": seconds}, headers=CONTROL, timeout=10
        )

    second = refresh(first["refresh_token"]).json()
    assert second["refresh_token"] != first["refresh_token"]
    advance(20 * 60)
    assert refresh(first["refresh_token"]).status_code == 200  # still within the grace period
    advance(11 * 60)
    stale = refresh(first["refresh_token"])
    assert stale.status_code == 400 and stale.json()["error"] == "invalid_grant"
    third = refresh(second["refresh_token"]).json()
    expired = requests.get(api + "clientgroup.api/list", headers=headers, timeout=10)
    assert expired.status_code == 401 and expired.json()["Detail"].startswith("TokenExpired")

    revoked = app_http.post(
        f"{base}/identity/connect/revocation", data={"token": third["refresh_token"]}, timeout=10
    )
    assert revoked.status_code == 200
    assert refresh(third["refresh_token"]).json()["error"] == "invalid_grant"
    fresh_headers = {"Authorization": f"Bearer {third['access_token']}", "Xero-Tenant-Id": practice}
    assert (
        requests.get(api + "clientgroup.api/list", headers=fresh_headers, timeout=10).status_code
        == 401
    )


def test_timeout_fault_makes_the_client_time_out(make_app, live_server):
    app = make_app()
    base = live_server(app)
    requests.post(
        f"{base}/_control/faults",
        json={"fault": "timeout", "timeout_seconds": 2, "count": 1},
        headers=CONTROL,
        timeout=10,
    )
    xpm = connect(app.test_client())
    with pytest.raises(requests.exceptions.ReadTimeout):
        requests.get(
            f"{base}/xero/practicemanager/3.1/clientgroup.api/list",
            headers=xpm.headers(),
            timeout=0.5,
        )


def test_workflowmax_account_id_header_survives_real_http(make_app, live_server):
    base = live_server(make_app())
    answer = run_consent(
        requests.Session(),
        f"{base}/workflowmax/oauth/authorize",
        {
            "client_id": WORKFLOWMAX_DEMO_CLIENT_ID,
            "redirect_uri": REDIRECT_URI,
            "response_type": "code",
            "scope": "openid profile email workflowmax offline_access",
            "state": "w",
            "prompt": "consent",
        },
    )
    tokens = requests.post(
        f"{base}/workflowmax/oauth/token",
        data={
            "grant_type": "authorization_code",
            "code": answer["code"],
            "redirect_uri": REDIRECT_URI,
            "client_id": WORKFLOWMAX_DEMO_CLIENT_ID,
            "client_secret": portal.sandbox.WORKFLOWMAX_DEMO_CLIENT_SECRET,
        },
        timeout=10,
    ).json()
    response = requests.get(
        f"{base}/workflowmax/api/client.api/list?page=1",
        timeout=10,
        headers={
            "Authorization": f"Bearer {tokens['access_token']}",
            "account_id": tenants.WORKFLOWMAX.id,
        },
    )
    assert xml_of(response).findtext("TotalRecords")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_python_dash_m_runs_a_server(tmp_path):
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "portal.sandbox",
        "--port",
        str(port),
        "--clients",
        "40",
        "--database",
        f"sqlite:///{tmp_path / 'standalone.db'}",
        "--redirect-uri",
        "http://127.0.0.1:8123/settings/addons/xpm/callback",
    ]
    process = subprocess.Popen(  # noqa: S603 (our own interpreter and module)
        command,
        cwd=PROJECT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env={**os.environ, "PYTHONPATH": str(PROJECT), "SANDBOX_CONTROL_TOKEN": CONTROL_TOKEN},
    )
    calls = f"http://127.0.0.1:{port}/sandbox/_control/calls"
    try:
        deadline, response = time.monotonic() + 30, None
        while time.monotonic() < deadline and response is None:
            try:
                response = requests.get(calls, headers=CONTROL, timeout=2)
            except requests.ConnectionError:
                time.sleep(0.2)
        assert response is not None and response.status_code == 200
        assert requests.get(calls, timeout=2).status_code == 401
    finally:
        process.terminate()
        output = process.communicate(timeout=10)[0].decode()
    assert f"XERO_TOKEN_URL=http://127.0.0.1:{port}/sandbox/identity/connect/token" in output
    assert "  http://127.0.0.1:8123/settings/addons/xpm/callback\n" in output
    assert "Authorization: Bearer $SANDBOX_CONTROL_TOKEN" in output
    assert CONTROL_TOKEN not in output  # given in the environment, not echoed to a log

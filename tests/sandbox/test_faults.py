"""Latency and faults, from configuration and from the control endpoints; call counts."""

import stat
import time

import pytest
from defusedxml import DTDForbidden, EntitiesForbidden
from defusedxml import ElementTree as SafeTree
from flask import Flask

import portal.sandbox
from portal.sandbox import settings
from tests.sandbox.flows import CONTROL, api, connect, parse, token

GET = "client.api/get/00000000-0000-0000-0000-000000000000"


@pytest.fixture
def xpm(client):
    return connect(client)


def fault(client, **rule):
    response = client.post("/sandbox/_control/faults", json=rule, headers=CONTROL)
    assert response.status_code == 201, response.json
    return response


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"X-Sandbox-Control": "1"},  # what was once enough
        {"Authorization": "Bearer wrong-token"},
        {"Authorization": CONTROL["Authorization"].replace("Bearer", "Basic")},
        {"Authorization": CONTROL["Authorization"] + "x"},
    ],
)
def test_control_endpoints_need_the_token(client, headers):
    for method, path in (("GET", "calls"), ("GET", "stats"), ("POST", "faults"), ("POST", "reset")):
        response = client.open(f"/sandbox/_control/{path}", method=method, json={}, headers=headers)
        assert response.status_code == 401, path
        assert "SANDBOX_CONTROL_TOKEN" in response.json["error"]
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert client.get("/sandbox/_control/faults", headers=CONTROL).json["rules"] == []
    assert client.get("/sandbox/_control/calls", headers=CONTROL).status_code == 200


def test_under_tests_an_unset_token_is_a_new_secret_not_an_open_door(make_app):
    app = make_app(SANDBOX_CONTROL_TOKEN=None)
    token = app.config["SANDBOX_CONTROL_TOKEN"]
    assert (
        len(token) >= 32
        and token != make_app(SANDBOX_CONTROL_TOKEN=None).config["SANDBOX_CONTROL_TOKEN"]
    )
    client = app.test_client()
    assert client.get("/sandbox/_control/calls", headers=CONTROL).status_code == 401
    mine = {"Authorization": f"Bearer {token}"}
    assert client.get("/sandbox/_control/calls", headers=mine).status_code == 200


def test_outside_tests_the_token_is_kept_in_the_instance_folder(tmp_path):
    made = [Flask("probe", instance_path=str(tmp_path)) for _ in range(2)]
    for app in made:
        settings.apply_defaults(app)
    token = made[0].config["SANDBOX_CONTROL_TOKEN"]
    assert len(token) >= 32 and made[1].config["SANDBOX_CONTROL_TOKEN"] == token
    kept = tmp_path / settings.CONTROL_TOKEN_FILE
    assert kept.read_text().strip() == token
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600


def test_control_endpoints_can_be_turned_off(make_app):
    client = make_app(SANDBOX_CONTROL=False).test_client()
    assert client.get("/sandbox/_control/calls", headers=CONTROL).status_code == 404


@pytest.mark.parametrize(("kind", "status"), [("500", 500), ("503", 503)])
def test_server_errors(client, xpm, kind, status):
    fault(client, fault=kind)
    response = api(client, xpm, GET)
    assert response.status_code == status
    assert response.json["Status"] == status
    if kind == "503":
        assert response.json["Detail"] == "ServiceNotAvailable"


def test_injected_429(client, xpm):
    fault(client, fault="429", retry_after=7)
    response = api(client, xpm, GET)
    assert response.status_code == 429 and response.data == b""
    assert response.headers["Retry-After"] == "7"
    assert response.headers["X-Rate-Limit-Problem"] == "minute"


@pytest.mark.parametrize("kind", ["malformed", "truncated"])
def test_broken_xml(client, xpm, kind):
    whole = api(client, xpm, "client.api/search", query="Ngata").data
    fault(client, fault=kind)
    response = api(client, xpm, "client.api/search", query="Ngata")
    assert response.status_code == 200
    with pytest.raises(SafeTree.ParseError):
        SafeTree.fromstring(response.data)
    if kind == "truncated":
        assert response.data == whole[: len(whole) // 2]


def test_hostile_dtd_is_refused_by_a_safe_parser(client, xpm):
    fault(client, fault="hostile_dtd")
    response = api(client, xpm, GET)
    with pytest.raises((DTDForbidden, EntitiesForbidden)):
        SafeTree.fromstring(response.data, forbid_dtd=True)
    with pytest.raises(EntitiesForbidden):
        SafeTree.fromstring(response.data)


def test_html_instead_of_xml(client, xpm):
    fault(client, fault="html")
    response = api(client, xpm, GET)
    assert response.status_code == 200 and response.mimetype == "text/html"


def test_business_error_and_huge_body(client, xpm):
    fault(client, fault="error", count=1)
    assert parse(api(client, xpm, GET)).findtext("Status") == "ERROR"
    fault(client, fault="huge", count=1)
    assert len(api(client, xpm, GET).data) > 10_000_000


def test_timeout_delays_then_answers(client, xpm):
    fault(client, fault="timeout", timeout_seconds=0.3, count=1)
    started = time.perf_counter()
    response = api(client, xpm, GET)
    assert time.perf_counter() - started >= 0.3
    assert response.status_code == 200


def test_count_and_endpoints_limit_a_fault(client, xpm):
    fault(client, fault="500", endpoints=["client.api/get"], count=2)
    assert api(client, xpm, "client.api/search", query="Ngata").status_code == 200
    assert [api(client, xpm, GET).status_code for _ in range(3)] == [500, 500, 200]
    assert client.get("/sandbox/_control/faults", headers=CONTROL).json["rules"] == []


def test_blanket_faults_spare_the_token_endpoint_unless_named(client, xpm):
    fault(client, fault="503")
    assert (
        token(client, grant_type="refresh_token", refresh_token=xpm.refresh_token).status_code
        == 200
    )
    client.delete("/sandbox/_control/faults", headers=CONTROL)
    fault(client, fault="503", endpoints=["identity/connect/token"], count=1)
    assert (
        token(client, grant_type="refresh_token", refresh_token=xpm.refresh_token).status_code
        == 503
    )


def test_latency_at_runtime(client, xpm):
    response = client.post("/sandbox/_control/faults", json={"latency_ms": 200}, headers=CONTROL)
    assert response.json["latency_ms"] == 200
    started = time.perf_counter()
    api(client, xpm, GET)
    assert time.perf_counter() - started >= 0.2


def test_latency_and_faults_from_configuration(make_app):
    client = make_app(
        SANDBOX_LATENCY_MS=150,
        SANDBOX_FAULTS=[{"fault": "503", "endpoints": ["client.api/search"], "count": 1}],
    ).test_client()
    xpm = connect(client)
    started = time.perf_counter()
    assert api(client, xpm, "client.api/search", query="a").status_code == 503
    assert time.perf_counter() - started >= 0.15
    assert api(client, xpm, "client.api/search", query="a").status_code == 200


@pytest.mark.parametrize(
    "rule",
    [
        {"fault": "explode"},
        {"latency_ms": -1},
        {"endpoints": "client.api/get"},
        {"count": 0},
        {"surprise": 1},
    ],
)
def test_bad_rules_are_refused(client, rule):
    response = client.post("/sandbox/_control/faults", json=rule, headers=CONTROL)
    assert response.status_code == 400 and response.json["error"]


def test_calls_are_counted_per_endpoint_and_reset(app, client, xpm):
    api(client, xpm, GET)
    api(client, xpm, GET)
    api(client, xpm, "client.api/search", query="Ngata")
    counted = client.get("/sandbox/_control/calls", headers=CONTROL).json["calls"]
    assert counted["client.api/get"] == 2 and counted["client.api/search"] == 1
    assert counted["identity/connect/token"] == 1 and counted["identity/connect/authorize"] == 2
    assert portal.sandbox.calls(app) == counted
    fault(client, fault="500")
    assert client.post("/sandbox/_control/reset", headers=CONTROL).status_code == 200
    assert portal.sandbox.calls(app) == {}
    assert api(client, xpm, GET).status_code == 200
    portal.sandbox.reset(app)
    assert portal.sandbox.calls(app) == {}


def test_reset_can_restore_the_data(client, xpm):
    added = client.post(
        "/sandbox/_control/clients", json={"Name": "Temporary Client"}, headers=CONTROL
    )
    assert added.status_code == 201
    client.post("/sandbox/_control/reset", json={"data": True}, headers=CONTROL)
    missing = parse(api(client, xpm, "client.api/get/" + added.json["uuid"]))
    assert missing.findtext("Status") == "ERROR"


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"Name": ""},
        {"Name": "Bad\x00Name"},
        {"Name": "X", "Colour": "red"},
        {"Name": "X", "tenant": "00000000-0000-0000-0000-000000000000"},
        {"Name": "X", "Relationships": [{"Type": "Boss", "RelatedClient": "x"}]},
    ],
)
def test_control_client_changes_are_validated(client, body):
    response = client.post("/sandbox/_control/clients", json=body, headers=CONTROL)
    assert response.status_code == 400


def test_patching_an_unknown_client(client):
    response = client.patch(
        "/sandbox/_control/clients/0000", json={"IsArchived": "Yes"}, headers=CONTROL
    )
    assert response.status_code == 404

"""The register sandbox mounted in the portal (PORTAL_SANDBOX=1), and the NZBN settings."""

import re
from pathlib import Path

import pytest

from portal import create_app
from portal.config import ENVIRONMENT_NAMES, defaults
from portal.nzbn import api_from_config
from portal.register_sandbox import DEMO_SUBSCRIPTION_KEY
from tests.conftest import settings_for

README = Path(__file__).resolve().parents[2] / "README.md"


@pytest.fixture
def sandboxed(tmp_path):
    def make(**overrides):
        return create_app(
            settings_for(
                f"sqlite:///{tmp_path / 'portal.db'}",
                PORTAL_SANDBOX="1",
                SANDBOX_DATABASE_URL=f"sqlite:///{tmp_path / 'sandbox.db'}",
                SANDBOX_SEED_CLIENTS=300,
                **overrides,
            )
        )

    return make


def test_the_defaults_are_mbie_s_gateway_without_a_key(tmp_path):
    settings = defaults(str(tmp_path))
    assert settings["NZBN_API_URL"] == "https://api.business.govt.nz/gateway/nzbn/v5"
    assert settings["NZBN_SUBSCRIPTION_KEY"] is None
    assert {"NZBN_API_URL", "NZBN_SUBSCRIPTION_KEY", "REGISTER_SANDBOX_URL"} <= set(
        ENVIRONMENT_NAMES
    )


def test_the_readme_lists_both_variables():
    table = README.read_text(encoding="utf-8")
    for name in ("NZBN_API_URL", "NZBN_SUBSCRIPTION_KEY"):
        assert re.search(rf"^\| `{name}` \|", table, re.MULTILINE), name


def test_the_sandbox_points_the_register_settings_at_itself(sandboxed):
    app = sandboxed()
    assert app.config["NZBN_API_URL"] == ("http://127.0.0.1:5000/register-sandbox/gateway/nzbn/v5")
    assert app.config["NZBN_SUBSCRIPTION_KEY"] == DEMO_SUBSCRIPTION_KEY
    assert api_from_config(app.config).base_url == app.config["NZBN_API_URL"]


def test_explicit_variables_win(sandboxed):
    app = sandboxed(NZBN_API_URL="http://127.0.0.1:9/nzbn/v5", NZBN_SUBSCRIPTION_KEY="mine")
    assert app.config["NZBN_API_URL"] == "http://127.0.0.1:9/nzbn/v5"
    assert app.config["NZBN_SUBSCRIPTION_KEY"] == "mine"


def test_the_mounted_register_answers_under_its_prefix(sandboxed):
    app = sandboxed()
    client = app.test_client()
    headers = {"Ocp-Apim-Subscription-Key": DEMO_SUBSCRIPTION_KEY}
    found = client.get(
        "/register-sandbox/gateway/nzbn/v5/entities?search-term=9044466", headers=headers
    )
    assert found.status_code == 200
    assert found.json["items"][0]["entityName"] == "KŌWHAI HOLDINGS LIMITED"
    assert client.get("/register-sandbox/gateway/nzbn/v5/entities?search-term=x").status_code == 401
    control = client.get(
        "/register-sandbox/_control/calls",
        headers={"Authorization": f"Bearer {app.config['SANDBOX_CONTROL_TOKEN']}"},
    )
    assert control.json == {"calls": {"entities/search": 2}}


def test_without_the_sandbox_nothing_is_mounted(tmp_path):
    app = create_app(settings_for(f"sqlite:///{tmp_path / 'portal.db'}"))
    assert app.test_client().get("/register-sandbox/_control/calls").status_code == 404
    assert app.config["NZBN_SUBSCRIPTION_KEY"] is None

"""``python -m portal.register_sandbox``: the register sandbox on a port of its own."""

import os
import re
import subprocess
import sys

import pytest
import requests

from portal.register_sandbox.__main__ import configuration, parse
from portal.register_sandbox.settings import DEMO_SUBSCRIPTION_KEY


def test_the_command_line_and_the_token_from_the_environment():
    args = parse(["--port", "5999", "--clients", "300", "--latency-ms", "150"])
    config = configuration(args, {"REGISTER_SANDBOX_CONTROL_TOKEN": "from-env"})
    assert config == {
        "REGISTER_SANDBOX_CLIENTS": 300,
        "REGISTER_SANDBOX_LATENCY_MS": 150,
        "REGISTER_SANDBOX_CONTROL_TOKEN": "from-env",
    }
    with pytest.raises(SystemExit):
        parse(["--clients", "0"])


def test_it_serves_the_register_and_prints_the_portal_s_settings():
    environment = {**os.environ, "REGISTER_SANDBOX_CONTROL_TOKEN": "command-line-test"}
    process = subprocess.Popen(
        [sys.executable, "-m", "portal.register_sandbox", "--port", "0", "--clients", "300"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=environment,
    )
    try:
        lines = [process.stdout.readline() for _ in range(3)]
        url = re.search(r"NZBN_API_URL=(\S+)", "".join(lines)).group(1)
        assert f"NZBN_SUBSCRIPTION_KEY={DEMO_SUBSCRIPTION_KEY}" in "".join(lines)
        answer = requests.get(
            f"{url}/entities",
            params={"search-term": "9044466"},
            headers={"Ocp-Apim-Subscription-Key": DEMO_SUBSCRIPTION_KEY},
            timeout=30,
        )
        assert answer.json()["items"][0]["entityName"] == "KŌWHAI HOLDINGS LIMITED"
    finally:
        process.terminate()
        process.wait(timeout=10)
        process.stdout.close()

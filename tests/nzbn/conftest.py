"""The register client wired to requests-mock, with sleeps recorded instead of waited."""

import json
from pathlib import Path

import pytest

from portal.nzbn import RegisterApi

URL = "https://api.business.govt.nz/gateway/nzbn/v5"
KEY = "SECRET-SUBSCRIPTION-KEY"
FIXTURES = Path(__file__).parent.parent / "fixtures" / "nzbn"


def fixture(name: str) -> dict:
    """One of the documented bodies in tests/fixtures/nzbn (its README says where from)."""
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


class Sleeps(list):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def sleeps():
    return Sleeps()


@pytest.fixture
def api(sleeps):
    return RegisterApi(URL, KEY, sleep=sleeps)

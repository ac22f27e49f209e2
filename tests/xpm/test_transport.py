"""Reading bodies under a cap and a deadline, and reading the provider's error details."""

import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
import requests

from portal.xpm import XpmBadResponse, XpmUnavailable
from portal.xpm.transport import provider_detail, read_body, retry_after


class FakeResponse:
    """Just enough of a streamed ``requests.Response`` for ``read_body``."""

    def __init__(self, chunks, headers=None):
        self._chunks = chunks
        self.headers = requests.structures.CaseInsensitiveDict(headers or {})

    def iter_content(self, size):
        yield from self._chunks


def endless(chunk=b"<a>" * 20_000, pause=0.0):
    while True:
        if pause:
            time.sleep(pause)
        yield chunk


def test_an_endless_body_stops_at_the_cap():
    started = time.monotonic()
    with pytest.raises(XpmBadResponse, match="larger than 1,000,000 bytes"):
        read_body(FakeResponse(endless()), 1_000_000)
    assert time.monotonic() - started < 1


def test_a_lying_content_length_does_not_lift_the_cap():
    response = FakeResponse(endless(), {"Content-Length": "10"})
    with pytest.raises(XpmBadResponse):
        read_body(response, 100_000)


def test_a_slow_drip_stops_at_the_deadline():
    started = time.monotonic()
    with pytest.raises(XpmUnavailable, match="too long"):
        read_body(FakeResponse(endless(b"<", pause=0.02)), 1_000_000, deadline=started + 0.2)
    assert time.monotonic() - started < 1


def test_error_bodies_are_clipped_not_refused():
    assert read_body(FakeResponse(endless(b"x" * 1000)), 1500, clip=True) == b"x" * 1500


def test_a_connection_dropped_mid_body_is_unavailable():
    def dropping():
        yield b"<Response>"
        raise requests.exceptions.ChunkedEncodingError("connection reset")

    with pytest.raises(XpmUnavailable):
        read_body(FakeResponse(dropping()), 1000)


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        (
            b'{"Title":"Unauthorized","Detail":"TokenExpired: token expired at 01/01/2026"}',
            "TokenExpired: token expired at 01/01/2026",
        ),
        (b'{"Detail":"AuthenticationUnsuccessful"}', "AuthenticationUnsuccessful"),
        (b"ServiceNotAvailable", "ServiceNotAvailable"),
        (b"<html><script>alert(1)</script></html>", ""),
        (b'{"Detail":"<script>alert(1)</script>"}', "scriptalert(1)/script"),
        (b'{"Status": 401}', ""),
        (b"{broken", ""),
        (b"", ""),
    ],
)
def test_provider_detail_is_short_and_safe(body, detail):
    assert provider_detail(body) == detail


def test_retry_after_as_seconds_or_a_date():
    assert retry_after("7") == 7.0
    assert retry_after(None) == 60.0 and retry_after("soon") == 60.0
    later = format_datetime(datetime.now(UTC) + timedelta(seconds=120), usegmt=True)
    assert 100 < retry_after(later) <= 120

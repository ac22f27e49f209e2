"""A call's wall-clock deadline over real sockets: an answer that trickles in a byte at a
time (its headers or its body) is cut when the deadline passes, whatever the read timeout,
and a user's action spends its retries within one budget."""

import socket
import threading
import time

import pytest

from portal.xpm import RetryPolicy, TenantLimiter, XpmApi, XpmUnavailable
from tests.xpm.conftest import TENANT, FakeTokens, response_xml

BODY = response_xml("<Client><UUID>abc</UUID><Name>Kōwhai Holdings Limited</Name></Client>")


class TricklingServer:
    """Answers every request with ``BODY``, sending one byte every ``pause`` seconds once
    ``trickle_from`` bytes of the answer (headers included) have gone out at full speed."""

    def __init__(self, pause: float, trickle_from: int):
        self.pause, self.trickle_from = pause, trickle_from
        self.requests = 0
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._listener.getsockname()[1]}/"
        self._stopped = threading.Event()
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while not self._stopped.is_set():
            try:
                connection, _ = self._listener.accept()
            except OSError:
                return
            threading.Thread(target=self._answer, args=(connection,), daemon=True).start()

    def _answer(self, connection):
        with connection:
            connection.recv(65536)
            self.requests += 1
            body = BODY.encode()
            answer = (
                b"HTTP/1.1 200 OK\r\nContent-Type: text/xml; charset=utf-8\r\n"
                + f"Content-Length: {len(body)}\r\n\r\n".encode()
                + body
            )
            try:
                connection.sendall(answer[: self.trickle_from])
                for position in range(self.trickle_from, len(answer)):
                    if self._stopped.wait(self.pause):
                        return
                    connection.sendall(answer[position : position + 1])
            except OSError:
                return  # the client hung up: what the deadline is for

    def close(self):
        self._stopped.set()
        self._listener.close()


@pytest.fixture
def trickling():
    servers = []

    def start(pause=0.05, trickle_from=0):
        server = TricklingServer(pause, trickle_from)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.close()


def client_for(url: str, **options) -> XpmApi:
    return XpmApi(
        url,
        "xpm",
        TENANT,
        FakeTokens(),
        TenantLimiter(),
        read_timeout=5.0,
        retry=RetryPolicy(max_attempts=3, backoff_base=0.01, backoff_cap=0.01),
        **options,
    )


@pytest.mark.parametrize(
    ("part", "trickle_from"), [("body", len(b"HTTP/1.1 200 OK\r\n") + 80), ("headers", 5)]
)
def test_a_trickling_answer_is_cut_at_the_call_deadline(trickling, part, trickle_from):
    server = trickling(pause=0.05, trickle_from=trickle_from)  # ~0.3 kB at 20 bytes a second
    api = client_for(server.url, call_deadline=0.6)
    started = time.monotonic()
    with pytest.raises(XpmUnavailable, match="had not answered in full after 1 second\\)"):
        api.get("abc")
    elapsed = time.monotonic() - started
    assert server.requests == 3  # each cut attempt counts as failed, and is retried
    assert 3 * 0.6 <= elapsed < 3 * 0.6 + 1.0, elapsed


def test_an_action_spends_its_retries_within_one_budget(trickling):
    server = trickling(pause=0.05)
    api = client_for(server.url, call_deadline=0.6).within(1.0)
    started = time.monotonic()
    with pytest.raises(XpmUnavailable):
        api.get("abc")
    assert time.monotonic() - started < 1.5
    assert server.requests == 2  # the second attempt had only what was left


def test_an_answer_in_time_is_read_whole(trickling):
    server = trickling(pause=0.0005)
    api = client_for(server.url, call_deadline=10)
    assert api.get("abc").name == "Kōwhai Holdings Limited"
    assert api.get("abc").name == "Kōwhai Holdings Limited"  # on the kept-alive connection


def test_a_used_up_budget_sends_nothing(trickling):
    server = trickling()
    api = client_for(server.url).within(0)
    with pytest.raises(XpmUnavailable, match="time allowed"):
        api.get("abc")
    assert server.requests == 0

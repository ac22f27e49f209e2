"""Injected latency and faults: what a flaky network or a bad day at Xero looks like.

Rules come from ``SANDBOX_FAULTS`` at start-up and from ``POST /_control/faults`` at run
time. A request takes the first rule that matches its endpoint; a rule with a ``count``
applies that many times and then lapses. Rules without ``endpoints`` match API calls only,
so a blanket fault never breaks the token endpoint by accident.
"""

import json
import re
import threading
import time
import uuid
from dataclasses import asdict, dataclass

from flask import Response

KINDS = (
    "timeout",
    "401",
    "403",
    "500",
    "503",
    "429",
    "malformed",
    "html",
    "hostile_dtd",
    "truncated",
    "error",
    "huge",
    "trickle",
    "encoding",
    "maintenance",
)
MAX_LATENCY_MS = 120_000


#: The keys every sandbox's fault rule takes.
BASE_KEYS = frozenset(
    {"fault", "latency_ms", "endpoints", "count", "timeout_seconds", "retry_after"}
)


@dataclass
class BaseRule:
    """What every sandbox's fault rule says: what goes wrong, where, and how many times."""

    fault: str | None = None
    latency_ms: int | None = None
    endpoints: tuple[str, ...] | None = None
    count: int | None = None  # None: until cleared
    timeout_seconds: float = 30.0
    retry_after: int = 1

    def matches(self, label: str, api: bool) -> bool:
        """True if this rule applies to a call of ``label``."""
        return label in self.endpoints if self.endpoints is not None else api


@dataclass
class Rule(BaseRule):
    """One fault rule: what goes wrong, where, and how many times."""

    bytes_per_second: float = 1.0  # "trickle": how fast the real answer drips out
    encoding: str = "UTF-7"  # "encoding": what the XML declaration claims


def base_fields(spec, keys, kinds, check_endpoints) -> dict:
    """The fields of ``BaseRule`` from a rule's JSON form, which may hold only ``keys`` and
    name a fault of ``kinds``; ``check_endpoints`` refuses a list of endpoints the sandbox
    does not have. ValueError says what is wrong."""
    if not isinstance(spec, dict):
        raise ValueError("A fault rule is a JSON object.")
    unknown = set(spec) - keys
    if unknown:
        raise ValueError(f"Unknown fault rule keys: {', '.join(sorted(unknown))}.")
    fault = spec.get("fault")
    if fault is not None and str(fault) not in kinds:
        raise ValueError(f"fault must be one of {', '.join(kinds)}.")
    endpoints = spec.get("endpoints")
    if endpoints is not None:
        check_endpoints(endpoints)
    return {
        "fault": str(fault) if fault is not None else None,
        "latency_ms": number(spec, "latency_ms", 0, MAX_LATENCY_MS),
        "endpoints": tuple(endpoints) if endpoints is not None else None,
        "count": number(spec, "count", 1, 1_000_000),
        "timeout_seconds": number(spec, "timeout_seconds", 0, 600, float) or 30.0,
        "retry_after": number(spec, "retry_after", 0, 86_400) or 1,
    }


def parse_rule(spec: dict) -> Rule:
    """A rule from its JSON form; ValueError says what is wrong."""
    return Rule(
        **base_fields(spec, BASE_KEYS | {"bytes_per_second", "encoding"}, KINDS, _endpoints),
        bytes_per_second=number(spec, "bytes_per_second", 0.01, 1e9, float) or 1.0,
        encoding=_encoding(spec),
    )


def _endpoints(endpoints) -> None:
    if not isinstance(endpoints, list) or not all(isinstance(e, str) for e in endpoints):
        raise ValueError("endpoints must be a list of endpoint names, like client.api/get.")


def _encoding(spec: dict) -> str:
    value = spec.get("encoding", "UTF-7")
    if not isinstance(value, str) or not re.fullmatch(r"[A-Za-z0-9._-]{1,40}", value):
        raise ValueError("encoding must be an encoding name such as UTF-7 or Shift_JIS.")
    return value


def number(spec: dict, key: str, low, high, kind=int):
    """``spec[key]`` as a ``kind`` from ``low`` to ``high`` (None if absent or null);
    ValueError if it is not such a number."""
    if spec.get(key) is None:
        return None
    value = spec[key]
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        raise ValueError(f"{key} must be a number from {low} to {high}.")
    return kind(value)


class Faults:
    """The base latency and the fault rules in force, shared by every request thread.

    ``parse`` makes a rule of its JSON form: a sandbox with rules of its own overrides it.
    """

    parse = staticmethod(parse_rule)

    def __init__(self, latency_ms: int = 0, rules: list | None = None):
        self._lock = threading.Lock()
        self.reset(latency_ms, rules or [])

    def reset(self, latency_ms: int, rules: list) -> None:
        """Back to the given latency and rules."""
        parsed = [self.parse(spec) for spec in rules]
        with self._lock:
            self.latency_ms = int(latency_ms)
            self._rules = parsed

    def add(self, spec: dict) -> BaseRule | None:
        """Add a rule; a bare ``{"latency_ms": n}`` changes the base latency instead."""
        rule = self.parse(spec)
        with self._lock:
            if rule.fault is None and rule.endpoints is None and rule.count is None:
                self.latency_ms = rule.latency_ms or 0
                return None
            self._rules.append(rule)
            return rule

    def clear(self) -> None:
        """Remove every rule (the base latency stays)."""
        with self._lock:
            self._rules = []

    def take(self, label: str, api: bool) -> tuple[BaseRule | None, float]:
        """The rule for this call (spending one of its count) and the delay in seconds."""
        with self._lock:
            for rule in self._rules:
                if rule.matches(label, api):
                    if rule.count is not None:
                        rule.count -= 1
                        if rule.count == 0:
                            self._rules.remove(rule)
                    latency = rule.latency_ms if rule.latency_ms is not None else self.latency_ms
                    return rule, latency / 1000
            return None, (self.latency_ms / 1000 if api else 0.0)

    def describe(self) -> dict:
        """The state, as the control endpoint shows it."""
        with self._lock:
            return {"latency_ms": self.latency_ms, "rules": [asdict(rule) for rule in self._rules]}


# --- What a faulty answer looks like ----------------------------------------------------
MALFORMED = (
    b'<Response api-method="Get"><Status>OK</Status><Client><UUID>0f6f2c1e</UUID>'
    b"<Name>Broken & unescaped</Nme></Client>"
)
HTML_PAGE = (
    b"<!DOCTYPE html><html><head><title>Xero | Service unavailable</title></head><body>"
    b"<h1>Something went wrong</h1><p>Please try again later.</p></body></html>"
)
HOSTILE_DTD = (
    b'<?xml version="1.0"?>\n<!DOCTYPE Response [\n'
    b'  <!ENTITY lol "lol">\n'
    b'  <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">\n'
    b'  <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">\n'
    b'  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">\n'
    b'  <!ENTITY xxe SYSTEM "http://169.254.169.254/latest/meta-data/">\n'
    b']>\n<Response api-method="Get"><Status>OK</Status>'
    b"<Client><UUID>&xxe;</UUID><Name>&lol3;</Name></Client></Response>"
)
XML_TYPE = "text/xml; charset=utf-8"


TITLES = {401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 503: "Unavailable"}
#: What api.xero.com says on a 500 (it has no Type or Extensions, unlike the others).
SERVER_ERROR = {
    "Title": "An error occurred",
    "Detail": "An error occurred in Xero. Check the API Status page "
    "http://status.developer.xero.com for current service status.",
    "Status": 500,
}
MAINTENANCE = b"The Xero API is currently offline for maintenance"


def problem(status: int, detail: str) -> Response:
    """Xero's compact JSON problem body; its Instance is the call's correlation id."""
    body = {
        "Type": None,
        "Title": TITLES.get(status, "Error"),
        "Status": status,
        "Detail": detail,
        "Instance": str(uuid.uuid4()),
        "Extensions": {},
    }
    response = Response(json.dumps(body, separators=(",", ":")), status)
    if status == 401:
        response.headers["WWW-Authenticate"] = "Bearer error=invalid_token"
    if detail.startswith("TokenExpired"):
        del response.headers["Content-Type"]  # as recorded
    else:
        response.headers["Content-Type"] = "application/json"
    return response


def rate_limited(retry_after: int, limit: str) -> Response:
    """A 429 as Xero sends it: an empty body and no Content-Type."""
    response = Response(b"", 429)
    del response.headers["Content-Type"]
    response.headers["Retry-After"] = str(retry_after)
    response.headers["X-Rate-Limit-Problem"] = limit
    return response


def _server_error() -> Response:
    body = {**SERVER_ERROR, "Instance": str(uuid.uuid4())}
    return Response(json.dumps(body, separators=(",", ":")), 500, content_type="application/json")


def _huge():
    yield b'<Response api-method="List"><Status>OK</Status><Clients>'
    chunk = (
        b"<Client><UUID>00000000-0000-0000-0000-000000000000</UUID><Name>Padding</Name></Client>"
        * 1000
    )
    for _ in range(130):  # about 11 MB
        yield chunk
    yield b"</Clients></Response>"


def response_for(rule: Rule) -> Response | None:
    """The answer a fault gives instead of the real one (None: the real one, maybe delayed)."""
    match rule.fault:
        case "401":
            return problem(401, "AuthenticationUnsuccessful")
        case "403":
            return problem(403, "AuthenticationUnsuccessful")
        case "500":
            return _server_error()
        case "503":
            return problem(503, "ServiceNotAvailable")
        case "maintenance":
            return Response(MAINTENANCE, 503, content_type="text/html")
        case "429":
            return rate_limited(rule.retry_after, "minute")
        case "malformed":
            return Response(MALFORMED, 200, content_type=XML_TYPE)
        case "html":
            return Response(HTML_PAGE, 200, content_type="text/html; charset=utf-8")
        case "hostile_dtd":
            return Response(HOSTILE_DTD, 200, content_type=XML_TYPE)
        case "error":
            return Response(
                b'<Response api-method="Get"><Status>ERROR</Status>'
                b"<ErrorDescription>A detailed explanation of the error</ErrorDescription>"
                b"</Response>",
                200,
                content_type=XML_TYPE,
            )
        case "huge":
            return Response(_huge(), 200, content_type=XML_TYPE)
    return None


def trickle(response: Response, rule: Rule) -> Response:
    """Send the real answer a byte at a time, ``bytes_per_second`` bytes a second, as a
    congested link or a misbehaving proxy would; every byte keeps the read timeout happy."""
    body, pause = response.get_data(), 1 / rule.bytes_per_second

    def dripping():
        for position in range(len(body)):
            time.sleep(pause)
            yield body[position : position + 1]

    response.response = dripping()
    response.headers["Content-Length"] = str(len(body))
    return response


def declare_encoding(response: Response, encoding: str) -> Response:
    """The real answer behind an XML declaration that claims another encoding."""
    declaration = f'<?xml version="1.0" encoding="{encoding}"?>\n'.encode()
    response.set_data(declaration + response.get_data())
    return response


def truncate(response: Response) -> Response:
    """Cut the real response off halfway, as a dropped connection would."""
    body = response.get_data()
    response.set_data(body[: len(body) // 2])
    return response

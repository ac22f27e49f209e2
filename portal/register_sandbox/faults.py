"""Injected latency and faults for the register sandbox, with the XPM sandbox's rules.

A rule is the JSON object ``POST /_control/faults`` takes (or one item of
``REGISTER_SANDBOX_FAULTS``): ``fault`` (one of ``KINDS``), ``latency_ms``, ``endpoints``
(``entities/search``, ``entities/get``; none: both), ``count`` (applies that many times, then
lapses), ``timeout_seconds`` and ``retry_after``. A bare ``{"latency_ms": n}`` sets the base
latency of every call. The first rule that matches a call applies.
"""

import json
import threading
from dataclasses import asdict, dataclass

from flask import Response

from portal.register_sandbox import answers

KINDS = ("timeout", "401", "403", "500", "502", "503", "429", "malformed", "html", "truncated")
ENDPOINTS = ("entities/search", "entities/get")
MAX_LATENCY_MS = 120_000
KEYS = {"fault", "latency_ms", "endpoints", "count", "timeout_seconds", "retry_after"}


@dataclass
class Rule:
    """One fault rule: what goes wrong, where, and how many times."""

    fault: str | None = None
    latency_ms: int | None = None
    endpoints: tuple[str, ...] | None = None
    count: int | None = None
    timeout_seconds: float = 30.0
    retry_after: int = 1


def parse_rule(spec) -> Rule:
    """A rule from its JSON form; ValueError says what is wrong."""
    if not isinstance(spec, dict):
        raise ValueError("A fault rule is a JSON object.")
    unknown = set(spec) - KEYS
    if unknown:
        raise ValueError(f"Unknown fault rule keys: {', '.join(sorted(unknown))}.")
    fault = spec.get("fault")
    if fault is not None and str(fault) not in KINDS:
        raise ValueError(f"fault must be one of {', '.join(KINDS)}.")
    endpoints = spec.get("endpoints")
    if endpoints is not None and (
        not isinstance(endpoints, list) or not set(endpoints) <= set(ENDPOINTS)
    ):
        raise ValueError(f"endpoints must be a list of {', '.join(ENDPOINTS)}.")
    return Rule(
        fault=str(fault) if fault is not None else None,
        latency_ms=_number(spec, "latency_ms", 0, MAX_LATENCY_MS),
        endpoints=tuple(endpoints) if endpoints is not None else None,
        count=_number(spec, "count", 1, 1_000_000),
        timeout_seconds=_number(spec, "timeout_seconds", 0, 600, float) or 30.0,
        retry_after=_number(spec, "retry_after", 0, 86_400) or 1,
    )


def _number(spec: dict, key: str, low, high, kind=int):
    value = spec.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        raise ValueError(f"{key} must be a number from {low} to {high}.")
    return kind(value)


class Faults:
    """The base latency and the rules in force, shared by every request thread."""

    def __init__(self, latency_ms: int = 0, rules: list | None = None):
        self._lock = threading.Lock()
        self.reset(latency_ms, rules or [])

    def reset(self, latency_ms: int, rules: list) -> None:
        """Back to the given latency and rules."""
        parsed = [parse_rule(spec) for spec in rules]
        with self._lock:
            self.latency_ms, self._rules = int(latency_ms), parsed

    def add(self, spec: dict) -> None:
        """Add a rule; a bare ``{"latency_ms": n}`` changes the base latency instead."""
        rule = parse_rule(spec)
        with self._lock:
            if rule.fault is None and rule.endpoints is None and rule.count is None:
                self.latency_ms = rule.latency_ms or 0
            else:
                self._rules.append(rule)

    def clear(self) -> None:
        """Remove every rule (the base latency stays)."""
        with self._lock:
            self._rules = []

    def take(self, label: str) -> tuple[Rule | None, float]:
        """The rule for a call of ``label`` (spending one of its count) and its delay."""
        with self._lock:
            for rule in self._rules:
                if rule.endpoints is None or label in rule.endpoints:
                    if rule.count is not None:
                        rule.count -= 1
                        if rule.count == 0:
                            self._rules.remove(rule)
                    latency = rule.latency_ms if rule.latency_ms is not None else self.latency_ms
                    return rule, latency / 1000
            return None, self.latency_ms / 1000

    def describe(self) -> dict:
        """The state, as the control endpoint shows it."""
        with self._lock:
            return {"latency_ms": self.latency_ms, "rules": [asdict(r) for r in self._rules]}


def json_response(body: dict, status: int, **headers) -> Response:
    """A JSON answer as the service sends it."""
    response = Response(json.dumps(body, ensure_ascii=False), status, headers=headers)
    response.headers["Content-Type"] = "application/json; charset=utf-8"
    return response


def response_for(rule: Rule) -> Response | None:
    """The answer a fault gives instead of the real one (None: the real one)."""
    match rule.fault:
        case "401":
            return json_response(answers.gateway(401, INVALID_KEY), 401)
        case "403":
            return json_response(answers.error(403, "Forbidden"), 403)
        case "500":
            return json_response(answers.error(500, "Internal Server Error"), 500)
        case "502" | "503":
            status = int(rule.fault)
            return json_response(answers.gateway(status, "Service Unavailable"), status)
        case "429":
            message = f"Rate limit is exceeded. Try again in {rule.retry_after} seconds."
            return json_response(
                answers.gateway(429, message), 429, **{"Retry-After": str(rule.retry_after)}
            )
        case "malformed":
            return Response(
                b'{"pageSize": 10, "items": [{"entityName": "BROKEN',
                200,
                content_type="application/json",
            )
        case "html":
            return Response(
                b"<!DOCTYPE html><html><body><h1>Service unavailable</h1></body></html>",
                200,
                content_type="text/html; charset=utf-8",
            )
    return None


def truncate(response: Response) -> Response:
    """Cut the real answer off halfway, as a dropped connection would."""
    body = response.get_data()
    response.set_data(body[: len(body) // 2])
    return response


MISSING_KEY = (
    "Access denied due to missing subscription key. Make sure to include subscription key "
    "when making requests to an API."
)
INVALID_KEY = (
    "Access denied due to invalid subscription key. Make sure to provide a valid key for an "
    "active subscription."
)

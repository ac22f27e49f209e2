"""Injected latency and faults for the register sandbox, with the XPM sandbox's rules.

A rule is the JSON object ``POST /_control/faults`` takes (or one item of
``REGISTER_SANDBOX_FAULTS``): ``fault`` (one of ``KINDS``), ``latency_ms``, ``endpoints``
(``entities/search``, ``entities/get``; none: both), ``count`` (applies that many times, then
lapses), ``timeout_seconds`` and ``retry_after``. A bare ``{"latency_ms": n}`` sets the base
latency of every call. The first rule that matches a call applies.
"""

import json
from dataclasses import dataclass

from flask import Response

from portal.register_sandbox import answers
from portal.sandbox import faults

KINDS = ("timeout", "401", "403", "500", "502", "503", "429", "malformed", "html", "truncated")
ENDPOINTS = ("entities/search", "entities/get")
KEYS = faults.BASE_KEYS


@dataclass
class Rule(faults.BaseRule):
    """One fault rule: what goes wrong, where, and how many times (the XPM sandbox's
    fields, without those only its XML answers use)."""


def parse_rule(spec) -> Rule:
    """A rule from its JSON form; ValueError says what is wrong."""
    return Rule(**faults.base_fields(spec, KEYS, KINDS, _endpoints))


def _endpoints(endpoints) -> None:
    if not isinstance(endpoints, list) or not set(endpoints) <= set(ENDPOINTS):
        raise ValueError(f"endpoints must be a list of {', '.join(ENDPOINTS)}.")


class Faults(faults.Faults):
    """The base latency and the register's fault rules in force, shared by every request
    thread (every register call is an API call: a rule without ``endpoints`` takes them all)."""

    parse = staticmethod(parse_rule)


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


MISSING_KEY = (
    "Access denied due to missing subscription key. Make sure to include subscription key "
    "when making requests to an API."
)
INVALID_KEY = (
    "Access denied due to invalid subscription key. Make sure to provide a valid key for an "
    "active subscription."
)

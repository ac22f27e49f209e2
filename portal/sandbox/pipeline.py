"""What every sandbox call goes through: counted, then delayed or faulted as configured;
API calls are also authenticated (bearer token, tenant header) and rate-limited per tenant.
"""

import time
import uuid
from functools import wraps

from flask import Response, current_app, g, request

from portal.sandbox import faults, grants, runtime

TENANT_HEADER = {"xero": "Xero-Tenant-Id", "workflowmax": "account_id"}


def endpoint(label: str):
    """Decorate an identity or connections view: counted, and open to injected faults."""

    def decorate(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            sandbox = runtime.current()
            sandbox.count(label)
            return faulted(sandbox, label, False, lambda: view(*args, **kwargs))

        return wrapped

    return decorate


def api_endpoint(label: str, provider: str):
    """Decorate an API view: counted, authenticated, rate-limited, delayed, maybe faulted.

    The view receives the tenant id as its first argument.
    """

    def decorate(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            sandbox = runtime.current()
            sandbox.count(label)
            g.sandbox_tenant = request.headers.get(TENANT_HEADER[provider], "").strip().lower()
            try:
                tenant = _authorised_tenant(sandbox, provider)
            except grants.AccessDenied as denied:
                return problem(denied.status, denied.detail)
            decision = sandbox.limits.acquire(tenant, label)
            g.sandbox_limits = decision
            if not decision.allowed:
                return faults.rate_limited(decision.retry_after, decision.problem)
            try:
                response = faulted(sandbox, label, True, lambda: view(tenant, *args, **kwargs))
            except BaseException:
                sandbox.limits.release(tenant)
                raise
            return _release_when_sent(response, sandbox, tenant)

        return wrapped

    return decorate


def _authorised_tenant(sandbox, provider: str) -> str:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise grants.AccessDenied(401, "AuthenticationUnsuccessful")
    access = grants.verify(sandbox, token.strip(), provider)
    if provider == "xero" and not any(s.startswith("practicemanager") for s in access.scopes):
        raise grants.AccessDenied(401, "AuthorizationUnsuccessful")
    tenant = g.sandbox_tenant
    if (
        not tenant
        and provider == "workflowmax"
        and current_app.config["SANDBOX_ACCOUNT_ID_FALLBACK"]
    ):
        tenant = next(iter(access.tenants)) if len(access.tenants) == 1 else ""
    if not tenant or tenant not in access.tenants:
        raise grants.AccessDenied(403, "AuthenticationUnsuccessful")  # Xero's own word for it
    return tenant


def faulted(sandbox, label: str, api: bool, call, response_for=faults.response_for) -> Response:
    """The answer to a call of ``label``: delayed, replaced or spoilt as the first fault rule
    that matches it says, else what ``call()`` answers; ``response_for`` gives a fault's own
    answer in the sandbox's format."""
    rule, delay = sandbox.faults.take(label, api)
    if delay:
        time.sleep(delay)
    if rule is not None and rule.fault == "timeout":
        time.sleep(rule.timeout_seconds)
    if rule is not None:
        faulty = response_for(rule)
        if faulty is not None:
            return faulty
    response = current_app.make_response(call())
    if rule is not None and rule.fault == "truncated":
        return faults.truncate(response)
    if rule is not None and rule.fault == "trickle":
        return faults.trickle(response, rule)
    if rule is not None and rule.fault == "encoding":
        return faults.declare_encoding(response, rule.encoding)
    return response


def _release_when_sent(response: Response, sandbox, tenant: str) -> Response:
    """Release the in-flight slot once the body is out (a streamed list is still in flight)."""
    if not response.is_streamed:
        sandbox.limits.release(tenant)
        return response
    body = response.response

    def sending():
        try:
            yield from body
        finally:
            sandbox.limits.release(tenant)

    response.response = sending()
    return response


def problem(status: int, detail: str) -> Response:
    """Xero's JSON problem body, as its API answers 401 and 403 (a 401 says so in
    ``WWW-Authenticate`` too, and an expired token's 401 comes with no Content-Type)."""
    return faults.problem(status, detail)


def add_api_headers(response: Response) -> Response:
    """Headers Xero sends on every API answer: a correlation id and the limits left."""
    response.headers["xero-correlation-id"] = str(uuid.uuid4())
    sandbox = runtime.current()
    left = g.get("sandbox_limits") or sandbox.limits.remaining(g.get("sandbox_tenant", ""))
    response.headers["X-MinLimit-Remaining"] = str(left.minute_remaining)
    response.headers["X-DayLimit-Remaining"] = str(left.day_remaining)
    response.headers["X-AppMinLimit-Remaining"] = str(left.app_minute_remaining)
    return response

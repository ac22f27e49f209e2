"""The authorize step: validate the request, show the consent page, act on Approve or Deny.

The page names the app, the scopes and the organisations to connect. Its form carries a
nonce that must match a cookie set with the page and is good for one answer only: the
sandbox is exempt from the portal's CSRF protection, so it brings its own.
"""

import hmac
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from flask import current_app, redirect, render_template, request, url_for

from portal.sandbox import authorisations, grants, runtime, tenants

COOKIE = "sandbox_consent"
SCOPE_TEXT = {
    "openid": "Confirm who you are",
    "profile": "See your name",
    "email": "See your e-mail address",
    "offline_access": "Stay connected when you are not using the app",
    "practicemanager": "View and change your Practice Manager clients, jobs and staff",
    "workflowmax": "View and change your WorkflowMax clients, jobs and staff",
}
PROVIDER_NAME = {"xero": "Xero", "workflowmax": "WorkflowMax"}


def describe(scope: str) -> str:
    """A scope in words, as Xero's consent page puts it."""
    if scope.startswith("practicemanager."):
        return f"Practice Manager access: {scope.removeprefix('practicemanager.')}"
    return SCOPE_TEXT.get(scope, scope)


def _redirect_with(uri: str, **params):
    parts = urlsplit(uri)
    query = urlencode(
        [*parse_qsl(parts.query), *((k, v) for k, v in params.items() if v is not None)]
    )
    return redirect(urlunsplit(parts._replace(query=query)), 302)


def _security_headers(response, redirect_uri: str | None = None):
    # The approve answer redirects to the app, so form-action must allow the app's origin.
    target = ""
    if redirect_uri:
        parts = urlsplit(redirect_uri)
        target = f" {parts.scheme}://{parts.netloc}"
    response.headers["Content-Security-Policy"] = (
        f"default-src 'none'; style-src 'self'; form-action 'self'{target}; "
        "frame-ancestors 'none'; base-uri 'none'"
    )
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Frame-Options"] = "DENY"
    return response


def _refuse(message: str):
    """An error the app cannot be told about (its identity or address is in doubt)."""
    page = render_template("sandbox/error.html", message=message)
    return _security_headers(current_app.make_response((page, 400)))


def _registered(provider: str, client_id: str, redirect_uri: str) -> str | None:
    """Why the app or its redirect URI is not acceptable, or None if they are."""
    app = current_app.config["SANDBOX_CLIENTS"].get(client_id)
    if app is None or app.get("provider", "xero") != provider:
        return "This app is not registered with the sandbox (unknown client_id)."
    parts = urlsplit(redirect_uri)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.fragment:
        return "The redirect_uri must be an absolute http(s) address without a fragment."
    allowed = app.get("redirect_uris")
    if allowed is None:
        allowed = current_app.config["SANDBOX_REDIRECT_URIS"]
    if redirect_uri not in allowed:  # exactly, as Xero compares them: no prefix, no case
        return (
            "The redirect_uri is not registered for this app "
            "(the sandbox's SANDBOX_REDIRECT_URIS or --redirect-uri lists them)."
        )
    return None


def _offered(provider: str) -> list:
    """The organisations this consent page offers. Mounted behind a server that drops the
    ``account_id`` header, WorkflowMax can only tell one organisation from the token."""
    config = current_app.config
    several = provider == "xero" or not config["SANDBOX_ACCOUNT_ID_FALLBACK"]
    return tenants.offered(provider, config["SANDBOX_PRACTICES"] if several else 1)


def authorize(provider: str):
    """GET shows the consent page; POST records the answer and sends the browser back."""
    if request.method == "POST":
        return _answer(provider)
    args = request.args
    client_id, redirect_uri = args.get("client_id", ""), args.get("redirect_uri", "")
    reason = _registered(provider, client_id, redirect_uri)
    if reason:
        return _refuse(reason)
    state = args.get("state")
    if args.get("response_type") != "code":
        return _redirect_with(redirect_uri, error="unsupported_response_type", state=state)
    scope = " ".join(args.get("scope", "").split())
    if not grants.scopes_allowed(provider, scope):
        return _redirect_with(redirect_uri, error="invalid_scope", state=state)
    challenge = args.get("code_challenge") or None
    if challenge and (
        args.get("code_challenge_method") != "S256" or not grants.VERIFIER.fullmatch(challenge)
    ):
        return _redirect_with(
            redirect_uri,
            error="invalid_request",
            state=state,
            error_description="PKCE needs code_challenge_method=S256",
        )
    consent = {
        "provider": provider,
        "client_id": client_id,
        "redirect_uri": redirect_uri,
        "scope": scope,
        "state": state,
        "code_challenge": challenge,
    }
    return _page(consent)


def _page(consent: dict, message: str | None = None, status: int = 200):
    nonce = authorisations.start_consent(runtime.current(), consent)
    provider = consent["provider"]
    offered = _offered(provider)
    page = render_template(
        "sandbox/consent.html",
        nonce=nonce,
        provider=PROVIDER_NAME[provider],
        app_name=current_app.config["SANDBOX_CLIENTS"][consent["client_id"]].get(
            "name", consent["client_id"]
        ),
        scopes=[describe(scope) for scope in consent["scope"].split()],
        tenants=offered,
        action=url_for(request.endpoint),
        message=message,
    )
    response = _security_headers(current_app.make_response((page, status)), consent["redirect_uri"])
    response.set_cookie(
        COOKIE,
        nonce,
        max_age=authorisations.CONSENT_SECONDS,
        path=url_for(request.endpoint),
        secure=request.is_secure,
        httponly=True,
        samesite="Lax",
    )
    return response


def _answer(provider: str):
    nonce = request.form.get("nonce", "")
    cookie = request.cookies.get(COOKIE, "")
    if not nonce or not hmac.compare_digest(nonce.encode(), cookie.encode()):
        return _refuse(
            "This consent form has expired or did not come from this page. "
            "Start again from the app."
        )
    consent = authorisations.finish_consent(runtime.current(), nonce)
    if consent is None or consent["provider"] != provider:
        return _refuse(
            "This consent form has already been answered or has expired. Start again from the app."
        )
    if request.form.get("decision") != "approve":
        return _redirect_with(
            consent["redirect_uri"], error="access_denied", state=consent["state"]
        )
    offered = {tenant.id for tenant in _offered(provider)}
    chosen = [
        tenant for tenant in dict.fromkeys(request.form.getlist("tenant")) if tenant in offered
    ]
    request_fields = {
        key: consent[key]
        for key in ("provider", "client_id", "redirect_uri", "scope", "state", "code_challenge")
    }
    if not chosen:
        return _page(request_fields, "Choose at least one organisation to connect.", 400)
    code = authorisations.issue_code(runtime.current(), request_fields, chosen)
    response = _redirect_with(
        consent["redirect_uri"], code=code, state=consent["state"], scope=consent["scope"]
    )
    response.delete_cookie(COOKIE, path=url_for(request.endpoint))
    return response

"""How failed sign-ins slow down, without letting a stranger lock anyone out.

Failures are counted three ways (Flask-Limiter, in Redis when REDIS_URL is set):
- per account *and* address: the person mistyping, or one attacker guessing one account;
- per address: one address guessing many accounts;
- per account from browsers that have never signed in to it: many addresses guessing one
  account. A browser that has signed in to the account before carries a signed "device"
  cookie for it and is exempt from this count, so an attack from elsewhere cannot keep the
  account's owner out (OWASP's device-cookie rule).
Past a limit, attempts are answered 429 with Retry-After until the window moves on; the
password is not even checked. The same rule, per account, limits second-factor codes.
"""

import hashlib

from flask import current_app, g, request
from itsdangerous import BadSignature, URLSafeTimedSerializer

from portal.auth.service import normalise_email
from portal.extensions import client_address

DEVICE_COOKIE = "portal_device"
DEVICE_DAYS = 90


def failed(_response=None) -> bool:
    """Whether this request was a failed attempt (only failures count)."""
    return g.get("sign_in_failed", False)


def _account() -> str:
    return hashlib.sha256(normalise_email(request.form.get("email", "")).encode()).hexdigest()


def account_and_address() -> str:
    return f"{_account()}@{client_address()}"


def account() -> str:
    return _account()


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="portal-device")


def device_cookie(email: str) -> str:
    """A cookie value saying this browser has signed in as ``email``."""
    return _serializer().dumps(hashlib.sha256(normalise_email(email).encode()).hexdigest())


def trusted_device() -> bool:
    """Whether this browser signed in before to the account the form names."""
    value = request.cookies.get(DEVICE_COOKIE)
    if not value:
        return False
    try:
        account_hash = _serializer().loads(value, max_age=DEVICE_DAYS * 86400)
    except BadSignature:
        return False
    return account_hash == _account()


def limit(name: str):
    """A limit from the configuration, read per request (tests and deployments change it)."""
    return lambda: current_app.config[name]

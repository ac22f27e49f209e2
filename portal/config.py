"""Configuration: safe defaults, then instance/config.py, then the environment.

The names are the stable interface the README lists (Configuration). Outside production, a missing
SECRET_KEY or PORTAL_TOKEN_KEY is generated once into the instance folder; in production
the application refuses to start without them and says why in one line.
"""

import os
import secrets
from datetime import timedelta
from pathlib import Path

from cryptography.fernet import Fernet
from flask import Config

XERO_DEFAULTS = {
    "XERO_AUTHORIZE_URL": "https://login.xero.com/identity/connect/authorize",
    "XERO_TOKEN_URL": "https://identity.xero.com/connect/token",
    "XERO_REVOKE_URL": "https://identity.xero.com/connect/revocation",
    "XERO_CONNECTIONS_URL": "https://api.xero.com/connections",
    "XPM_API_URL": "https://api.xero.com/practicemanager/3.1/",
    "WORKFLOWMAX_AUTHORIZE_URL": "https://oauth.workflowmax2.com/oauth/authorize",
    "WORKFLOWMAX_TOKEN_URL": "https://oauth.workflowmax2.com/oauth/token",
    "WORKFLOWMAX_API_URL": "https://api.workflowmax2.com/",
}

#: The Companies Register, read through MBIE's NZBN API v5 (portal/nzbn).
NZBN_DEFAULTS = {
    "NZBN_API_URL": "https://api.business.govt.nz/gateway/nzbn/v5",
    "NZBN_SUBSCRIPTION_KEY": None,
}

#: Every variable read from the environment (the README lists them).
ENVIRONMENT_NAMES = (
    "PORTAL_ENV",
    "SECRET_KEY",
    "DATABASE_URL",
    "PORTAL_TOKEN_KEY",
    "PORTAL_SANDBOX",
    "XPM_CLIENT_ID",
    "XPM_CLIENT_SECRET",
    "WORKFLOWMAX_CLIENT_ID",
    "WORKFLOWMAX_CLIENT_SECRET",
    "REDIS_URL",
    "PROXY_FIX",
    "SANDBOX_URL",
    "SANDBOX_REDIRECT_URIS",
    "SANDBOX_CONTROL_TOKEN",
    "REGISTER_SANDBOX_URL",
    "SESSION_IDLE_MINUTES",
    "SESSION_LIFETIME_HOURS",
    "WEBAUTHN_RP_ID",
    "WEBAUTHN_ORIGIN",
    *XERO_DEFAULTS,
    *NZBN_DEFAULTS,
)

#: Password hashing parameters (portal/auth/passwords.py): OWASP's, or the cheapest, for tests.
PASSWORD_HASHERS = ("owasp", "cheapest")
WEAK_SECRETS = {"", "dev", "changeme", "change-me", "secret", "development", "test"}
MIN_SECRET_LENGTH = 32


class ConfigurationError(RuntimeError):
    """The configuration cannot run safely; the message says why in one line."""


def defaults(instance_path: str) -> dict:
    """Settings that hold unless instance/config.py or the environment says otherwise."""
    return {
        "PORTAL_ENV": "development",
        "DATABASE_URL": f"sqlite:///{Path(instance_path) / 'portal.db'}",
        "PORTAL_SANDBOX": "0",
        #: Where the embedded sandbox answers (``make run`` serves it on this address).
        "SANDBOX_URL": "http://127.0.0.1:5000/sandbox",
        #: Where the embedded register sandbox answers (beside it, under ``make run``).
        "REGISTER_SANDBOX_URL": "http://127.0.0.1:5000/register-sandbox",
        "REDIS_URL": None,
        "XPM_CLIENT_ID": None,
        "XPM_CLIENT_SECRET": None,
        "WORKFLOWMAX_CLIENT_ID": None,
        "WORKFLOWMAX_CLIENT_SECRET": None,
        **XERO_DEFAULTS,
        "XPM_CONNECT_TIMEOUT": 5,
        "XPM_READ_TIMEOUT": 20,
        "XPM_CALL_DEADLINE": 30,
        #: Seconds before a call XPM failed to answer (5xx, timeout) is tried again:
        #: jittered, doubling for each further try, three tries in all (a 429 waits as long
        #: as its Retry-After says).
        "XPM_RETRY_BACKOFF": 0.5,
        "XPM_MAX_RESPONSE_BYTES": 8 * 1024 * 1024,
        **NZBN_DEFAULTS,
        #: The register's calls: connect and read timeouts, the whole call's deadline, the
        #: pause before the first retry (doubling after; a 429 waits its Retry-After) and
        #: the largest answer read.
        "NZBN_CONNECT_TIMEOUT": 5,
        "NZBN_READ_TIMEOUT": 15,
        "NZBN_CALL_DEADLINE": 20,
        "NZBN_RETRY_BACKOFF": 0.5,
        "NZBN_MAX_RESPONSE_BYTES": 4 * 1024 * 1024,
        "CLIENTS_PER_PAGE": 50,
        #: Bulk import: the largest file and the most rows one upload may have.
        "BULK_IMPORT_MAX_BYTES": 10_000_000,
        "BULK_IMPORT_MAX_ROWS": 20_000,
        #: How deep an import follows related clients (the client's, and theirs).
        "IMPORT_MAX_DEPTH": 2,
        #: How long a request waits on XPM before answering with a page that fills itself in.
        "IMPORT_REQUEST_WAIT": 0.5,
        "PANEL_CONFIRM_WAIT": 0.5,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "WTF_CSRF_TIME_LIMIT": None,
        "MAX_CONTENT_LENGTH": 60 * 1024 * 1024,
        #: Failed sign-ins that slow further attempts down (portal/auth/throttle.py).
        "LOGIN_FAILURES_PER_ACCOUNT_AND_ADDRESS": "5 per minute; 20 per hour",
        "LOGIN_FAILURES_PER_ADDRESS": "30 per 15 minutes",
        "LOGIN_FAILURES_PER_ACCOUNT": "10 per 15 minutes",
        "TWO_FACTOR_FAILURES_PER_ACCOUNT": "5 per 5 minutes; 20 per day",
        "SESSION_IDLE_MINUTES": 8 * 60,
        "SESSION_LIFETIME_HOURS": 7 * 24,
        "WEBAUTHN_RP_ID": None,
        "WEBAUTHN_ORIGIN": None,
        "PASSWORD_HASHER": "owasp",
    }


def load(app, test_config: dict | None) -> set[str]:
    """Apply instance/config.py and the environment, or the test mapping instead of both
    (as flaskr does); returns the names that were set explicitly."""
    if test_config is not None:
        app.config.from_mapping(test_config)
        return set(test_config)
    instance = Config(app.instance_path)
    instance.from_pyfile("config.py", silent=True)
    environment = from_environment()
    app.config.update(instance)
    app.config.update(environment)
    return set(instance) | set(environment)


def from_environment() -> dict:
    """The settings that are set in the environment."""
    return {name: os.environ[name] for name in ENVIRONMENT_NAMES if name in os.environ}


def finalise(config, instance_path: str) -> None:
    """Check the merged configuration, generating development secrets where allowed."""
    production = config["PORTAL_ENV"] == "production"
    if production:
        _check_production(config)
    else:
        config["SECRET_KEY"] = config.get("SECRET_KEY") or instance_secret(
            instance_path, "secret_key", lambda: secrets.token_urlsafe(48)
        )
        config["PORTAL_TOKEN_KEY"] = config.get("PORTAL_TOKEN_KEY") or instance_secret(
            instance_path, "token_key", lambda: Fernet.generate_key().decode()
        )
    _check_token_keys(config["PORTAL_TOKEN_KEY"])
    config["SESSION_COOKIE_SECURE"] = production
    _check_lifetimes(config)
    _check_password_hasher(config)
    config["PORTAL_SANDBOX"] = _sandbox_on(config)


def _sandbox_on(config) -> bool:
    """``PORTAL_SANDBOX`` as set ("1" in the environment), or as already read (True)."""
    value = config.get("PORTAL_SANDBOX", "0")
    return value is True or str(value).strip() == "1"


def _check_production(config) -> None:
    secret = config.get("SECRET_KEY") or ""
    if secret.strip().lower() in WEAK_SECRETS or len(secret) < MIN_SECRET_LENGTH:
        raise ConfigurationError(
            f"PORTAL_ENV=production needs SECRET_KEY set to a random value of at least "
            f"{MIN_SECRET_LENGTH} characters (try: python -c 'import secrets; "
            f"print(secrets.token_urlsafe(48))')."
        )
    if not config.get("PORTAL_TOKEN_KEY"):
        raise ConfigurationError(
            "PORTAL_ENV=production needs PORTAL_TOKEN_KEY set to one or more Fernet keys "
            "(try: python -c 'from cryptography.fernet import Fernet; "
            "print(Fernet.generate_key().decode())')."
        )
    if config.get("DEBUG"):
        raise ConfigurationError("PORTAL_ENV=production refuses to start with debug on.")
    if _sandbox_on(config):
        raise ConfigurationError(
            "PORTAL_ENV=production refuses to start with PORTAL_SANDBOX=1: the sandbox's "
            "demo apps and control endpoints are for development and tests only."
        )


def _check_password_hasher(config) -> None:
    """A known profile, and OWASP's in production: the cheap one is for the tests' speed."""
    name = config.get("PASSWORD_HASHER")
    if name not in PASSWORD_HASHERS:
        raise ConfigurationError(f"PASSWORD_HASHER must be one of {', '.join(PASSWORD_HASHERS)}.")
    if name != "owasp" and config["PORTAL_ENV"] == "production":
        raise ConfigurationError(
            f"PORTAL_ENV=production hashes passwords with OWASP's parameters only "
            f"(PASSWORD_HASHER=owasp), not {name!r}: that is for tests."
        )


def _check_lifetimes(config) -> None:
    """Session lifetimes are whole numbers of minutes and hours; the cookie lasts as long."""
    for name in ("SESSION_IDLE_MINUTES", "SESSION_LIFETIME_HOURS"):
        try:
            config[name] = int(config[name])
        except (TypeError, ValueError):
            raise ConfigurationError(f"{name} must be a whole number.") from None
        if config[name] < 1:
            raise ConfigurationError(f"{name} must be at least 1.")
    config["PERMANENT_SESSION_LIFETIME"] = timedelta(hours=config["SESSION_LIFETIME_HOURS"])


def _check_token_keys(value: str) -> None:
    for key in (part.strip() for part in value.split(",")):
        try:
            Fernet(key)
        except ValueError:
            raise ConfigurationError(
                "PORTAL_TOKEN_KEY must be comma-separated Fernet keys "
                "(32 url-safe base64-encoded bytes each)."
            ) from None


def instance_secret(instance_path: str, name: str, make) -> str:
    """Read a generated secret from the instance folder, creating it (mode 0600) once
    (the sandbox keeps its control token this way too)."""
    path = Path(instance_path) / name
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    value = make()
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process created it first: use theirs
        return path.read_text().strip()
    with os.fdopen(descriptor, "w") as file:
        file.write(value + "\n")
    return value

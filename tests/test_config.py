import os
import stat

import pytest
from cryptography.fernet import Fernet

from portal import create_app
from portal.config import ConfigurationError, defaults, finalise

GOOD_KEY = Fernet.generate_key().decode()
STRONG_SECRET = "s" * 16 + "A9x!" * 8


def production(**settings):
    return {"PORTAL_ENV": "production", "DATABASE_URL": "sqlite://", **settings}


@pytest.mark.parametrize(
    ("settings", "reason"),
    [
        (production(PORTAL_TOKEN_KEY=GOOD_KEY), "SECRET_KEY"),
        (production(SECRET_KEY="changeme", PORTAL_TOKEN_KEY=GOOD_KEY), "SECRET_KEY"),
        (production(SECRET_KEY="short-but-random", PORTAL_TOKEN_KEY=GOOD_KEY), "SECRET_KEY"),
        (production(SECRET_KEY=STRONG_SECRET), "PORTAL_TOKEN_KEY"),
        (production(SECRET_KEY=STRONG_SECRET, PORTAL_TOKEN_KEY="not-a-key"), "Fernet"),
        (production(SECRET_KEY=STRONG_SECRET, PORTAL_TOKEN_KEY=GOOD_KEY, DEBUG=True), "debug"),
        (
            production(SECRET_KEY=STRONG_SECRET, PORTAL_TOKEN_KEY=GOOD_KEY, PORTAL_SANDBOX="1"),
            "PORTAL_SANDBOX",
        ),
        (
            production(
                SECRET_KEY=STRONG_SECRET, PORTAL_TOKEN_KEY=GOOD_KEY, PASSWORD_HASHER="cheapest"
            ),
            "PASSWORD_HASHER",
        ),
    ],
)
def test_production_refuses_unsafe_settings(settings, reason):
    with pytest.raises(ConfigurationError) as error:
        create_app(settings)
    message = str(error.value)
    assert reason in message
    assert "\n" not in message


def test_production_starts_with_safe_settings():
    app = create_app(
        production(SECRET_KEY=STRONG_SECRET, PORTAL_TOKEN_KEY=f"{GOOD_KEY},{GOOD_KEY}")
    )
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_development_generates_missing_secrets_once(tmp_path):
    first = defaults(str(tmp_path))
    finalise(first, str(tmp_path))
    second = defaults(str(tmp_path))
    finalise(second, str(tmp_path))
    assert first["SECRET_KEY"] == second["SECRET_KEY"]
    assert len(first["SECRET_KEY"]) >= 32
    Fernet(first["PORTAL_TOKEN_KEY"])
    for name in ("secret_key", "token_key"):
        assert stat.S_IMODE(os.stat(tmp_path / name).st_mode) == 0o600


def test_environment_names_are_read(monkeypatch):
    from portal.config import from_environment

    monkeypatch.setenv("XPM_API_URL", "http://127.0.0.1:9/practicemanager/3.1/")
    monkeypatch.setenv("PORTAL_SANDBOX", "1")
    assert from_environment()["XPM_API_URL"].startswith("http://127.0.0.1:9")
    assert from_environment()["PORTAL_SANDBOX"] == "1"

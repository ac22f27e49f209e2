"""Helpers for two-factor sign-in: enrol a user's authenticator app, read codes, sign in."""

import re
import time

import pyotp
import pytest

from portal import database
from portal.auth import two_factor
from portal.models import User
from portal.vault import vault
from tests.conftest import PASSWORD


def secret_on(page: str) -> str:
    return re.search(r'id="totp-secret">([A-Z2-7 ]+)<', page).group(1).replace(" ", "")


def code_for(secret: str, steps_ahead: int = 0) -> str:
    """The code the app shows now, or ``steps_ahead`` periods of 30 s from now."""
    return pyotp.TOTP(secret).at(time.time() + 30 * steps_ahead)


def enrol_app(app, user_id: int) -> tuple[str, list[str]]:
    """Give ``user_id`` an authenticator app and recovery codes directly; (secret, codes)."""
    with app.app_context():
        session = database.session()
        with database.writing(session):
            user = session.get(User, user_id)
            secret = two_factor.new_totp_secret()
            user.totp_secret = vault().seal(secret)
            codes = two_factor.new_recovery_codes(session, user)
        return secret, codes


def csrf_of(page: str) -> str:
    return re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page).group(1)


@pytest.fixture
def with_app(app, user):
    """The first firm's administrator with an authenticator app: (secret, recovery codes)."""
    return enrol_app(app, user[0])


def password_step(client, email="staff@kowhai.example", password=PASSWORD):
    return client.post("/login", data={"email": email, "password": password})

"""Signing in and out, two-factor sign-in and sessions."""

from flask import Blueprint

bp = Blueprint("auth", __name__)

from portal.auth import views  # noqa: E402,F401
from portal.auth.access import second_factor_required  # noqa: E402

bp.before_app_request(second_factor_required)

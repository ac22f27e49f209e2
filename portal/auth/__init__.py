"""Signing in and out, two-factor sign-in and sessions."""

from flask import Blueprint

from portal.auth.access import second_factor_required

bp = Blueprint("auth", __name__)
bp.before_app_request(second_factor_required)

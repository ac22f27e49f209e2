"""Settings → Staff: who works in the firm, their two-factor sign-in, and the firm's rule."""

from flask import Blueprint

bp = Blueprint("staff", __name__, url_prefix="/settings/staff")

from portal.staff import views  # noqa: E402,F401

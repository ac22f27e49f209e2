"""Settings → Staff: who works in the firm, their two-factor sign-in, and the firm's rule."""

from flask import Blueprint

bp = Blueprint("staff", __name__, url_prefix="/settings/staff")

"""A member of staff's own account: two-factor sign-in, password and sessions."""

from flask import Blueprint

bp = Blueprint("account", __name__, url_prefix="/account")

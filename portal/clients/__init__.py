"""The Clients tab: the firm's profiles, adding them manually, reading and editing one."""

from flask import Blueprint

bp = Blueprint("clients", __name__, url_prefix="/clients")

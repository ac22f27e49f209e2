"""Settings → Structures: how the firm's XPM BusinessStructure values map to kinds of profile."""

from flask import Blueprint

bp = Blueprint("structures", __name__, url_prefix="/settings/structures")
